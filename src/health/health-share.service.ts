import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { ConfigStore } from '../config';
import { HEALTH_ROLES } from '../metrics/metrics.labels';
import { VixyMetrics } from '../metrics/metrics.service';
import { RedisLease } from '../redis/redis-lease';
import { RedisService } from '../redis/redis.service';
import {
  decodeCheck,
  encodeCheck,
  fieldOf,
  type HealthRole,
  type ReceivedCheck,
  type SharedCheck,
} from './health-share.codec';
import { type Layer } from './node-state';

export type { HealthRole, ReceivedCheck, SharedCheck } from './health-share.codec';

export interface HealthShareTiming {
  /** Lease time to live: a dead leader is replaced after at most this plus `renewMs`. */
  readonly leaseTtlMs: number;
  /** How often the lease is claimed (followers) or renewed (the leader). */
  readonly renewMs: number;
  /** A follower checks a node itself after this many check intervals (plus the check timeout) without a result. */
  readonly staleIntervals: number;
}

export const DEFAULT_HEALTH_SHARE_TIMING: HealthShareTiming = {
  leaseTtlMs: 3000,
  renewMs: 1000,
  staleIntervals: 3,
};

/** Token of the timing (tests make it fast). */
export const HEALTH_SHARE_TIMING = Symbol('HEALTH_SHARE_TIMING');

/** How long the last-results hash outlives its last write. */
const LAST_RESULTS_TTL_MS = 60_000;

export type RoleListener = (role: HealthRole, previous: HealthRole) => void;
export type ResultListener = (check: ReceivedCheck) => void;

/**
 * Who checks the nodes when replicas share Redis (`[redis] url`, `share_health`).
 * One replica at a time holds a lease in Redis (`<prefix>health:leader`, ttl 3 s,
 * renewed every second) and is the `leader`: it checks every node and `publish()`es
 * each result (a hash of last results and a pub/sub channel). The others are
 * `follower`s: they receive the results (`onResult`) and apply them, and check a node
 * themselves (`shouldCheck`) when no result for it came within 3 check intervals plus
 * the check timeout.
 * Without Redis, with `share_health = false`, or while Redis is down, the replica is
 * `alone` and checks everything itself. Passive failures stay each replica's own.
 */
