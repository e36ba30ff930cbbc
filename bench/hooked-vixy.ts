// Vixy as a company runs it (the built package, dist/index.js) with a VIXY_REQUEST_HOOK
// that checks an API key on every request: what bench/http.ts measures as "Vixy + hook".
//   node -r ts-node/register/transpile-only bench/hooked-vixy.ts <config.toml>
import 'reflect-metadata';
import { type IncomingMessage } from 'node:http';
import { Module } from '@nestjs/common';
// The built package, as a company's code imports it (not the sources).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vixy = require('../dist/index.js') as typeof import('../src/index');

/** The key bench/el-post.lua sends. */
export const BENCH_API_KEY = 'bench-api-key-0123456789';

const KEYS = new Set([BENCH_API_KEY]);
const REFUSED = vixy.refuse(401, 'unknown API key');

class ApiKeyHook {
  check(req: IncomingMessage) {
    const key = req.headers['x-api-key'];
    return typeof key === 'string' && KEYS.has(key) ? undefined : REFUSED;
  }
}

@Module({ providers: [{ provide: vixy.VIXY_REQUEST_HOOK, useClass: ApiKeyHook }] })
class BenchHookModule {}

async function main(): Promise<void> {
  const path = process.argv[2];
  const configSource = { path, overrides: {} };
  const config = vixy.loadConfigFile(path);
  await vixy.startVixy({
    config,
    configSource,
    logLevel: process.env.LOG_LEVEL,
    imports: [BenchHookModule],
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`hooked-vixy: ${String(err)}\n`);
  process.exit(1);
});
