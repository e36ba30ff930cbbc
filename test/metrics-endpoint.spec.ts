// Where /metrics is served: [metrics].enabled and [metrics].port, on the real AppModule.
import { createServer, type Server } from 'node:net';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { VixyMetrics } from '../src/metrics/metrics.service';
import { METRICS_ERROR } from '../src/metrics/metrics.errors';
import { type TestNodes, bootApp, closedNodesConfig, scrapeMain } from './metrics-app';
import { freePort } from './support/ports';
import { parseExposition, sampleValue } from './metrics-exposition';

async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

describe('GET /metrics', () => {
  let app: NestFastifyApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    register.clear();
  });

  it('is served on the main listener by default', async () => {
    app = await bootApp(await closedNodesConfig());
    const { status, body } = await scrapeMain(app);
    expect(status).toBe(200);
    expect(parseExposition(body).types.get('vixy_el_chain_head')).toBe('gauge');
  });

  it('answers 404 when [metrics].enabled = false, while recording still works', async () => {
    app = await bootApp(await closedNodesConfig({ metrics: 'enabled = false' }));
    expect((await scrapeMain(app)).status).toBe(404);
    const metrics = app.get(VixyMetrics);
    expect(() => metrics.retries.labels('el').inc()).not.toThrow();
  });

  it('answers 404 when [metrics].enabled = false even with a port, and opens no listener', async () => {
    const port = await freePort();
    app = await bootApp(await closedNodesConfig({ metrics: `enabled = false\nport = ${port}` }));
    expect((await scrapeMain(app)).status).toBe(404);
    await expect(get(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  describe('with [metrics].port', () => {
    let port: number;

    beforeEach(async () => {
      port = await freePort();
      app = await bootApp(await closedNodesConfig({ metrics: `port = ${port}` }));
    });

    it('serves the metrics there, in the Prometheus text format', async () => {
      const res = await get(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
      const exposition = parseExposition(res.body);
      expect(sampleValue(exposition, 'vixy_el_node_healthy', { node: 'el-a' })).toBe(0);
      expect(exposition.types.get('process_resident_memory_bytes')).toBe('gauge');
    });

    it('shows what the service records', async () => {
      app?.get(VixyMetrics).retries.labels('cl').inc(3);
      const res = await get(`http://127.0.0.1:${port}/metrics?x=1`);
      expect(sampleValue(parseExposition(res.body), 'vixy_retries_total', { layer: 'cl' })).toBe(3);
    });

    it('answers 404 for /metrics on the main listener', async () => {
      expect((await scrapeMain(app as NestFastifyApplication)).status).toBe(404);
    });

    it.each([
      ['GET', '/'],
      ['GET', '/status'],
      ['GET', '/metricsx'],
      ['POST', '/metrics'],
    ])('answers 404 to %s %s on the metrics port', async (method, path) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      expect(res.status).toBe(404);
    });

    it('releases the port when the application closes', async () => {
      // a kept-alive scraper connection must not hold the close up
      await get(`http://127.0.0.1:${port}/metrics`);
      await app?.close();
      app = undefined;
      await expect(get(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
      await expect(listenOn(port)).resolves.toBeUndefined();
    });
  });

  describe('a [metrics].port that cannot be used', () => {
    let blocker: Server | undefined;

    afterEach(async () => {
      await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
      blocker = undefined;
    });

    it('stops the start-up with a stable code when the port is taken', async () => {
      const port = await freePort();
      blocker = createServer();
      await new Promise<void>((resolve) => blocker?.listen(port, '127.0.0.1', () => resolve()));
      await expect(
        bootApp(await closedNodesConfig({ metrics: `port = ${port}` })),
      ).rejects.toMatchObject({
        code: METRICS_ERROR.listenFailed,
        message: expect.stringContaining(`127.0.0.1:${port} (EADDRINUSE)`) as unknown,
      });
    });

    it('is refused by the config when it is the port of [server].listen', async () => {
      const mainPort = await freePort();
      await expect(
        closedNodesConfig({ metrics: `port = ${mainPort}`, listenPort: mainPort }),
      ).rejects.toThrow('metrics.port: must differ from the port of [server].listen');
    });
  });
});

describe('metrics across applications in one process', () => {
  afterEach(() => register.clear());

  it('start from zero after register.clear(), without series of the previous application', async () => {
    const first = await bootApp(await closedNodesConfig({ nodes: oneNodeEach('old') }));
    first.get(VixyMetrics).retries.labels('el').inc(5);
    await first.close();
    register.clear();

    const second = await bootApp(await closedNodesConfig({ nodes: oneNodeEach('new') }));
    try {
      const exposition = parseExposition((await scrapeMain(second)).body);
      expect(sampleValue(exposition, 'vixy_retries_total', { layer: 'el' })).toBe(0);
      expect(exposition.samples.some((s) => s.labels.node === 'old-el')).toBe(false);
      expect(sampleValue(exposition, 'vixy_el_node_healthy', { node: 'new-el' })).toBe(0);
      expect(exposition.types.get('process_cpu_user_seconds_total')).toBe('counter');
    } finally {
      await second.close();
    }
  });

  it('share the registry without a clear: no "already registered" error, one family per name', async () => {
    const first = await bootApp(await closedNodesConfig());
    const second = await bootApp(await closedNodesConfig());
    try {
      first.get(VixyMetrics).rateLimited.labels('el').inc();
      expect(second.get(VixyMetrics).rateLimited).toBe(first.get(VixyMetrics).rateLimited);
      const text = (await scrapeMain(second)).body;
      expect(text.match(/^# TYPE process_cpu_user_seconds_total /gm)).toHaveLength(1);
      expect(text.match(/^# TYPE vixy_rate_limited_total /gm)).toHaveLength(1);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

function oneNodeEach(prefix: string): TestNodes {
  return { elPrimary: [`${prefix}-el`], elBackup: [], cl: [`${prefix}-cl`] };
}

async function listenOn(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
