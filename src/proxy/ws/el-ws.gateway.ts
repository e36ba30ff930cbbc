import { type EventEmitter } from 'node:events';
import { HttpAdapterHost } from '@nestjs/core';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { type WebSocket, type WebSocketServer } from 'ws';
import { OnEvent } from '@nestjs/event-emitter';
import { CONFIG_UPDATE, ConfigStore } from '../../config';
import { EL_WS_PATH } from './ws.constants';
import { giveProtocolClosesAReason } from './protocol-close';
import { acceptTrailingSlash } from './ws-path';
import { WsSessionsService } from './ws-sessions.service';

/**
 * GET /el/ws (and /el/ws/): one session per client. JSON-RPC frames have no
 * `{event, data}` envelope, so the session listens on the raw socket itself.
 */
@WebSocketGateway({ path: EL_WS_PATH })
export class ElWsGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<WebSocket> {
  constructor(
    private readonly sessions: WsSessionsService,
    private readonly adapterHost: HttpAdapterHost,
    private readonly store: ConfigStore,
  ) {}

  private server: WebSocketServer | undefined;

  afterInit(server: WebSocketServer): void {
    this.server = server;
    // ws reads maxPayload at each upgrade: larger client frames are closed with 1009.
    server.options.maxPayload = this.store.current.websocket.max_message_bytes;
    const http = this.adapterHost.httpAdapter?.getHttpServer() as EventEmitter | undefined;
    if (http) acceptTrailingSlash(http, EL_WS_PATH);
  }

  /** `[websocket] max_message_bytes` applies to the next session after a reload. */
  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate(): void {
    if (this.server)
      this.server.options.maxPayload = this.store.current.websocket.max_message_bytes;
  }

  handleConnection(client: WebSocket): void {
    giveProtocolClosesAReason(client, this.store.current.websocket.max_message_bytes);
    this.sessions.accept(client);
  }
}
