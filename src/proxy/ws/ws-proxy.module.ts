import { Module } from '@nestjs/common';
import { HealthModule } from '../../health/health.module';
import { systemClock } from '../../common/clock';
import { HttpProxyModule } from '../http/http-proxy.module';
import { ChainModule } from './chain.module';
import { ElWsGateway } from './el-ws.gateway';
import { WS_CLOCK } from './ws.constants';
import { WsSessionsService } from './ws-sessions.service';

/** GET /el/ws: WebSocket JSON-RPC sessions that survive node changes. */
@Module({
  imports: [HealthModule, HttpProxyModule, ChainModule],
  providers: [{ provide: WS_CLOCK, useValue: systemClock }, WsSessionsService, ElWsGateway],
  exports: [WsSessionsService],
})
export class WsProxyModule {}
