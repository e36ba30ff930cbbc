import { Module } from '@nestjs/common';
import { type Config, VIXY_CONFIG } from '../../config';
import { HealthModule } from '../../health/health.module';
import { RoutingModule } from '../routing/routing.module';
import { systemClock } from './clock';
import { ElWsGateway } from './el-ws.gateway';
import { createUpstreamFactory } from './upstream-factory';
import { WS_CLOCK, WS_UPSTREAM_FACTORY } from './ws.constants';
import { WsSessionsService } from './ws-sessions.service';

/** GET /el/ws: WebSocket JSON-RPC sessions that survive node changes. */
@Module({
  imports: [HealthModule, RoutingModule],
  providers: [
    {
      provide: WS_UPSTREAM_FACTORY,
      useFactory: (config: Config) => createUpstreamFactory(config.global.health_check_timeout_ms),
      inject: [VIXY_CONFIG],
    },
    { provide: WS_CLOCK, useValue: systemClock },
    WsSessionsService,
    ElWsGateway,
  ],
  exports: [WsSessionsService],
})
export class WsProxyModule {}
