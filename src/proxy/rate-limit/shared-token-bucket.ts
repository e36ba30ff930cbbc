import { type RedisService } from '../../redis/redis.service';
import { type Clock } from './rate-limit.constants';
import { LEASE_SCRIPT, parseLease } from './shared-budget.script';
import { TokenBucket } from './token-bucket';

/** What a node's budget needs of a bucket (TokenBucket and SharedTokenBucket both have it). */
export interface RateBucket {
  /** Milliseconds until a token is available: 0 when one is available now. */
  waitMs(now: number): number;
  /** Takes up to `n` tokens (a batch of n calls); returns how many it took (0..n). */
  take(now: number, n: number): number;
  /** Puts back `n` tokens taken but not used. */
  refund(now: number, n: number): void;
  /** Tokens available now. */
  available(now: number): number;
}

export interface SharedBucketOptions {
  /** Tokens leased at a time; default max(1, perSecond / 20): 50 ms of the fleet's rate. */
  readonly leaseSize?: number;
  /** Unused leased tokens go back to the fleet after this long. */
  readonly leaseTtlMs?: number;
}

export const DEFAULT_LEASE_TTL_MS = 500;
/** After a failed lease, Redis is tried again for this bucket no sooner than this. */
const RETRY_AFTER_FAILURE_MS = 1000;
/** waitMs while a lease is on its way and nothing is left (the answer takes a round trip). */
const LEASE_PENDING_MS = 1;

/**
 * A node's request budget shared by every replica: the fleet's token bucket lives in
 * Redis (LEASE_SCRIPT, one key per node) and each replica leases small blocks of
 * tokens from it in the background, so that the hot path (`take`,
 * `waitMs`, `available`: synchronous, no I/O) never waits for Redis. A lease is
 * fetched ahead when the held tokens run low; a replica may also spend one lease on
 * credit while the next is on its way (paid back from it), so the fleet sends at most
 * its budget plus one lease per replica. Leased tokens unused after `leaseTtlMs` go
 * back to the fleet.
 *
 * The replica's own bucket (same limits) is charged too, and alone decides whenever
 * Redis is down, slow or failing: a fallback counted as
 * `vixy_redis_fallbacks_total{what="budget"}` (each fleet -> own switch). Then each
 * replica allows the full limit by itself (N replicas: up to N times it) until a lease
 * succeeds again. Time (`now`) is the caller's monotonic clock, the one given here.
 */
