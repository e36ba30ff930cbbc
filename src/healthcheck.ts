#!/usr/bin/env node
// The container health check (Dockerfile HEALTHCHECK): GET /health on the address of
// [server].listen in the config file (VIXY_CONFIG, else ./config.toml), so that the
// check follows the config instead of assuming port 8080. Exit 0 on HTTP 200, else 1.
// Light on purpose (no Nest, no validation): it runs every few seconds.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { parse } from 'smol-toml';
import { parseListen, reachableHost } from './config/listen-address';

const TIMEOUT_MS = 2000;

/** The URL of GET /health on the listener a config file describes. */
export function healthUrl(configPath: string): URL {
  const doc = parse(readFileSync(configPath, 'utf8')) as { server?: { listen?: unknown } };
  const listen = typeof doc.server?.listen === 'string' ? doc.server.listen : '0.0.0.0:8080';
  const address = parseListen(listen);
  if (address === null) throw new Error(`[server].listen is not host:port: ${listen}`);
  const host = reachableHost(address.host);
  return new URL(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}/health`);
}

function main(): void {
  const url = healthUrl(process.env.VIXY_CONFIG ?? './config.toml');
  const req = request(url, { timeout: TIMEOUT_MS }, (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
  req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
  req.on('error', (err) => {
    process.stderr.write(`vixy healthcheck: ${url.href}: ${err.message}\n`);
    process.exit(1);
  });
  req.end();
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`vixy healthcheck: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
