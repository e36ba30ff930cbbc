import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { register } from 'prom-client';
import { InjectConfig, type Config, parseListen } from '../config';
import { countClientAnswer } from './http-responses';
import { MetricsListenError } from './metrics.errors';

/**
 * Serves GET /metrics on `[metrics].port`, on the host of `[server].listen`, apart from
 * the proxy's own listener (which then has no /metrics). Started before the main
 * listener, so that a port conflict stops the service before it takes traffic.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(@InjectConfig() private readonly config: Config) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metrics.port;
    if (port === undefined) return;
    const main = parseListen(this.config.server.listen) ?? { host: '0.0.0.0', port: 8080 };
    if (port === main.port) throw MetricsListenError.samePortAsServer(port);

    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(MetricsListenError.cannotListen(main.host, port, err)));
      server.listen(port, main.host, () => resolve());
    });
    server.on('error', (err) =>
      this.logger.error({ reason: err.message }, 'metrics listener error'),
    );
    this.server = server;
    const host = main.host.includes(':') ? `[${main.host}]` : main.host;
    this.logger.log({ url: `http://${host}:${port}/metrics` }, 'metrics listening');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.once('finish', () => countClientAnswer('metrics', res.statusCode));
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    register.metrics().then(
      (text) => res.writeHead(200, { 'content-type': register.contentType }).end(text),
      (err: unknown) => {
        this.logger.error({ reason: String(err) }, 'cannot render metrics');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('error\n');
      },
    );
  }
}
