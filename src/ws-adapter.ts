import { type INestApplicationContext, Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { type IncomingMessage } from 'node:http';
import { type Server, type ServerOptions } from 'ws';
import { RequestGate } from './gate/request-gate.service';
import { jsonRefusalBody } from './gate/gate-answers';
import { HttpResponses } from './metrics/http-responses';
import { EL_WS_PATH } from './proxy/ws/ws.constants';

type VerifyCallback = (
  verified: boolean,
  code?: number,
  message?: string,
  headers?: Record<string, string>,
) => void;

/**
 * The `ws` adapter for JSON-RPC sessions: the gateway reads each client's frames
 * itself, so the adapter parses none of them; and a client's socket errors (an
 * oversized frame, invalid UTF-8) are the client's doing, answered with a close
 * code by the session, logged at debug rather than as errors of the service.
 *
 * The /el/ws upgrade passes the RequestGate (an absent EL layer, the company's
 * VIXY_REQUEST_HOOK) before the handshake completes, and is counted in
 * `vixy_http_responses_total{route="el_ws"}`: 101 when accepted, the refusal's status
 * otherwise.
 */
export class JsonRpcWsAdapter extends WsAdapter {
  private readonly wsLogger = new Logger('WebSocket');

  constructor(private readonly app: INestApplicationContext) {
    super(app, { messageParser: () => undefined });
  }

  override create(port: number, options: ServerOptions & { path?: string }): Server {
    if (options.path !== EL_WS_PATH) return super.create(port, options) as Server;
    const gate = this.app.get(RequestGate, { strict: false });
    const responses = this.app.get(HttpResponses, { strict: false });
    const verifyClient = (info: { req: IncomingMessage }, cb: VerifyCallback): void =>
      gate.upgrade(info.req, (refusal) => {
        if (refusal === null) {
          cb(true);
          return;
        }
        responses.record('el_ws', refusal.status);
        cb(false, refusal.status, jsonRefusalBody(refusal), {
          ...refusal.headers,
          'Content-Type': 'application/json',
        });
      });
    const server = super.create(port, { ...options, verifyClient }) as Server;
    server.on('connection', () => responses.record('el_ws', 101));
    return server;
  }

  /**
   * No message handlers: a session reads its client's frames itself (ws-session.ts), so
   * the per-client pipeline Nest would build for `@SubscribeMessage` handlers (several
   * objects per connection, and a look at every frame) is not built at all.
   */
  override bindMessageHandlers(): void {
    // nothing to bind: the gateway has no @SubscribeMessage handlers
  }

  override bindErrorHandler(server: Server): Server {
    server.on('connection', (ws) =>
      ws.on('error', (err) => this.wsLogger.debug({ reason: err.message }, 'client socket error')),
    );
    server.on('error', (err) =>
      this.wsLogger.error({ reason: err.message }, 'WebSocket server error'),
    );
    return server;
  }
}
