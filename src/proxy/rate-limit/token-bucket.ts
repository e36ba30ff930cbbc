/**
 * A token bucket: holds up to `capacity` tokens (the burst), refilled at `perSecond`
 * tokens a second (the sustained rate). One JSON-RPC call takes one token (a batch of N
 * calls, N). Time comes from the caller (milliseconds of a monotonic clock), so tests
 * drive it directly.
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

  /** Takes up to `n` whole tokens available now; returns how many were taken (0..n). */
  take(now: number, n: number): number {
    this.refill(now);
    const granted = Math.min(n, Math.floor(this.tokens));
    if (granted > 0) this.tokens -= granted;
    return granted;
  }

  /** Puts back `n` tokens taken but not used (never above the capacity). */
  refund(now: number, n: number): void {
    this.refill(now);
    this.tokens = Math.min(this.capacity, this.tokens + n);
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
