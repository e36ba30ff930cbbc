import { Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { type Server } from 'ws';

/**
 * The `ws` adapter for JSON-RPC sessions: the gateway reads each client's frames
 * itself, so the adapter parses none of them; and a client's socket errors (an
 * oversized frame, invalid UTF-8) are the client's doing, answered with a close
 * code by the session, logged at debug rather than as errors of the service.
 */
export class JsonRpcWsAdapter extends WsAdapter {
  private readonly wsLogger = new Logger('WebSocket');

  constructor(app: ConstructorParameters<typeof WsAdapter>[0]) {
    super(app, { messageParser: () => undefined });
  }

  override bindErrorHandler(server: Server): Server {
    server.on('connection', (ws) =>
      ws.on('error', (err) => this.wsLogger.debug(`client socket error: ${err.message}`)),
    );
    server.on('error', (err) => this.wsLogger.error(`WebSocket server error: ${err.message}`));
    return server;
  }
}
