import { Module } from '@nestjs/common';
import { HealthModule } from '../../health/health.module';
import { RATE_LIMIT_CLOCK, systemClock } from '../rate-limit/rate-limit.constants';
import { UPSTREAM_POOL_FACTORY, undiciPoolFactory } from './upstream.constants';
import { UpstreamRegistry } from './upstream-registry.service';

/** The upstream object of every node (its pool, budget, latency, metric children). */
@Module({
  imports: [HealthModule],
  providers: [
    UpstreamRegistry,
    { provide: UPSTREAM_POOL_FACTORY, useValue: undiciPoolFactory },
    { provide: RATE_LIMIT_CLOCK, useValue: systemClock },
  ],
  exports: [UpstreamRegistry, RATE_LIMIT_CLOCK],
})
export class UpstreamModule {}
