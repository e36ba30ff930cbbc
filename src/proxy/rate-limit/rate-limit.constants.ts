import { Inject } from '@nestjs/common';

/** A monotonic clock in milliseconds (rate limits and back-offs measure time with it). */
export interface Clock {
  now(): number;
}

/** `performance.now()`: monotonic, unaffected by wall-clock changes. */
export const systemClock: Clock = { now: () => performance.now() };

/** Token of the `Clock` the rate limiter uses; tests provide a fake one. */
export const RATE_LIMIT_CLOCK = Symbol('RATE_LIMIT_CLOCK');

export const InjectRateLimitClock = (): ParameterDecorator => Inject(RATE_LIMIT_CLOCK);
