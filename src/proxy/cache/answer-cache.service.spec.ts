import 'reflect-metadata';
import { register } from 'prom-client';
import { replicaConfig, type Replica, startReplica } from '../../../test/redis-fixtures';
import { stopAll } from '../../../test/support/processes';
import { ensureRedisInstalled, RedisServer } from '../../../test/support/redis';
import { waitFor } from '../../../test/support/wait';
import { ConfigUpdateEvent } from '../../config';
import { AnswerCache } from './answer-cache.service';
import { type CachePlan, cachePolicy } from './cache-policy';

// The answer cache: memory bounded by bytes (LRU), reloads, and the Redis tier that
// replicas share, against a real redis-server (up, killed, frozen).

const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}`;
const blockPlan = (i: number): CachePlan =>
  cachePolicy('eth_getBlockByHash', [hash(i), false], 0) as CachePlan;
const block = (i: number, pad = 0) =>
  JSON.stringify({ number: `0x${i.toString(16)}`, hash: hash(i), extraData: 'x'.repeat(pad) });

async function requests(method: string, result: string): Promise<number> {
  const metric = await register.getSingleMetric('vixy_cache_requests_total')?.get();
  return (
    metric?.values.find((v) => v.labels.method === method && v.labels.result === result)?.value ?? 0
  );
}

async function cacheFallbacks(): Promise<number> {
  const metric = await register.getSingleMetric('vixy_redis_fallbacks_total')?.get();
  return metric?.values.find((v) => v.labels.what === 'cache')?.value ?? 0;
}

interface CacheReplica extends Replica {
  readonly cache: AnswerCache;
}

describe('AnswerCache', () => {
  let server: RedisServer;
  let replicas: CacheReplica[] = [];

  beforeAll(async () => {
    await ensureRedisInstalled();
    server = await RedisServer.start();
  }, 300_000);

  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    replicas = [];
    if (!server.running) await server.restart();
    if (server.process.isFrozen) await server.thaw();
    await server.command(['FLUSHALL']);
  });

  afterAll(() => stopAll());

  /** `url` null: no [redis] table. */
  async function replica(
    cache = 'enabled = true',
    url: string | null = null,
    redis = '',
  ): Promise<CacheReplica> {
    const config = replicaConfig(url ?? undefined, { cache, redis });
    const r = await startReplica(config, { providers: [AnswerCache] });
    const member = { ...r, cache: r.module.get(AnswerCache) };
    replicas.push(member);
    if (url !== null)
      await waitFor('redis up', () => (r.redis.up ? true : undefined), { timeoutMs: 10_000 });
    return member;
  }

  it('is off by default: looks up and keeps nothing', async () => {
    const { cache } = await replica('');
    expect(cache.enabled).toBe(false);
    expect(cache.store(blockPlan(1), block(1), 0)).toBe(false);
    expect(cache.lookup(blockPlan(1))).toBeUndefined();
    expect(cache.size.entries).toBe(0);
  });

  it('answers a kept result from memory, at once, counting hits and misses per method', async () => {
    const { cache } = await replica();
    const plan = blockPlan(1);
    const [hits, misses] = [
      await requests('eth_getBlockByHash', 'hit'),
      await requests('eth_getBlockByHash', 'miss'),
    ];
    expect(cache.lookup(plan)).toBeUndefined();
    expect(cache.store(plan, block(1), 0)).toBe(true);
    expect(cache.lookup(plan)).toBe(block(1));
    expect(cache.lookup(blockPlan(1))).toBe(block(1));
    expect(await requests('eth_getBlockByHash', 'hit')).toBe(hits + 2);
    expect(await requests('eth_getBlockByHash', 'miss')).toBe(misses + 1);
  });

  it('keeps no null, no error and no transaction that is not final', async () => {
    const { cache } = await replica();
    expect(cache.store(blockPlan(2), 'null', 100)).toBe(false);
    const receipt = cachePolicy('eth_getTransactionReceipt', [hash(3)], undefined) as CachePlan;
    const text = JSON.stringify({ transactionHash: hash(3), blockNumber: '0x65', logs: [] });
    expect(cache.store(receipt, text, 100)).toBe(false);
    expect(cache.store(receipt, text, undefined)).toBe(false);
    expect(cache.store(receipt, text, 101)).toBe(true);
    expect(cache.lookup(receipt)).toBe(text);
  });

  it('stays within max_bytes, dropping the least recently used first', async () => {
    const { cache, metrics } = await replica('enabled = true\nmax_bytes = 20000');
    for (let i = 0; i < 10; i++) cache.store(blockPlan(i), block(i, 1000), 0);
    expect(cache.lookup(blockPlan(0))).toBe(block(0, 1000)); // now the most recently used
    for (let i = 10; i < 40; i++) cache.store(blockPlan(i), block(i, 1000), 0);
    expect(cache.size.bytes).toBeLessThanOrEqual(20000);
    expect(cache.size.entries).toBeGreaterThan(10);
    expect(cache.lookup(blockPlan(39))).toBeDefined();
    expect(cache.lookup(blockPlan(1))).toBeUndefined();
    expect((await metrics.cacheBytes.get()).values[0].value).toBe(cache.size.bytes);
  });

  it('keeps no single answer above an eighth of max_bytes', async () => {
    const { cache } = await replica('enabled = true\nmax_bytes = 8000');
    expect(cache.store(blockPlan(1), block(1, 2000), 0)).toBe(false);
    expect(cache.store(blockPlan(2), block(2, 500), 0)).toBe(true);
  });

  it('follows reloads: disabled empties it, a smaller max_bytes keeps the most recent', async () => {
    const r = await replica('enabled = true\nmax_bytes = 100000');
    const { cache } = r;
    for (let i = 0; i < 20; i++) cache.store(blockPlan(i), block(i, 500), 0);
    const config = replicaConfig(undefined, { cache: 'enabled = true\nmax_bytes = 100000' });
    const smaller = replicaConfig(undefined, { cache: 'enabled = true\nmax_bytes = 10000' });
    cache.onConfigUpdate(new ConfigUpdateEvent(config, smaller, []));
    expect(cache.size.bytes).toBeLessThanOrEqual(10000);
    expect(cache.lookup(blockPlan(19))).toBeDefined();
    expect(cache.lookup(blockPlan(0))).toBeUndefined();
    const off = replicaConfig(undefined, { cache: 'enabled = false\nmax_bytes = 10000' });
    cache.onConfigUpdate(new ConfigUpdateEvent(smaller, off, []));
    expect(cache.enabled).toBe(false);
    expect(cache.size.entries).toBe(0);
  });

  it('shares answers between replicas through Redis, with the configured ttl', async () => {
    const a = await replica('enabled = true\nredis_ttl_s = 600', server.url);
    const b = await replica(
      'enabled = true\nredis_ttl_s = 600',
      server.url,
      'command_timeout_ms = 1000',
    );
    const plan = blockPlan(7);
    expect(a.cache.store(plan, block(7), 0)).toBe(true);
    const key = `vixy:cache:${plan.key}`;
    await waitFor(
      'the answer in Redis',
      async () => ((await server.command(['EXISTS', key])) === '1' ? true : undefined),
      {
        timeoutMs: 5000,
      },
    );
    const ttl = Number(await server.command(['PTTL', key]));
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);

    const shared = b.cache.lookup(plan);
    expect(shared).toBeInstanceOf(Promise);
    expect(await shared).toBe(block(7));
    // Now in B's memory too: answered synchronously.
    expect(b.cache.lookup(plan)).toBe(block(7));
    expect(await b.cache.lookup(blockPlan(8))).toBeUndefined();
  });

  it('misses at once while Redis is down, and counts the fallback', async () => {
    const r = await replica('enabled = true', server.url);
    await server.kill();
    await waitFor('redis down', () => (r.redis.up ? undefined : true), { timeoutMs: 10_000 });
    const before = await cacheFallbacks();
    expect(r.cache.lookup(blockPlan(1))).toBeUndefined();
    expect(r.cache.store(blockPlan(1), block(1), 0)).toBe(true);
    expect(r.cache.lookup(blockPlan(1))).toBe(block(1));
    await waitFor(
      'two fallbacks',
      async () => ((await cacheFallbacks()) >= before + 2 ? true : undefined),
      {
        timeoutMs: 5000,
      },
    );
  });

  it('gives up on a hung Redis after command_timeout_ms: a miss, never an error', async () => {
    const r = await replica('enabled = true', server.url, 'command_timeout_ms = 20');
    await server.freeze();
    const before = await cacheFallbacks();
    await expect(r.cache.lookup(blockPlan(9))).resolves.toBeUndefined();
    expect(await cacheFallbacks()).toBe(before + 1);
  });
});
