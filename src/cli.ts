import { parseArgs } from 'node:util';

export const USAGE = `Usage: vixy [options]

Ethereum node proxy: routes JSON-RPC, beacon API and WebSocket traffic to healthy nodes.

Options:
  --config <file>       TOML config file (default ./config.toml, env VIXY_CONFIG)
  --listen <host:port>  listen address, overrides [server].listen (default 0.0.0.0:8080)
  --help                show this help
  --version             show the version

Environment:
  LOG_LEVEL             error, warn, info (default), debug or verbose
  VIXY_ADMIN_TOKEN      bearer token of the /admin API (overrides [admin].token)
`;

export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly configPath: string; readonly listen?: string }
  | { readonly kind: 'error'; readonly message: string };

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand {
  let values: { config?: string; listen?: string; help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        listen: { type: 'string', short: 'l' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const configPath = values.config ?? env.VIXY_CONFIG ?? './config.toml';
  return values.listen === undefined
    ? { kind: 'run', configPath }
    : { kind: 'run', configPath, listen: values.listen };
}
