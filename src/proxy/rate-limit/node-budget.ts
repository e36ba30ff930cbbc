import { type RateBucket } from './shared-token-bucket';
import { TokenBucket } from './token-bucket';

/** Longest back-off a node's 429 `Retry-After` can impose (a bad value cannot bench a node for hours). */
export const MAX_BACKOFF_MS = 60_000;

/** The limits of a node, as its config table gives them. */
export interface NodeLimits {
  readonly max_qps?: number;
  readonly max_consecutive_requests?: number;
}

/** A bucket of `capacity` tokens refilled `perSecond`, with what it needs to be closed. */
export type BucketFactory = (
  capacity: number,
  perSecond: number,
  now: number,
) => RateBucket & { close?(): Promise<void> };

/** This process's own bucket (without Redis). */
export const localBucket: BucketFactory = (capacity, perSecond, now) =>
  new TokenBucket(capacity, perSecond, now);

/**
 * The call budget of one node: its optional token bucket (`max_qps` calls a second,
 * bursts of `max_consecutive_requests`, default `max_qps`) and the back-off a 429 from
 * the node asked for. Every JSON-RPC call, over HTTP or WebSocket, takes one token. The
 * bucket is this process's own, or with `[redis]` the fleet's (SharedTokenBucket).
 */
export class NodeBudget {
  private blockedUntil = 0;
  private bucket: (RateBucket & { close?(): Promise<void> }) | undefined;
  private limitsKey: string;

  constructor(
    limits: NodeLimits,
    now: number,
    private readonly makeBucket: BucketFactory = localBucket,
  ) {
    this.limitsKey = keyOf(limits);
    this.bucket = this.bucketOf(limits, now);
  }

  /** Milliseconds until the node may take a call: 0 when it may now. */
  waitMs(now: number): number {
    const backoff = this.blockedUntil > now ? this.blockedUntil - now : 0;
    if (this.bucket === undefined) return backoff;
    return Math.max(backoff, this.bucket.waitMs(now));
  }

  /** Takes the budget of up to `calls` calls; returns how many it may take now (0..calls). */
  take(now: number, calls: number): number {
    if (this.blockedUntil > now) return 0;
    return this.bucket === undefined ? calls : this.bucket.take(now, calls);
  }

  /** Gives back calls taken but not sent (a node that could not take a whole request). */
  refund(now: number, calls: number): void {
    if (calls > 0) this.bucket?.refund(now, calls);
  }

  /** The node answered 429: no call before `now + ms` (capped at MAX_BACKOFF_MS). */
  backOff(now: number, ms: number): void {
    this.blockedUntil = Math.max(
      this.blockedUntil,
      now + Math.min(Math.max(ms, 0), MAX_BACKOFF_MS),
    );
  }

  /** New limits from a config reload: a new, full bucket when they changed; the back-off stays. */
  setLimits(limits: NodeLimits, now: number): void {
    const key = keyOf(limits);
    if (key === this.limitsKey) return;
    this.limitsKey = key;
    void this.bucket?.close?.();
    this.bucket = this.bucketOf(limits, now);
  }

  /** The node is gone: a shared bucket gives its unused lease back. */
  async close(): Promise<void> {
    await this.bucket?.close?.();
  }

  private bucketOf(limits: NodeLimits, now: number) {
    if (limits.max_qps === undefined) return undefined;
    return this.makeBucket(limits.max_consecutive_requests ?? limits.max_qps, limits.max_qps, now);
  }

  get limited(): boolean {
    return this.bucket !== undefined;
  }
}

function keyOf(limits: NodeLimits): string {
  return `${limits.max_qps ?? '-'}/${limits.max_consecutive_requests ?? '-'}`;
}
