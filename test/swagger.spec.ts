import 'reflect-metadata';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { createApp } from '../src/bootstrap';
import { parseConfig } from '../src/config';
import { VIXY_VERSION } from '../src/version';

// The OpenAPI document at /docs-json: the package's version, a summary on every
// operation, the proxied routes described; `[admin] docs = false` removes it.

const NODES = `[[el.primary]]\nname = "geth-1"\nhttp_url = "http://127.0.0.1:9"\nws_url = "ws://127.0.0.1:9"\n[[cl]]\nname = "cl-1"\nurl = "http://127.0.0.1:9"\n`;

async function boot(admin: string): Promise<NestFastifyApplication> {
  register.clear();
  const config = parseConfig(
    `[global]\nhealth_check_interval_ms = 3600000\n[admin]\n${admin}\n${NODES}`,
    'swagger.toml',
  );
  const app = await createApp(config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

interface Operation {
  summary?: string;
  tags?: string[];
}

describe('Swagger', () => {
  let app: NestFastifyApplication;
  let doc: { info: { version: string }; paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    app = await boot('token = "a-long-admin-token-for-tests"');
    doc = (await app.inject({ method: 'GET', url: '/docs-json' })).json();
  });
  afterAll(async () => {
    await app?.close();
    register.clear();
  });

  it('shows the version of the package', () => {
    expect(doc.info.version).toBe(VIXY_VERSION);
  });

  it('has a summary on every operation', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ route: `${method} ${path}`, op })),
    );
    expect(operations.length).toBeGreaterThan(10);
    const missing = operations.filter(({ op }) => !op.summary).map(({ route }) => route);
    expect(missing).toEqual([]);
  });

  it('describes the proxied routes and the operations API', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/el',
        '/el/ws',
        '/cl/{path}',
        '/status',
        '/health',
        '/health/ready',
        '/metrics',
        '/admin/nodes',
        '/admin/nodes/{name}/drain',
        '/admin/nodes/{name}/enable',
        '/admin/reload',
      ].sort(),
    );
    expect(doc.paths['/el'].post.tags).toEqual(['proxy']);
    expect(doc.paths['/el/ws'].get.summary).toMatch(/WebSocket/);
  });

  it('serves the UI at /docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('[admin] docs = false', () => {
  it('removes /docs and /docs-json', async () => {
    const app = await boot('docs = false');
    try {
      expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/docs-json' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/status' })).statusCode).toBe(200);
    } finally {
      await app.close();
      register.clear();
    }
  });
});
