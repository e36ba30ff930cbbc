import 'reflect-metadata';
import { register } from 'prom-client';
import { replicaConfig, type Replica, startReplica } from '../../test/redis-fixtures';
import { stopAll } from '../../test/support/processes';
import { ensureRedisInstalled, RedisServer } from '../../test/support/redis';
import { waitFor } from '../../test/support/wait';
import { type HealthRole, type ReceivedCheck } from './health-share.codec';
import { HEALTH_SHARE_TIMING, HealthShare, type HealthShareTiming } from './health-share.service';

// Three "replicas" (each its own Nest context and Redis connections) on one real
// redis-server: one leader at a time, results carried to the followers, takeover when
// the leader dies, everyone alone while Redis is down.

const TIMING: HealthShareTiming = { leaseTtlMs: 1500, renewMs: 300, staleIntervals: 3 };
const INTERVAL_MS = 200;
const TIMEOUT_MS = 300;

interface Member extends Replica {
  readonly share: HealthShare;
  readonly results: ReceivedCheck[];
}

const until = (what: string, probe: () => boolean, timeoutMs = 10_000) =>
  waitFor(what, () => (probe() ? true : undefined), { timeoutMs, intervalMs: 20 });

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await register.getSingleMetric(name)?.get();
  const entry = metric?.values.find((v) =>
    Object.entries(labels).every(([k, value]) => v.labels[k] === value),
  );
  return entry?.value ?? 0;
}