@Injectable()
export class HealthShare implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HealthShare.name);
  /** This replica's id in the lease and in what it publishes. */
  readonly replicaId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Whether results are shared at all (Redis configured and `share_health`). */
  readonly shared: boolean;
  private readonly timing: HealthShareTiming;
  private readonly lease: RedisLease;
  private readonly hashKey: string;
  private readonly channel: string;
  private current: HealthRole = 'alone';
  private readonly roleListeners = new Set<RoleListener>();
  private readonly resultListeners = new Set<ResultListener>();
  /** Monotonic time of the last result received per node (`layer:name`). */
  private readonly received = new Map<string, number>();
  /** Nodes a follower checks itself because their results stopped. */
  private readonly selfChecked = new Set<string>();
  private followerSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private started = false;
  private stopped = false;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly store: ConfigStore,
    private readonly redis: RedisService,
    private readonly metrics: VixyMetrics,
    @Optional() @Inject(HEALTH_SHARE_TIMING) timing?: HealthShareTiming,
  ) {
    this.timing = timing ?? DEFAULT_HEALTH_SHARE_TIMING;
    this.shared = redis.enabled && store.current.redis.share_health;
    this.lease = new RedisLease(
      redis,
      redis.key('health', 'leader'),
      this.replicaId,
      this.timing.leaseTtlMs,
    );
    this.hashKey = redis.key('health', 'last');
    this.channel = redis.key('health', 'results');
    this.showRole();
  }

  get role(): HealthRole {
    return this.current;
  }

  /** Calls `listener` on every role change; returns the unsubscribe function. */
  onRole(listener: RoleListener): () => void {
    this.roleListeners.add(listener);
    return () => void this.roleListeners.delete(listener);
  }

  /** Calls `listener` with each result a follower receives from the leader. */
  onResult(listener: ResultListener): () => void {
    this.resultListeners.add(listener);
    return () => void this.resultListeners.delete(listener);
  }

  /**
   * Whether this replica should check `node` itself now: always as leader or alone;
   * as follower only when no shared result for it came within `staleIntervals` check
   * intervals plus `health_check_timeout_ms` (counted from becoming follower for a node
   * never heard of).
   */
  shouldCheck(layer: Layer, node: string, now: number = performance.now()): boolean {
    if (this.current !== 'follower') return true;
    const field = fieldOf(layer, node);
    const last = this.received.get(field) ?? this.followerSince;
    const stale = now - Math.max(last, this.followerSince) > this.staleMs();
    if (stale && !this.selfChecked.has(field)) {
      this.selfChecked.add(field);
      this.redis.fallback('health');
      this.logger.warn({ layer, node }, 'no shared check results for the node: checking it here');
    }
    return stale;
  }

  /**
   * Shares one check result (the leader only; false otherwise). Fire and forget: a
   * failed write only means followers check the node themselves a little later.
   */
  publish(check: SharedCheck): boolean {
    if (this.current !== 'leader') return false;
    const payload = encodeCheck(check, this.replicaId);
    const field = fieldOf(check.layer, check.node);
    void this.redis.run((c) =>
      c
        .multi()
        .hset(this.hashKey, field, payload)
        .pexpire(this.hashKey, LAST_RESULTS_TTL_MS)
        .publish(this.channel, payload)
        .exec(),
    );
    return true;
  }

  onApplicationBootstrap(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    if (!this.shared) return;
    this.offs.push(this.redis.subscribe(this.channel, (text) => this.receive(text, false)));
    this.offs.push(
      this.redis.onChange((up) => {
        if (!up) this.setRole('alone');
        else void this.tick();
      }),
    );
    void this.tick();
  }

  /** Stops claiming and, as leader, releases the lease so that another takes over at once. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    for (const off of this.offs.splice(0)) off();
    await this.ticking;
    if (this.current === 'leader') await this.lease.release();
  }

  /** Claims or renews the lease, sets the role, schedules the next claim. Never overlaps. */
  private tick(): Promise<void> {
    this.ticking ??= this.claim().finally(() => {
      this.ticking = undefined;
      if (this.stopped) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.tick(), this.timing.renewMs);
      this.timer.unref();
    });
    return this.ticking;
  }

  private async claim(): Promise<void> {
    const held = await this.lease.claim();
    if (this.stopped) return;
    this.setRole(held === undefined ? 'alone' : held ? 'leader' : 'follower');
  }

  private setRole(next: HealthRole): void {
    const previous = this.current;
    if (next === previous || this.stopped) return;
    this.current = next;
    this.showRole();
    if (next === 'follower') {
      this.followerSince = performance.now();
      this.selfChecked.clear();
      void this.loadLast();
    }
    if (next === 'alone') this.redis.fallback('health');
    const line =
      next === 'leader'
        ? 'health checks: this replica checks the nodes and shares the results'
        : next === 'follower'
          ? 'health checks: this replica applies the results another replica shares'
          : 'health checks: this replica checks the nodes alone (Redis unavailable)';
    this.logger.log({ role: next, previous, replica: this.replicaId }, line);
    for (const listener of this.roleListeners) {
      try {
        listener(next, previous);
      } catch (err) {
        this.logger.error(`a health role listener threw: ${String(err)}`);
      }
    }
  }

  /** A new follower starts from the last results still fresh (no wait for the next check). */
  private async loadLast(): Promise<void> {
    const all = await this.redis.run((c) => c.hgetall(this.hashKey));
    if (all === undefined) return;
    for (const text of Object.values(all)) this.receive(text, true);
  }

  private receive(text: string, fromHash: boolean): void {
    if (this.current !== 'follower' || this.stopped) return;
    const check = decodeCheck(text);
    if (check === undefined) {
      this.logger.debug('ignored a malformed shared check result');
      return;
    }
    if (check.from === this.replicaId) return;
    if (fromHash && Date.now() - check.at > this.staleMs()) return;
    const field = fieldOf(check.layer, check.node);
    this.received.set(field, performance.now());
    if (this.selfChecked.delete(field)) {
      this.logger.log(
        { layer: check.layer, node: check.node },
        'shared check results are back for the node',
      );
    }
    for (const listener of this.resultListeners) {
      try {
        listener(check);
      } catch (err) {
        this.logger.error(`a shared result listener threw: ${String(err)}`);
      }
    }
  }

  /** A node's results are overdue after a few intervals plus one check's timeout (a hung node's check takes that long). */
  private staleMs(): number {
    const { health_check_interval_ms: interval, health_check_timeout_ms: timeout } =
      this.store.current.global;
    return this.timing.staleIntervals * interval + timeout;
  }

  private showRole(): void {
    for (const role of HEALTH_ROLES)
      this.metrics.healthRole.set({ role }, role === this.current ? 1 : 0);
  }
}
