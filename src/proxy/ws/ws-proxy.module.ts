import { Module } from '@nestjs/common';
import { ConfigStore } from '../../config';
import { HealthModule } from '../../health/health.module';
import { FailoverModule } from '../failover/failover.module';
import { systemClock } from '../../common/clock';
import { ElWsGateway } from './el-ws.gateway';
import { createUpstreamFactory } from './upstream-factory';
import { WS_CLOCK, WS_UPSTREAM_FACTORY } from './ws.constants';
import { WsSessionsService } from './ws-sessions.service';

/** GET /el/ws: WebSocket JSON-RPC sessions that survive node changes. */
@Module({
  imports: [HealthModule, FailoverModule],
  providers: [
    {
      provide: WS_UPSTREAM_FACTORY,
      useFactory: (store: ConfigStore) =>
        createUpstreamFactory(() => ({
          handshakeTimeoutMs: store.current.global.health_check_timeout_ms,
          maxPayload: store.current.proxy.max_response_bytes,
        })),
      inject: [ConfigStore],
    },
    { provide: WS_CLOCK, useValue: systemClock },
    WsSessionsService,
    ElWsGateway,
  ],
  exports: [WsSessionsService],
})
export class WsProxyModule {}
