import 'reflect-metadata';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { createApp } from '../src/bootstrap';
import { type Config } from '../src/config';
import { replicaConfig } from './redis-fixtures';
import { freePort } from './support/ports';
import { stopAll } from './support/processes';
import { ensureRedisInstalled, RedisServer } from './support/redis';
import { waitFor } from './support/wait';

// The whole service with [redis]: it joins Redis, takes the health lease as the only
// replica, shows it in /metrics, gives everything back on shutdown; and it starts and
// answers the same when Redis cannot be reached.

async function boot(config: Config): Promise<NestFastifyApplication> {
  const app = await createApp(config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

async function metrics(app: NestFastifyApplication): Promise<string> {
  return (await app.inject({ method: 'GET', url: '/metrics' })).body;
}

describe('Vixy with [redis]', () => {
  let server: RedisServer;
  let app: NestFastifyApplication | undefined;

  beforeAll(async () => {
    await ensureRedisInstalled();
    server = await RedisServer.start();
  }, 300_000);

  afterEach(async () => {
    await app?.close();
    app = undefined;
    register.clear();
  });

  afterAll(() => stopAll());

  it('shares through Redis, leads the checks alone, and gives the lease back on shutdown', async () => {
    app = await boot(
      replicaConfig(server.url, { redis: 'key_prefix = "app:"', metrics: 'enabled = true' }),
    );
    await waitFor(
      'vixy_redis_up 1 and the health lease',
      async () => {
        const text = await metrics(app as NestFastifyApplication);
        return /^vixy_redis_up 1$/m.test(text) &&
          /^vixy_health_role\{role="leader"\} 1$/m.test(text)
          ? true
          : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(await server.command(['EXISTS', 'app:health:leader'])).toBe('1');
    expect(await metrics(app)).toMatch(/^vixy_redis_fallbacks_total\{what="budget"\} 0$/m);
    await app.close();
    app = undefined;
    expect(await server.command(['EXISTS', 'app:health:leader'])).toBe('0');
    expect(await server.command(['CLIENT', 'LIST'])).not.toMatch(/name=vixy-/);
  });

  it('starts, lives and checks alone when Redis cannot be reached', async () => {
    const url = `redis://:never-shown@127.0.0.1:${await freePort()}`;
    app = await boot(replicaConfig(url, { metrics: 'enabled = true' }));
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const text = await metrics(app);
    expect(text).toMatch(/^vixy_redis_up 0$/m);
    expect(text).toMatch(/^vixy_health_role\{role="alone"\} 1$/m);
    expect(text).not.toMatch(/never-shown/);
    const status = await app.inject({ method: 'GET', url: '/status' });
    expect(status.statusCode).toBe(200);
  });
});
