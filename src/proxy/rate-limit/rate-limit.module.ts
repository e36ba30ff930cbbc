import { Module } from '@nestjs/common';
import { RATE_LIMIT_CLOCK, systemClock } from './rate-limit.constants';
import { RateLimiter } from './rate-limiter.service';

/** Per-node request budgets (token buckets and 429 back-offs). */
@Module({
  providers: [RateLimiter, { provide: RATE_LIMIT_CLOCK, useValue: systemClock }],
  exports: [RateLimiter, RATE_LIMIT_CLOCK],
})
export class RateLimitModule {}
