import { Module } from '@nestjs/common';

/** GET /el/ws: WebSocket JSON-RPC sessions. */
@Module({})
export class WsProxyModule {}
