import { type Server } from 'node:http';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createVixyApp, type VixyAppOptions } from './bootstrap';
import { ConfigStore, configuredLayers, parseListen } from './config';
import { ReadinessState } from './health/readiness-state.service';
import { GracefulShutdown, type ShutdownTarget } from './shutdown';
import { VIXY_VERSION } from './version';

export interface StartVixyOptions extends VixyAppOptions {
  /**
   * SIGTERM/SIGINT: graceful shutdown (`[server].shutdown_delay_ms`, then the drain),
   * then `process.exit`; SIGHUP: config reload. Default true; false leaves signals to
   * you (call `shutdown()`).
   */
  readonly handleSignals?: boolean;
}

export interface VixyServer {
  readonly app: NestFastifyApplication;
  /** Where the main listener is, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Starts the graceful shutdown as SIGTERM does; the process exits when it is done. */
  shutdown(signal?: NodeJS.Signals): void;
}

/**
 * Creates the application, listens on `[server].listen`, logs one start-up line
 * (version, config file, listen address, nodes) and handles signals: what `vixy` does.
 */
export async function startVixy(options: StartVixyOptions): Promise<VixyServer> {
  const { config } = options;
  const app = await createVixyApp(options);
  const shutdown = new GracefulShutdown(shutdownTarget(app), {
    delayMs: config.server.shutdown_delay_ms,
    graceMs: config.server.shutdown_grace_ms,
    exit: (code) => process.exit(code),
  });
  if (options.handleSignals ?? true) {
    process.on('SIGHUP', () => app.get(ConfigStore).reload());
    process.on('SIGTERM', () => shutdown.signal('SIGTERM'));
    process.on('SIGINT', () => shutdown.signal('SIGINT'));
  }
  const { host, port } = parseListen(config.server.listen) ?? { host: '0.0.0.0', port: 8080 };
  await app.listen(port, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const layers = configuredLayers(config);
  new Logger('Vixy').log(
    {
      version: VIXY_VERSION,
      node_version: process.version,
      config: options.configSource ? resolve(options.configSource.path) : null,
      listen: url,
      el_nodes: layers.el ? config.el.primary.length + config.el.backup.length : 0,
      cl_nodes: config.cl.length,
      metrics: metricsAt(options, url),
      admin: config.admin.token !== undefined,
      docs: config.admin.docs ? `${url}/docs` : false,
    },
    `vixy ${VIXY_VERSION} listening on ${url}`,
  );
  return { app, url, shutdown: (signal = 'SIGTERM') => shutdown.signal(signal) };
}

function metricsAt(options: StartVixyOptions, url: string): string | false {
  const { enabled, port } = options.config.metrics;
  if (!enabled) return false;
  return port === undefined ? `${url}/metrics` : `port ${port}`;
}

function shutdownTarget(app: NestFastifyApplication): ShutdownTarget {
  const http = app.getHttpServer() as Server;
  return {
    startDraining: (reason) => app.get(ReadinessState).startDraining(reason),
    refuseKeepAlive: () =>
      http.prependListener('request', (_req, res) => {
        res.shouldKeepAlive = false;
      }),
    closeIdleConnections: () => http.closeIdleConnections(),
    close: () => app.close(),
  };
}
