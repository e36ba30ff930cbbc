import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { LRUCache } from 'lru-cache';
import { type Counter } from 'prom-client';
import { type Config, CONFIG_UPDATE, ConfigStore, ConfigUpdateEvent } from '../../config';
import { methodLabel } from '../../metrics/rpc-methods';
import { VixyMetrics } from '../../metrics/metrics.service';
import { RedisService } from '../../redis/redis.service';
import { type CachePlan, mayStore } from './cache-policy';

/** Bytes counted per entry beyond its key and result text (the LRU's own bookkeeping). */
const ENTRY_OVERHEAD = 64;
/** No single answer takes more than this share of `max_bytes`. */
const MAX_ENTRY_SHARE = 8;

interface MethodCounters {
  readonly hit: Counter.Internal;
  readonly miss: Counter.Internal;
}

/**
 * Immutable EL answers (see cache-policy.ts): the raw result texts the nodes sent, in
 * memory (an LRU bounded by `[cache] max_bytes`, counting key and text lengths) and,
 * with `[redis] url`, in Redis too (`<prefix>cache:<key>`, `redis_ttl_s`), so that
 * replicas fill it for each other. A Redis lookup waits at most `command_timeout_ms`
 * (then it is a miss) and is skipped while Redis is down; a store there is fire and
 * forget. Follows reloads of [cache]: disabled empties it, a new `max_bytes` keeps
 * the most recently used entries that fit.
 *
 * Hot path: `lookup()` answers synchronously on a memory hit (a Promise only when it
 * asks Redis) and counts `vixy_cache_requests_total{method,result}`.
 */
@Injectable()
export class AnswerCache {
  private lru: LRUCache<string, string>;
  private on: boolean;
  private ttlMs: number;
  private readonly counters = new Map<string, MethodCounters>();

  constructor(
    store: ConfigStore,
    private readonly redis: RedisService,
    private readonly metrics: VixyMetrics,
  ) {
    const { cache } = store.current;
    this.on = cache.enabled;
    this.ttlMs = cache.redis_ttl_s * 1000;
    this.lru = newLru(cache.max_bytes);
    this.showSize();
  }

  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate({ previous, next }: ConfigUpdateEvent): void {
    this.apply(previous, next);
  }

  /** `[cache] enabled`: when false, nothing is looked up or stored. */
  get enabled(): boolean {
    return this.on;
  }

  /** Entries and bytes held in memory. */
  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize };
  }

  /**
   * The cached result text for `plan`: from memory (synchronously), else from Redis
   * (a Promise, never rejected; a Redis hit is kept in memory too). Counts a hit or a
   * miss for the call's method. Disabled: undefined, nothing counted.
   */
  lookup(plan: CachePlan): string | undefined | Promise<string | undefined> {
    if (!this.on) return undefined;
    const local = this.lru.get(plan.key);
    if (local !== undefined || !this.redis.enabled) {
      this.count(plan.method, local !== undefined);
      return local;
    }
    if (!this.redis.up) {
      this.redis.fallback('cache');
      this.count(plan.method, false);
      return undefined;
    }
    return this.lookupShared(plan);
  }

  /**
   * Keeps a node's result text for `plan` when `mayStore` allows it (with the
   * finalized height known now); returns whether it was kept. Never waits.
   */
  store(plan: CachePlan, resultText: string, finalized: number | undefined): boolean {
    if (!this.on || !mayStore(plan, resultText, finalized)) return false;
    if (!this.keep(plan.key, resultText)) return false;
    if (this.redis.enabled) {
      const key = this.redis.key('cache', plan.key);
      void this.redis
        .runHot((c) => c.set(key, resultText, 'PX', this.ttlMs))
        .then((ok) => ok === undefined && this.redis.fallback('cache'));
    }
    return true;
  }

  /** Empties the memory tier (Redis entries expire by themselves). */
  clear(): void {
    this.lru.clear();
    this.showSize();
  }

  private async lookupShared(plan: CachePlan): Promise<string | undefined> {
    const value = await this.redis.runHot((c) => c.get(this.redis.key('cache', plan.key)));
    if (value === undefined) this.redis.fallback('cache');
    const hit = typeof value === 'string';
    if (hit && this.on) this.keep(plan.key, value);
    this.count(plan.method, hit);
    return hit ? value : undefined;
  }

  private keep(key: string, text: string): boolean {
    const kept = this.lru.set(key, text).has(key);
    this.showSize();
    return kept;
  }

  private count(method: string, hit: boolean): void {
    const label = methodLabel(method);
    let counters = this.counters.get(label);
    if (counters === undefined) {
      counters = {
        hit: this.metrics.cacheRequests.labels(label, 'hit'),
        miss: this.metrics.cacheRequests.labels(label, 'miss'),
      };
      this.counters.set(label, counters);
    }
    (hit ? counters.hit : counters.miss).inc();
  }

  private apply(previous: Config, next: Config): void {
    const { cache } = next;
    this.on = cache.enabled;
    this.ttlMs = cache.redis_ttl_s * 1000;
    if (!cache.enabled) {
      this.clear();
    } else if (cache.max_bytes !== previous.cache.max_bytes) {
      const old = this.lru;
      this.lru = newLru(cache.max_bytes);
      // Oldest first, so that the most recently used are the ones that stay.
      for (const [key, value] of [...old.entries()].reverse()) this.lru.set(key, value);
      this.showSize();
    }
  }

  private showSize(): void {
    this.metrics.cacheBytes.set(this.lru.calculatedSize);
  }
}

function newLru(maxBytes: number): LRUCache<string, string> {
  return new LRUCache<string, string>({
    maxSize: maxBytes,
    maxEntrySize: Math.max(1, Math.floor(maxBytes / MAX_ENTRY_SHARE)),
    sizeCalculation: (value, key) => key.length + value.length + ENTRY_OVERHEAD,
  });
}
