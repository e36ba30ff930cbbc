#!/usr/bin/env node
// The `vixy` command (package.json "bin"). The package's API is index.ts, which starts nothing.
import 'reflect-metadata';
import { EXIT_USAGE, runCli, UsageError } from './cli';

runCli(process.argv.slice(2), process.env).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`vixy: ${message}\n`);
  process.exit(err instanceof UsageError ? EXIT_USAGE : 1);
});