export class SharedTokenBucket implements RateBucket {
  private own: TokenBucket;
  private capacity: number;
  private perSecond: number;
  private leaseSize: number;
  private readonly leaseTtlMs: number;
  private readonly fixedLease: number | undefined;
  /** Leased tokens held; negative: spent on credit, to be paid from the next lease. */
  private lease = 0;
  private leaseExpiresAt = 0;
  /** Expired lease tokens to give back with the next call to Redis. */
  private unused = 0;
  /** Tokens asked for and refused since the last lease (sizes the next one). */
  private refused = 0;
  private pending = false;
  private retryAt = 0;
  private fleet = false;
  private closed = false;
  private returnTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisService,
    /** The Redis key, e.g. `redis.key('budget', 'el', name)`. */
    readonly key: string,
    limits: { readonly capacity: number; readonly perSecond: number },
    private readonly clock: Clock,
    options: SharedBucketOptions = {},
  ) {
    this.fixedLease = options.leaseSize;
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.capacity = limits.capacity;
    this.perSecond = limits.perSecond;
    this.own = new TokenBucket(limits.capacity, limits.perSecond, clock.now());
    this.leaseSize = leaseSizeOf(limits.capacity, limits.perSecond, this.fixedLease);
    // With Redis up, the fleet's budget applies from the first request (on credit).
    this.fleet = redis.up;
  }

  /** True while the fleet's budget (Redis) applies; false: this replica's own alone. */
  get shared(): boolean {
    return this.fleet;
  }

  available(now: number): number {
    this.expire(now);
    const own = this.own.available(now);
    const value = this.fleet ? Math.min(own, Math.max(0, this.lease + this.leaseSize)) : own;
    this.refill(now);
    return value;
  }

  waitMs(now: number): number {
    this.expire(now);
    const own = this.own.waitMs(now);
    let wait = own;
    if (this.fleet && this.lease + this.leaseSize < 1) {
      wait = Math.max(own, this.retryAt > now ? Math.ceil(this.retryAt - now) : LEASE_PENDING_MS);
    }
    this.refill(now);
    return wait;
  }

  /** Takes up to `n` tokens (a batch of n calls); returns how many it took (0..n). */
  take(now: number, n: number): number {
    this.expire(now);
    let limit = Math.floor(this.own.available(now));
    if (this.fleet) limit = Math.min(limit, Math.floor(this.lease + this.leaseSize));
    const granted = Math.max(0, Math.min(n, limit));
    if (granted > 0) this.own.take(now, granted);
    if (this.fleet) this.lease -= granted;
    if (granted < n) this.refused += n - granted;
    this.refill(now);
    return granted;
  }

  refund(now: number, n: number): void {
    if (n <= 0) return;
    this.own.refund(now, n);
    if (this.fleet) this.lease += n;
  }

  /** New limits from a config reload: a new full own bucket; the fleet's follows at the next lease. */
  setLimits(capacity: number, perSecond: number): void {
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.own = new TokenBucket(capacity, perSecond, this.clock.now());
    this.leaseSize = leaseSizeOf(capacity, perSecond, this.fixedLease);
  }

  /** Gives unused leased tokens back and stops (the node was removed, or shutdown). */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.returnTimer);
    this.expire(Infinity);
    this.closed = true;
    const unused = this.unused;
    this.unused = 0;
    if (unused > 0 && this.fleet) await this.call(0, unused);
  }

  /** Leased tokens held past their time are no longer spent: they go back to the fleet. */
  private expire(now: number): void {
    if (this.lease > 0 && now >= this.leaseExpiresAt) {
      this.unused += this.lease;
      this.lease = 0;
    }
  }

  /** Starts a lease in the background when this replica runs low. Never waits. */
  private refill(now: number): void {
    if (this.pending || this.closed) return;
    if (!this.redis.up) {
      this.toOwn();
      return;
    }
    if (now < this.retryAt) return;
    if (this.fleet && this.lease > this.leaseSize / 2) return;
    const debt = Math.max(0, -this.lease);
    // Refused demand asks for one more lease, no more: a busy replica does not take
    // everything the fleet has saved up in one call.
    const want = Math.min(
      this.capacity,
      debt + this.leaseSize + Math.min(this.refused, this.leaseSize),
    );
    this.refused = 0;
    const unused = this.unused;
    this.unused = 0;
    void this.call(Math.max(want, debt), unused);
  }

  private async call(want: number, unused: number): Promise<void> {
    this.pending = true;
    const reply = await this.redis.run((c) =>
      LEASE_SCRIPT.run(c, [this.key], [this.capacity, this.perSecond, want, unused]),
    );
    this.pending = false;
    const lease = parseLease(reply);
    const now = this.clock.now();
    if (this.closed) return;
    if (lease === undefined) {
      this.toOwn();
      this.retryAt = now + RETRY_AFTER_FAILURE_MS;
      return;
    }
    if (!this.fleet) {
      // Back on the fleet's budget: whatever was held before the outage is void.
      this.fleet = true;
      this.lease = 0;
    }
    this.lease += lease.granted;
    this.retryAt = lease.granted < want ? now + Math.max(lease.waitMs, LEASE_PENDING_MS) : 0;
    if (lease.granted > 0) {
      this.leaseExpiresAt = now + this.leaseTtlMs;
      this.scheduleReturn();
    }
  }

  /** An idle replica gives its unused lease back instead of holding it until the next request. */
  private scheduleReturn(): void {
    clearTimeout(this.returnTimer);
    this.returnTimer = setTimeout(() => {
      this.expire(this.clock.now());
      if (this.unused > 0 && !this.pending && this.fleet && this.redis.up) {
        const unused = this.unused;
        this.unused = 0;
        void this.call(0, unused);
      }
    }, this.leaseTtlMs + 1);
    this.returnTimer.unref();
  }

  private toOwn(): void {
    if (!this.fleet) return;
    this.fleet = false;
    this.lease = 0;
    this.unused = 0;
    this.redis.fallback('budget');
  }
}

function leaseSizeOf(capacity: number, perSecond: number, fixed: number | undefined): number {
  const size = fixed ?? Math.ceil(perSecond / 20);
  return Math.max(1, Math.min(capacity, size));
}

/**
 * The bucket of a node with `max_qps` (capacity `max_consecutive_requests`, default
 * max_qps): shared by the fleet when Redis is configured, this replica's own otherwise.
 */
export function createNodeBucket(
  redis: RedisService,
  layer: 'el' | 'cl',
  name: string,
  limits: { readonly capacity: number; readonly perSecond: number },
  clock: Clock,
): RateBucket & { close?(): Promise<void> } {
  if (!redis.enabled) return new TokenBucket(limits.capacity, limits.perSecond, clock.now());
  return new SharedTokenBucket(redis, redis.key('budget', layer, name), limits, clock);
}
