#!/usr/bin/env node
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './bootstrap';
import { USAGE, parseCli } from './cli';
import {
  type Config,
  ConfigError,
  type ConfigSource,
  ConfigStore,
  loadConfigFile,
  parseListen,
} from './config';
import { ReadinessState } from './health/readiness-state.service';
import { createLogger, logLevels } from './logger';

const EXIT_USAGE = 2;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function fail(message: string): never {
  process.stderr.write(`vixy: ${message}\n`);
  process.exit(EXIT_USAGE);
}

function loadConfig(source: ConfigSource): Config {
  try {
    return loadConfigFile(source.path, source.overrides);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

async function main(): Promise<void> {
  const command = parseCli(process.argv.slice(2), process.env);
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      process.stdout.write(`vixy ${version()}\n`);
      return;
    case 'error':
      fail(`${command.message}\n\n${USAGE}`);
    // eslint-disable-next-line no-fallthrough
    case 'run':
      break;
    default: {
      const never: never = command;
      throw new Error(`unknown command ${String(never)}`);
    }
  }
  const levels = logLevels(process.env.LOG_LEVEL);
  if (!levels) fail('LOG_LEVEL: must be one of error, warn, info, debug, verbose');
  const source: ConfigSource = {
    path: command.configPath,
    overrides: { listen: command.listen, adminToken: process.env.VIXY_ADMIN_TOKEN || undefined },
  };
  const config = loadConfig(source);
  const logger = createLogger(levels);

  const app = await createApp(config, logger, source);
  // SIGHUP: re-read the config file; an invalid one is logged and changes nothing.
  process.on('SIGHUP', () => app.get(ConfigStore).reload());
  installShutdown(app, config.server.shutdown_grace_ms);

  const { host, port } = parseListen(config.server.listen) ?? { host: '0.0.0.0', port: 8080 };
  await app.listen(port, host);
  Logger.log(`listening on http://${host.includes(':') ? `[${host}]` : host}:${port}`, 'Vixy');
}

/**
 * SIGTERM/SIGINT: readiness turns 503 at once; then Nest's shutdown closes WebSocket
 * sessions with 1001 (before the listener), stops accepting, lets in-flight HTTP
 * requests finish, and only then releases upstream pools. Bounded by the grace period.
 */
function installShutdown(app: NestFastifyApplication, graceMs: number): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    Logger.log(`${signal} received, shutting down (grace ${graceMs} ms)`, 'Vixy');
    app.get(ReadinessState).startDraining(`${signal} received`);
    const force = setTimeout(() => {
      Logger.warn(`in-flight work still running after ${graceMs} ms, exiting`, 'Vixy');
      process.exit(0);
    }, graceMs);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        Logger.error(`error during shutdown: ${String(err)}`, 'Vixy');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`vixy: ${message}\n`);
  process.exit(1);
});
