import { Module } from '@nestjs/common';
import { HealthModule } from '../../health/health.module';
import { RATE_LIMIT_CLOCK, systemClock } from '../rate-limit/rate-limit.constants';
import { ConfigStore } from '../../config';
import { createSocketFactory } from './socket-factory';
import {
  UPSTREAM_POOL_FACTORY,
  UPSTREAM_SOCKET_FACTORY,
  undiciPoolFactory,
} from './upstream.constants';
import { UpstreamRegistry } from './upstream-registry.service';

/** The upstream object of every node (its pool, WebSocket connections, budget, latency, metric children). */
@Module({
  imports: [HealthModule],
  providers: [
    UpstreamRegistry,
    { provide: UPSTREAM_POOL_FACTORY, useValue: undiciPoolFactory },
    {
      provide: UPSTREAM_SOCKET_FACTORY,
      useFactory: (store: ConfigStore) =>
        createSocketFactory(() => ({
          handshakeTimeoutMs: store.current.global.health_check_timeout_ms,
          maxPayload: store.current.proxy.max_response_bytes,
        })),
      inject: [ConfigStore],
    },
    { provide: RATE_LIMIT_CLOCK, useValue: systemClock },
  ],
  exports: [UpstreamRegistry, RATE_LIMIT_CLOCK],
})
export class UpstreamModule {}
