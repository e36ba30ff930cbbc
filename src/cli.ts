import { parseArgs } from 'node:util';
import { type ConfigSource, ConfigError, loadConfigFile } from './config';
import { parseLogLevel } from './logging';
import { startVixy } from './server';
import { VIXY_VERSION } from './version';

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

/** Exit code of a usage or config error: nothing listens. */
export const EXIT_USAGE = 2;

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

/** Thrown for a usage or config error: main prints the message and exits with EXIT_USAGE. */
export class UsageError extends Error {}

/**
 * `vixy [options]`: help, version, or the service (until a signal stops it). Throws
 * UsageError for a bad option, LOG_LEVEL or config file, before anything listens.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const command = parseCli(argv, env);
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      process.stdout.write(`vixy ${VIXY_VERSION}\n`);
      return;
    case 'error':
      throw new UsageError(`${command.message}\n\n${USAGE}`);
    case 'run':
      break;
    default: {
      const never: never = command;
      throw new Error(`unknown command ${String(never)}`);
    }
  }
  const logLevel = parseLogLevel(env.LOG_LEVEL);
  if (logLevel === undefined) {
    throw new UsageError('LOG_LEVEL: must be one of error, warn, info, debug, verbose');
  }
  const configSource: ConfigSource = {
    path: command.configPath,
    overrides: { listen: command.listen, adminToken: env.VIXY_ADMIN_TOKEN || undefined },
  };
  let config;
  try {
    config = loadConfigFile(configSource.path, configSource.overrides);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  await startVixy({ config, configSource, logLevel });
}
