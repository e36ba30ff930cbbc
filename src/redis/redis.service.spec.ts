import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { register } from 'prom-client';
import { replicaConfig, type Replica, startReplica } from '../../test/redis-fixtures';
import { freePort } from '../../test/support/ports';
import { stopAll } from '../../test/support/processes';
import { ensureRedisInstalled, RedisServer } from '../../test/support/redis';
import { waitFor } from '../../test/support/wait';
import { reconnectDelay } from './redis.constants';

// RedisService against a real redis-server: connection, up/down transitions (killed,
// frozen, restarted), commands that never reject, pub/sub across a restart.

async function gauge(name: string): Promise<number | undefined> {
  const metric = await register.getSingleMetric(name)?.get();
  return metric?.values[0]?.value;
}

const until = (what: string, probe: () => boolean, timeoutMs = 10_000) =>
  waitFor(what, () => (probe() ? true : undefined), { timeoutMs, intervalMs: 20 });

describe('RedisService', () => {
  let server: RedisServer;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    await ensureRedisInstalled();
    server = await RedisServer.start();
  }, 300_000);

  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.close()));
    jest.restoreAllMocks();
    if (!server.running) await server.restart();
    if (server.process.isFrozen) await server.thaw();
  });

  afterAll(() => stopAll());

  async function replica(url = server.url, redis = ''): Promise<Replica> {
    const r = await startReplica(replicaConfig(url, { redis }));
    replicas.push(r);
    return r;
  }

  it('is disabled without a [redis] url: every command resolves undefined at once', async () => {
    const r = await startReplica(replicaConfig(undefined));
    replicas.push(r);
    expect(r.redis.enabled).toBe(false);
    expect(r.redis.up).toBe(false);
    await expect(r.redis.run((c) => c.ping())).resolves.toBeUndefined();
    await expect(r.redis.runHot((c) => c.ping())).resolves.toBeUndefined();
    const off = r.redis.subscribe('x', () => undefined);
    off();
    expect(await gauge('vixy_redis_up')).toBe(0);
  });

  it('connects, runs commands under the key prefix and reports up', async () => {
    const r = await replica(server.url, 'key_prefix = "fleet-a:"');
    await until('redis up', () => r.redis.up);
    expect(r.redis.enabled).toBe(true);
    expect(r.redis.key('budget', 'el', 'geth-1')).toBe('fleet-a:budget:el:geth-1');
    expect(await r.redis.run((c) => c.set(r.redis.key('k'), 'v'))).toBe('OK');
    expect(await server.command(['GET', 'fleet-a:k'])).toBe('v');
    expect(await r.redis.runHot((c) => c.get(r.redis.key('k')))).toBe('v');
    expect(await gauge('vixy_redis_up')).toBe(1);
  });

  it('a command that fails in Redis resolves undefined instead of rejecting', async () => {
    const r = await replica();
    await until('redis up', () => r.redis.up);
    await r.redis.run((c) => c.set(r.redis.key('str'), 'x'));
    await expect(r.redis.run((c) => c.hget(r.redis.key('str'), 'f'))).resolves.toBeUndefined();
    await expect(r.redis.runHot((c) => c.hget(r.redis.key('str'), 'f'))).resolves.toBeUndefined();
  });

  it('goes down when Redis is killed, logs it once, and comes back after a restart', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const log = jest.spyOn(Logger.prototype, 'log');
    const debug = jest.spyOn(Logger.prototype, 'debug');
    const r = await replica();
    const changes: boolean[] = [];
    r.redis.onChange((up) => changes.push(up));
    await until('redis up', () => r.redis.up);

    await server.kill();
    await until('redis down', () => !r.redis.up);
    expect(await gauge('vixy_redis_up')).toBe(0);
    await expect(r.redis.run((c) => c.ping())).resolves.toBeUndefined();
    await expect(r.redis.runHot((c) => c.ping())).resolves.toBeUndefined();
    // Several reconnection attempts fail meanwhile: still one line.
    await until(
      'three failed reconnection attempts',
      () => debug.mock.calls.filter((c) => /background connection/.test(String(c[0]))).length >= 3,
    );

    await server.restart();
    await until('redis up again', () => r.redis.up);
    expect(changes).toEqual([true, false, true]);
    const downLines = warn.mock.calls.filter((c) => String(c[1]).startsWith('Redis down'));
    expect(downLines).toHaveLength(1);
    expect(log.mock.calls.filter((c) => String(c[1]).startsWith('Redis up'))).toHaveLength(2);
  });

  it('counts a frozen (hung) Redis as down and recovers when it answers again', async () => {
    const r = await replica();
    await until('redis up', () => r.redis.up);
    await server.freeze();
    // Hot commands give up after command_timeout_ms; nothing waits for the hung server.
    await expect(r.redis.runHot((c) => c.ping())).resolves.toBeUndefined();
    await until('redis down (heartbeats time out)', () => !r.redis.up);
    await server.thaw();
    await until('redis up again', () => r.redis.up);
    expect(await r.redis.run((c) => c.ping())).toBe('PONG');
  });

  it('starts while Redis is unreachable and joins when it appears', async () => {
    const port = await freePort();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const r = await replica(`redis://:secret-pw@127.0.0.1:${port}`);
    await until('the first failed connection', () => warn.mock.calls.length > 0);
    expect(r.redis.up).toBe(false);
    expect(String(warn.mock.calls[0][1])).toMatch(/not reachable/);
    expect(JSON.stringify(warn.mock.calls)).not.toMatch(/secret-pw/);
    expect(r.redis.shownUrl).toBe(`redis://***@127.0.0.1:${port}`);
    const late = await RedisServer.start({ port, password: 'secret-pw' });
    try {
      await until('redis up', () => r.redis.up);
    } finally {
      await r.close();
      await late.stop();
    }
  });

  it('delivers published messages, also after Redis restarted', async () => {
    const a = await replica();
    const b = await replica();
    await until('both up', () => a.redis.up && b.redis.up);
    const got: string[] = [];
    const off = b.redis.subscribe(b.redis.key('chan'), (m) => got.push(m));
    await waitFor(
      'the subscription to take effect',
      async () =>
        (await a.redis.run((c) => c.publish(a.redis.key('chan'), 'one'))) === 1 ? true : undefined,
      { timeoutMs: 5000, intervalMs: 20 },
    );
    await until('first message', () => got.includes('one'));

    await server.restart();
    await until('both up again', () => a.redis.up && b.redis.up);
    await waitFor(
      'the subscription to come back',
      async () =>
        (await a.redis.run((c) => c.publish(a.redis.key('chan'), 'two'))) === 1 ? true : undefined,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    await until('second message', () => got.includes('two'));
    off();
    expect(await a.redis.run((c) => c.publish(a.redis.key('chan'), 'three'))).toBe(0);
  });

  it('closes its connections on shutdown', async () => {
    const r = await replica();
    await until('redis up', () => r.redis.up);
    r.redis.subscribe('c', () => undefined);
    await r.close();
    expect(r.redis.up).toBe(false);
    await expect(r.redis.run((c) => c.ping())).resolves.toBeUndefined();
    const clients = await server.command(['CLIENT', 'LIST']);
    expect(clients).not.toMatch(/name=vixy-/);
  });

  it('backs off reconnections from 50 ms to at most 2 s, with jitter', () => {
    expect(reconnectDelay(1, () => 0.5)).toBe(50);
    expect(reconnectDelay(3, () => 0.5)).toBe(200);
    expect(reconnectDelay(30, () => 0.5)).toBe(2000);
    expect(reconnectDelay(30, () => 1)).toBe(2400);
    expect(reconnectDelay(30, () => 0)).toBe(1600);
  });
});
