import { TokenBucket } from './token-bucket';

/** Longest back-off a node's 429 `Retry-After` can impose (a bad value cannot bench a node for hours). */
export const MAX_BACKOFF_MS = 60_000;

/**
 * The request budget of one node: its optional token bucket (`max_qps`,
 * `max_consecutive_requests`) and the back-off a 429 from the node asked for.
 */
export class NodeBudget {
  private blockedUntil = 0;

  constructor(private bucket: TokenBucket | undefined) {}

  /** Milliseconds until the node may take a request: 0 when it may now. */
  waitMs(now: number): number {
    const backoff = this.blockedUntil > now ? this.blockedUntil - now : 0;
    if (this.bucket === undefined) return backoff;
    return Math.max(backoff, this.bucket.waitMs(now));
  }

  /** Takes one request's worth of budget; false when the node is out of budget. */
  take(now: number): boolean {
    if (this.blockedUntil > now) return false;
    return this.bucket === undefined || this.bucket.tryTake(now);
  }

  /** The node answered 429: no request before `now + ms` (capped at MAX_BACKOFF_MS). */
  backOff(now: number, ms: number): void {
    this.blockedUntil = Math.max(
      this.blockedUntil,
      now + Math.min(Math.max(ms, 0), MAX_BACKOFF_MS),
    );
  }

  /** New limits from a config reload (a new, full bucket); the back-off stays. */
  setBucket(bucket: TokenBucket | undefined): void {
    this.bucket = bucket;
  }

  get limited(): boolean {
    return this.bucket !== undefined;
  }
}
