import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CL_EVENTS_PATH } from '../events/events.constants';
import { EventStreamsService } from '../events/event-streams.service';
import { RequestGate } from '../../gate/request-gate.service';
import { ClProxy } from './cl-proxy.service';
import { ElHttpHandler } from './el-http.handler';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Registers POST /el and ANY /cl/* on the Fastify instance (each in its own
 * encapsulated context), and puts POST /el in front of Fastify on the HTTP server.
 *
 * Why not Nest controllers: these are the hot routes, and Nest's router adds its
 * pipeline (guards, interceptors, pipes, filters, parameter factories) to every
 * request, which neither route needs.
 *
 * Why POST /el is also served before Fastify: DESIGN.md asks POST /el for at least
 * 0.85x the requests/s of a bare node:http + undici proxy (bench/http.ts), and on the
 * 2-core machines we measure on, the Fastify request lifecycle under Nest (request and
 * reply objects, routing, Nest's six onRequest hooks and middie) cost 4-12% more CPU
 * per request than answering from the server's request listener, with the same
 * handler. So the listener answers exact `POST /el` and `POST /el/` itself and hands
 * every other request to Fastify. Consequence: Fastify hooks and Nest middleware do
 * not see those requests; company code reaches them through the VIXY_REQUEST_HOOK,
 * which RequestGate runs on this path as on the Fastify-served ones (ElHttpHandler
 * answers 503 during shutdown as Nest's hook does). The Fastify route stays registered:
 * app.inject() in tests, and URLs with a query string, take that path to the same
 * handler.
 */
@Injectable()
export class HttpProxyRoutes implements OnModuleInit {
  private readonly logger = new Logger(HttpProxyRoutes.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly el: ElHttpHandler,
    private readonly cl: ClProxy,
    private readonly events: EventStreamsService,
    private readonly gate: RequestGate,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // A context without an HTTP server (a module compiled alone in a test) has no routes.
    if (adapter === undefined || adapter === null) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    void fastify.register((instance, _opts, done) => {
      this.elRoutes(instance);
      done();
    });
    void fastify.register((instance, _opts, done) => {
      this.clRoutes(instance);
      done();
    });
    this.serveElBeforeFastify(adapter.getHttpServer() as Server);
  }

  private serveElBeforeFastify(server: Server): void {
    const others = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'POST' && (req.url === '/el' || req.url === '/el/')) {
        this.gate.el(req, res, this.el); // absent EL layer, VIXY_REQUEST_HOOK, then this.el
        return;
      }
      for (const listener of others) listener.call(server, req, res);
    });
  }

  private elRoutes(instance: FastifyInstance): void {
    // Handled in the route's onRequest hook: hijacking the reply there stops Fastify's
    // lifecycle (reply.sent) before content-type parsing, which /el does itself.
    const onRequest = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      reply.hijack();
      this.el.handle(request.raw, reply.raw);
      done();
    };
    const handler = (): void => undefined;
    instance.route({ method: 'POST', url: '/el', onRequest, handler });
    instance.route({ method: 'POST', url: '/el/', onRequest, handler });
  }

  private clRoutes(instance: FastifyInstance): void {
    instance.removeAllContentTypeParsers();
    // Leaves the body unread: ClProxy streams the request itself to the node.
    instance.addContentTypeParser('*', (_req, _payload, done) => done(null));
    const handler = (request: FastifyRequest, reply: FastifyReply): void => {
      reply.hijack();
      this.cl.proxy(request.raw, reply.raw).catch((err: unknown) => {
        this.logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          'CL proxy failed',
        );
        if (!reply.raw.headersSent) reply.raw.writeHead(500).end();
        else reply.raw.destroy();
      });
    };
    instance.all('/cl', handler);
    instance.all('/cl/*', handler);
    // Event streams are Vixy's own (src/proxy/events); other methods on the path, and
    // HEAD, go to the node as any CL request.
    const events = (request: FastifyRequest, reply: FastifyReply): void => {
      reply.hijack();
      this.events.handle(request.raw, reply.raw).catch((err: unknown) => {
        this.logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          'CL event stream failed',
        );
        if (!reply.raw.headersSent) reply.raw.writeHead(500).end();
        else reply.raw.destroy();
      });
    };
    for (const url of [CL_EVENTS_PATH, `${CL_EVENTS_PATH}/`]) {
      instance.route({ method: 'GET', url, handler: events, exposeHeadRoute: false });
    }
  }
}