describe('HealthShare', () => {
  let server: RedisServer;
  let members: Member[] = [];

  beforeAll(async () => {
    await ensureRedisInstalled();
    server = await RedisServer.start();
  }, 300_000);

  afterEach(async () => {
    await Promise.all(members.map((m) => m.close()));
    members = [];
    if (!server.running) await server.restart();
    await server.command(['FLUSHALL']);
  });

  afterAll(() => stopAll());

  /** `url` null: no [redis] table. */
  async function member(url: string | null = server.url, redis = ''): Promise<Member> {
    const config = replicaConfig(url ?? undefined, {
      redis,
      global: `health_check_interval_ms = ${INTERVAL_MS}\nhealth_check_timeout_ms = ${TIMEOUT_MS}`,
    });
    const replica = await startReplica(config, {
      providers: [HealthShare, { provide: HEALTH_SHARE_TIMING, useValue: TIMING }],
    });
    const share = replica.module.get(HealthShare);
    const results: ReceivedCheck[] = [];
    share.onResult((r) => results.push(r));
    const m = { ...replica, share, results };
    members.push(m);
    return m;
  }

  const roles = (ms: readonly Member[] = members): HealthRole[] =>
    ms.map((m) => m.share.role).sort();
  const leaderOf = (ms: readonly Member[]): Member | undefined =>
    ms.find((m) => m.share.role === 'leader');

  async function settledFleet(n: number): Promise<Member[]> {
    const fleet = await Promise.all(Array.from({ length: n }, () => member()));
    await until('one leader and the others followers', () => {
      const r = roles(fleet);
      return (
        r.filter((x) => x === 'leader').length === 1 &&
        r.filter((x) => x === 'follower').length === n - 1
      );
    });
    return fleet;
  }

  it('is alone without Redis: checks everything and publishes nothing', async () => {
    const m = await member(null);
    expect(m.share.shared).toBe(false);
    expect(m.share.role).toBe('alone');
    expect(m.share.shouldCheck('el', 'geth-1')).toBe(true);
    const published = m.share.publish({
      layer: 'el',
      node: 'geth-1',
      at: Date.now(),
      result: { ok: true, blockNumber: 1, latencyMs: 1 },
    });
    expect(published).toBe(false);
    expect(await counter('vixy_health_role', { role: 'alone' })).toBe(1);
  });

  it('is alone with share_health = false, even with Redis up', async () => {
    const m = await member(server.url, 'share_health = false');
    await until('redis up', () => m.redis.up);
    expect(m.share.shared).toBe(false);
    expect(m.share.role).toBe('alone');
    expect(await server.command(['EXISTS', 'vixy:health:leader'])).toBe('0');
  });

  it('elects exactly one leader among three replicas and names it in Redis', async () => {
    const fleet = await settledFleet(3);
    const leader = leaderOf(fleet);
    expect(await server.command(['GET', 'vixy:health:leader'])).toBe(leader?.share.replicaId);
    expect(new Set(fleet.map((m) => m.share.replicaId)).size).toBe(3);
  });

  it('carries every result the leader publishes to each follower, and only there', async () => {
    const fleet = await settledFleet(3);
    const leader = leaderOf(fleet) as Member;
    const followers = fleet.filter((m) => m !== leader);
    const el = { ok: true as const, blockNumber: 1234, latencyMs: 3 };
    const cl = { healthOk: false, slot: 99, reason: 'syncing', latencyMs: 7 };
    expect(leader.share.publish({ layer: 'el', node: 'geth-1', at: 1000, result: el })).toBe(true);
    expect(leader.share.publish({ layer: 'cl', node: 'cl-1', at: 1001, result: cl })).toBe(true);
    for (const f of followers) {
      await until('both results at a follower', () => f.results.length >= 2);
      expect(f.results).toEqual([
        { from: leader.share.replicaId, layer: 'el', node: 'geth-1', at: 1000, result: el },
        { from: leader.share.replicaId, layer: 'cl', node: 'cl-1', at: 1001, result: cl },
      ]);
      expect(f.share.publish({ layer: 'el', node: 'geth-1', at: 1, result: el })).toBe(false);
    }
    expect(leader.results).toEqual([]);
  });

  it('a follower checks a node itself when its results stop, and stops when they come back', async () => {
    const fleet = await settledFleet(2);
    const leader = leaderOf(fleet) as Member;
    const follower = fleet.find((m) => m !== leader) as Member;
    const before = await counter('vixy_redis_fallbacks_total', { what: 'health' });
    const publish = () =>
      leader.share.publish({
        layer: 'el',
        node: 'geth-1',
        at: Date.now(),
        result: { ok: true, blockNumber: 5, latencyMs: 1 },
      });
    publish();
    await until('the result', () => follower.results.length === 1);
    const received = performance.now();
    expect(follower.share.shouldCheck('el', 'geth-1', received)).toBe(false);
    // Never heard of: a grace of 3 intervals and a timeout from becoming follower, then its own checks.
    expect(follower.share.shouldCheck('el', 'geth-1', received + 3 * INTERVAL_MS)).toBe(false);
    const stale = received + 3 * INTERVAL_MS + TIMEOUT_MS + 1;
    expect(follower.share.shouldCheck('el', 'geth-1', stale)).toBe(true);
    expect(follower.share.shouldCheck('cl', 'cl-1', stale)).toBe(true);
    expect(follower.share.shouldCheck('el', 'geth-1', stale)).toBe(true);
    expect(await counter('vixy_redis_fallbacks_total', { what: 'health' })).toBe(before + 2);

    publish();
    await until('the next result', () => follower.results.length === 2);
    expect(follower.share.shouldCheck('el', 'geth-1')).toBe(false);
    expect(leader.share.shouldCheck('el', 'geth-1', stale + 1e6)).toBe(true);
  });

  it('a new follower starts from the last results kept in Redis', async () => {
    const first = await member();
    await until('the first replica leads', () => first.share.role === 'leader');
    first.share.publish({
      layer: 'el',
      node: 'geth-1',
      at: Date.now(),
      result: { ok: false, reason: 'connection refused', latencyMs: 2 },
    });
    await waitFor(
      'the result in the hash',
      async () => ((await server.command(['HLEN', 'vixy:health:last'])) === '1' ? true : undefined),
      { timeoutMs: 5000 },
    );
    const late = await member();
    await until('the late replica follows', () => late.share.role === 'follower');
    await until('the kept result', () => late.results.length === 1);
    expect(late.results[0]).toMatchObject({
      node: 'geth-1',
      result: { ok: false, reason: 'connection refused' },
    });
  });

  it('another replica takes over within the lease ttl when the leader loses Redis', async () => {
    const fleet = await settledFleet(3);
    const leader = leaderOf(fleet) as Member;
    const others = fleet.filter((m) => m !== leader);
    // The leader's connections die (a crash, a partition): it renews nothing any more.
    await leader.redis.onApplicationShutdown();
    await until('the old leader to be alone', () => leader.share.role === 'alone');
    await until(
      'a new leader',
      () => leaderOf(others) !== undefined,
      TIMING.leaseTtlMs + TIMING.renewMs + 5000,
    );
    expect(roles(others)).toEqual(['follower', 'leader']);
    const next = leaderOf(others) as Member;
    expect(await server.command(['GET', 'vixy:health:leader'])).toBe(next.share.replicaId);
  });

  it('a clean shutdown releases the lease at once', async () => {
    const fleet = await settledFleet(2);
    const leader = leaderOf(fleet) as Member;
    const other = fleet.find((m) => m !== leader) as Member;
    await leader.close();
    expect(await server.command(['GET', 'vixy:health:leader'])).not.toBe(leader.share.replicaId);
    await until('the other leads', () => other.share.role === 'leader', TIMING.renewMs + 5000);
  });

  it('everyone is alone while Redis is down, and one leads again when it is back', async () => {
    const fleet = await settledFleet(3);
    const before = await counter('vixy_redis_fallbacks_total', { what: 'health' });
    await server.kill();
    await until('all alone', () => fleet.every((m) => m.share.role === 'alone'));
    expect(fleet.every((m) => m.share.shouldCheck('el', 'geth-1'))).toBe(true);
    expect(await counter('vixy_redis_fallbacks_total', { what: 'health' })).toBe(before + 3);
    await server.restart();
    await until('one leader again', () => roles(fleet).join() === 'follower,follower,leader');
  });
});
