/**
 * A token bucket: holds up to `capacity` tokens (the burst), refilled at `perSecond`
 * tokens a second (the sustained rate). One request takes one token. Time comes from
 * the caller (milliseconds of a monotonic clock), so tests drive it directly.
 */
export class TokenBucket {
  private tokens: number;
  private readonly perMs: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private last: number,
  ) {
    if (!(capacity >= 1) || !(perSecond > 0)) {
      throw new RangeError('a token bucket needs capacity >= 1 and perSecond > 0');
    }
    this.tokens = capacity;
    this.perMs = perSecond / 1000;
  }

  /** Milliseconds until a token is available: 0 when one is available now. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  /** Takes a token if one is available now. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Tokens available now (fractional). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed <= 0) return;
    this.last = now;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.perMs);
  }
}
