import 'reflect-metadata';
import { applyChecks } from './health-fixtures';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/bootstrap';
import { parseConfig } from '../src/config';
import { NodeRegistry } from '../src/health/node-registry.service';
import { isAvailable } from '../src/health/node-state';

const TOKEN = 'admin-token-0123456789';

// Node URLs point at closed ports: these specs drive the registry directly.
function config(admin: string) {
  return parseConfig(
    `${admin}
[global]
health_check_interval_ms = 3600000
[[el.primary]]
name = "geth-1"
http_url = "http://127.0.0.1:9/v2/secretkey0123456789"
ws_url = "ws://127.0.0.1:9"
[[el.primary]]
name = "geth-2"
http_url = "http://127.0.0.1:9"
ws_url = "ws://127.0.0.1:9"
[[cl]]
name = "geth-1"
url = "http://127.0.0.1:9"
`,
    'test.toml',
  );
}

async function start(admin: string): Promise<NestFastifyApplication> {
  const app = await createApp(config(admin));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const auth = { authorization: `Bearer ${TOKEN}` };

describe('admin API', () => {
  describe('without a token', () => {
    let app: NestFastifyApplication;
    beforeAll(async () => (app = await start('')));
    afterAll(() => app.close());

    it('answers 404 for the whole prefix', async () => {
      for (const [method, url] of [
        ['GET', '/admin/nodes'],
        ['POST', '/admin/nodes/geth-1/drain'],
        ['POST', '/admin/nodes/geth-1/enable'],
      ] as const) {
        expect((await app.inject({ method, url, headers: auth })).statusCode).toBe(404);
      }
    });
  });

  describe('with a token', () => {
    let app: NestFastifyApplication;
    let registry: NodeRegistry;
    beforeAll(async () => {
      app = await start(`[admin]\ntoken = "${TOKEN}"`);
      registry = app.get(NodeRegistry);
    });
    afterAll(() => app.close());

    it.each([
      ['no header', {}],
      ['a wrong token', { authorization: `Bearer ${TOKEN}x` }],
      ['a shorter token', { authorization: 'Bearer admin' }],
      ['another scheme', { authorization: `Basic ${TOKEN}` }],
    ])('refuses %s with 401', async (_, headers) => {
      const res = await app.inject({ method: 'GET', url: '/admin/nodes', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('lists every node with redacted URLs', async () => {
      const res = await app.inject({ method: 'GET', url: '/admin/nodes', headers: auth });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ el: { name: string; url: string }[]; cl: { name: string }[] }>();
      expect(body.el.map((n) => n.name)).toEqual(['geth-1', 'geth-2']);
      expect(body.cl.map((n) => n.name)).toEqual(['geth-1']);
      expect(res.body).not.toContain('secretkey');
      expect(body.el[0].url).toBe('http://127.0.0.1:9/v2/***');
    });

    it('drains every node of a name until enabled, whatever the health checks say', async () => {
      const ok = (blockNumber: number) => ({ ok: true as const, blockNumber, latencyMs: 1 });
      applyChecks(registry, {
        el: new Map([
          ['geth-1', ok(10)],
          ['geth-2', ok(10)],
        ]),
      });
      expect(isAvailable(registry.getEl('geth-1')!)).toBe(true);

      const res = await app.inject({
        method: 'POST',
        url: '/admin/nodes/geth-1/drain',
        headers: auth,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json<{ nodes: { layer: string; drained: boolean }[] }>().nodes).toEqual([
        expect.objectContaining({ layer: 'el', drained: true }),
        expect.objectContaining({ layer: 'cl', drained: true }),
      ]);

      applyChecks(registry, { el: new Map([['geth-1', ok(11)]]) });
      expect(registry.getEl('geth-1')!.isHealthy).toBe(true);
      expect(isAvailable(registry.getEl('geth-1')!)).toBe(false);

      await app.inject({ method: 'POST', url: '/admin/nodes/geth-1/enable', headers: auth });
      expect(isAvailable(registry.getEl('geth-1')!)).toBe(true);
      expect(registry.getCl('geth-1')!.drained).toBe(false);
    });

    it('answers 404 for an unknown node', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/admin/nodes/nope/drain',
        headers: auth,
      });
      expect(res.statusCode).toBe(404);
    });

    it('documents the admin routes in the OpenAPI document', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/docs-json' })).json<{
        paths: Record<string, unknown>;
      }>();
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/admin/nodes',
          '/admin/nodes/{name}/drain',
          '/admin/nodes/{name}/enable',
        ]),
      );
    });
  });
});
