import 'reflect-metadata';
import { register } from 'prom-client';
import { replicaConfig, type Replica, startReplica } from '../../../test/redis-fixtures';
import { stopAll } from '../../../test/support/processes';
import { ensureRedisInstalled, RedisServer } from '../../../test/support/redis';
import { waitFor } from '../../../test/support/wait';
import { type Clock, systemClock } from './rate-limit.constants';
import { createNodeBucket, SharedTokenBucket } from './shared-token-bucket';
import { TokenBucket } from './token-bucket';

// The fleet's budget of a node in a real redis-server, leased by "replicas" (each its
// own Nest context and connections): the sum stays within the budget plus a lease
// each; without Redis each replica keeps the limit alone.

async function budgetFallbacks(): Promise<number> {
  const metric = await register.getSingleMetric('vixy_redis_fallbacks_total')?.get();
  return metric?.values.find((v) => v.labels.what === 'budget')?.value ?? 0;
}

const until = (what: string, probe: () => boolean, timeoutMs = 10_000) =>
  waitFor(what, () => (probe() ? true : undefined), { timeoutMs, intervalMs: 10 });

describe('SharedTokenBucket', () => {
  let server: RedisServer;
  let replicas: Replica[] = [];
  let buckets: SharedTokenBucket[] = [];

  beforeAll(async () => {
    await ensureRedisInstalled();
    server = await RedisServer.start();
  }, 300_000);

  afterEach(async () => {
    await Promise.all(buckets.map((b) => b.close()));
    buckets = [];
    await Promise.all(replicas.map((r) => r.close()));
    replicas = [];
    if (!server.running) await server.restart();
    if (server.process.isFrozen) await server.thaw();
    await server.command(['FLUSHALL']);
  });

  afterAll(() => stopAll());

  /** `url` null: no [redis] table. */
  async function replica(url: string | null = server.url): Promise<Replica> {
    const r = await startReplica(replicaConfig(url ?? undefined));
    replicas.push(r);
    if (url !== null) await until('redis up', () => r.redis.up);
    return r;
  }

  function bucket(
    r: Replica,
    limits: { capacity: number; perSecond: number },
    options: ConstructorParameters<typeof SharedTokenBucket>[4] = {},
    clock: Clock = systemClock,
  ): SharedTokenBucket {
    const b = new SharedTokenBucket(
      r.redis,
      r.redis.key('budget', 'el', 'geth-1'),
      limits,
      clock,
      options,
    );
    buckets.push(b);
    return b;
  }

  it('without Redis is the replica own bucket', async () => {
    const r = await replica(null);
    let t = 0;
    const b = bucket(r, { capacity: 3, perSecond: 2 }, {}, { now: () => t });
    expect(b.shared).toBe(false);
    expect([1, 2, 3, 4].map(() => b.take(0, 1) === 1)).toEqual([true, true, true, false]);
    expect(b.waitMs(0)).toBe(500);
    t = 500;
    expect(b.take(500, 5)).toBe(1);
    expect(
      createNodeBucket(r.redis, 'el', 'geth-1', { capacity: 1, perSecond: 1 }, systemClock),
    ).toBeInstanceOf(TokenBucket);
  });

  it('three replicas hammering one budget of 50/s take at most the budget plus a lease each', async () => {
    const fleet = await Promise.all([replica(), replica(), replica()]);
    const limits = { capacity: 50, perSecond: 50 };
    const shared = fleet.map((r) => bucket(r, limits));
    const taken = [0, 0, 0];
    const start = performance.now();
    let last = start;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        shared.forEach((b, i) => (taken[i] += b.take(now, 3)));
        last = now;
        if (now - start >= 3000) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    const seconds = (last - start) / 1000;
    const total = taken.reduce((a, b) => a + b, 0);
    const lease = Math.ceil(limits.perSecond / 20);
    const ceiling = limits.capacity + limits.perSecond * seconds + 3 * lease + 3;
    expect(shared.every((b) => b.shared)).toBe(true);
    expect(total).toBeLessThanOrEqual(ceiling);
    // A bucket that never grants would pass the ceiling: most of the budget is used.
    expect(total).toBeGreaterThanOrEqual(limits.capacity + 0.25 * limits.perSecond * seconds);
    expect(taken.every((n) => n > 0)).toBe(true);
  });

  it('takes a batch partly: what the lease and credit allow', async () => {
    const r = await replica();
    const b = bucket(r, { capacity: 5, perSecond: 1 }, { leaseSize: 5 });
    const now = performance.now();
    expect(b.take(now, 10)).toBe(5);
    expect(b.take(now, 3)).toBe(0);
    expect(b.waitMs(now)).toBeGreaterThan(0);
    expect(b.available(now)).toBe(0);
  });

  it('gives an unused lease back to the fleet', async () => {
    const r = await replica();
    const b = bucket(r, { capacity: 100, perSecond: 1 }, { leaseSize: 10, leaseTtlMs: 100 });
    expect(b.take(performance.now(), 1) === 1).toBe(true);
    const tokens = async () =>
      Number(await server.command(['HGET', 'vixy:budget:el:geth-1', 'tokens']));
    await waitFor('the lease to be taken', async () => ((await tokens()) < 95 ? true : undefined), {
      timeoutMs: 5000,
    });
    // 1 spent, 10 leased, then the 10 unused ones returned.
    await waitFor(
      'the unused lease to come back',
      async () => ((await tokens()) >= 98 ? true : undefined),
      {
        timeoutMs: 5000,
      },
    );
  });

  it('falls back to the replica own limits while Redis is down, and shares again after', async () => {
    const r = await replica();
    const b = bucket(r, { capacity: 10, perSecond: 10 });
    expect(b.take(performance.now(), 1) === 1).toBe(true);
    await until('a lease', () => b.available(performance.now()) > 1);
    const before = await budgetFallbacks();

    await server.kill();
    await until('redis down', () => !r.redis.up);
    expect(b.take(performance.now(), 1) === 1).toBe(true);
    expect(b.shared).toBe(false);
    expect(await budgetFallbacks()).toBe(before + 1);
    // Own bucket: never more than its capacity at once.
    let burst = 0;
    const now = performance.now();
    while (b.take(now, 1) === 1) burst++;
    expect(burst).toBeLessThanOrEqual(10);

    await server.restart();
    await until('redis up again', () => r.redis.up);
    await until('shared again', () => {
      b.available(performance.now());
      return b.shared;
    });
  });

  it('falls back when Redis hangs, without the hot path ever waiting', async () => {
    const r = await replica();
    const b = bucket(r, { capacity: 100, perSecond: 100 });
    await until('a lease', () => b.available(performance.now()) > 5);
    await server.freeze();
    // Each call returns at once; the lease that hangs times out in the background.
    await until('own budget', () => {
      b.take(performance.now(), 10);
      return !b.shared;
    });
    expect(b.take(performance.now(), 1) === 1 || b.waitMs(performance.now()) > 0).toBe(true);
  });

  it('keeps fleets with other key prefixes apart', async () => {
    const a = await replica();
    const other = await startReplica(replicaConfig(server.url, { redis: 'key_prefix = "other:"' }));
    replicas.push(other);
    await until('redis up', () => other.redis.up);
    const limits = { capacity: 2, perSecond: 1 };
    const mine = bucket(a, limits, { leaseSize: 2 });
    const theirs = bucket(other, limits, { leaseSize: 2 });
    const now = performance.now();
    expect(mine.take(now, 2)).toBe(2);
    expect(theirs.take(now, 2)).toBe(2);
    await waitFor(
      'both keys',
      async () =>
        (await server.command(['EXISTS', 'vixy:budget:el:geth-1', 'other:budget:el:geth-1'])) ===
        '2'
          ? true
          : undefined,
      { timeoutMs: 5000 },
    );
  });
});
