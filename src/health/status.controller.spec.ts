import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { MockAgent } from 'undici';
import { type Config, ConfigModule } from '../config';
import { MetricsModule } from '../metrics/metrics.module';
import { healthConfig } from '../../test/health-fixtures';
import { CHECK_DISPATCHER_FACTORY, type CheckDispatcherFactory } from './health.constants';
import { HealthModule } from './health.module';
import { HealthMonitor } from './health-monitor.service';
import { ReadinessState } from './readiness-state.service';

// GET /status, GET /health and GET /health/ready through the whole HealthModule, its
// real checkers talking to nodes mocked with undici's MockAgent (the dispatcher seam).

const P1 = 'http://127.0.0.1:18545';
const P2 = 'http://alice:secret@127.0.0.1:18546';
const B1 = 'https://provider.example';
const B1_URL = `${B1}/v2/0123456789abcdef0123456789abcdef?apikey=TOPSECRET`;
const CL1 = 'http://127.0.0.1:15052';

/** What each mocked node answers; tests change it and run a cycle. */
const heights: Record<string, number | 'down'> = {};
let clSlot: number | 'down' = 100;

function mockNodes(agent: MockAgent): void {
  for (const origin of [P1, 'http://127.0.0.1:18546', B1]) {
    agent
      .get(origin)
      .intercept({ path: () => true, method: 'POST' })
      .reply(() => {
        const height = heights[origin];
        return height === 'down'
          ? { statusCode: 503, data: '' }
          : {
              statusCode: 200,
              data: { jsonrpc: '2.0', id: 1, result: `0x${height.toString(16)}` },
            };
      })
      .persist();
  }
  const beacon = agent.get(CL1);
  beacon
    .intercept({ path: (p) => p.startsWith('/eth/v1/node/health'), method: 'GET' })
    .reply(() => ({ statusCode: clSlot === 'down' ? 503 : 200, data: '' }))
    .persist();
  beacon
    .intercept({ path: (p) => p.startsWith('/eth/v1/node/syncing'), method: 'GET' })
    .reply(200, { data: { is_syncing: false, is_optimistic: false, sync_distance: '0' } })
    .persist();
  beacon
    .intercept({ path: (p) => p.startsWith('/eth/v1/beacon/headers/head'), method: 'GET' })
    .reply(() => ({
      statusCode: 200,
      data: { data: { header: { message: { slot: String(clSlot === 'down' ? 0 : clSlot) } } } },
    }))
    .persist();
}

function config(): Config {
  return healthConfig(
    { primary: [P1, `${P2}/`], backup: [B1_URL], cl: [CL1] },
    { health_check_interval_ms: 60_000, health_check_max_failures: 1 },
  );
}

describe('HealthModule over HTTP', () => {
  let app: NestFastifyApplication;
  let agent: MockAgent;

  const cycle = (): Promise<void> => app.get(HealthMonitor).checkAll();
  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
  };

  beforeEach(async () => {
    Object.assign(heights, { [P1]: 100, 'http://127.0.0.1:18546': 100, [B1]: 100 });
    clSlot = 100;
    agent = new MockAgent();
    agent.disableNetConnect();
    mockNodes(agent);
    const cfg = config();
    const factory: CheckDispatcherFactory = (origin) => agent.get(origin);
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(cfg), MetricsModule.forRoot(cfg), HealthModule],
    })
      .overrideProvider(CHECK_DISPATCHER_FACTORY)
      .useValue(factory)
      .compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    await cycle();
  });

  afterEach(async () => {
    // Closing the app destroys the checkers' pools, which here are the agent's MockPools.
    await app.close();
    register.clear();
  });

  describe('GET /status', () => {
    it('has the contract shape, in snake_case', async () => {
      const { status, body } = await get('/status');
      expect(status).toBe(200);
      expect(body).toMatchObject({
        el_chain_head: 100,
        cl_chain_head: 100,
        el_failover_active: false,
      });
      const elNodes = body.el_nodes as Record<string, unknown>[];
      const clNodes = body.cl_nodes as Record<string, unknown>[];
      expect(elNodes[0]).toMatchObject({
        name: 'el-p1',
        http_url: P1,
        is_primary: true,
        block_number: 100,
        lag: 0,
        check_ok: true,
        is_healthy: true,
      });
      expect(clNodes[0]).toMatchObject({
        name: 'cl-1',
        url: CL1,
        slot: 100,
        lag: 0,
        health_ok: true,
        is_healthy: true,
      });
    });

    it('adds the bookkeeping of each node and the healthy counts', async () => {
      const { body } = await get('/status');
      const [p1] = body.el_nodes as Record<string, unknown>[];
      expect(p1).toEqual({
        name: 'el-p1',
        http_url: P1,
        is_primary: true,
        block_number: 100,
        lag: 0,
        check_ok: true,
        is_healthy: true,
        tier: 'primary',
        ws_url: 'ws://127.0.0.1:18545',
        consecutive_failures: 0,
        last_check_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        latency_ms: expect.any(Number),
        last_error: null,
        drained: false,
        available: true,
      });
      expect(body).toMatchObject({ el_healthy_nodes: 3, cl_healthy_nodes: 1 });
    });

    it('never shows credentials', async () => {
      const { body } = await get('/status');
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/TOPSECRET|alice|secret|0123456789abcdef/);
      const [, p2, b1] = body.el_nodes as { http_url: string; ws_url: string }[];
      expect(p2.http_url).toBe('http://***@127.0.0.1:18546/');
      expect(b1).toMatchObject({
        http_url: 'https://provider.example/v2/***?apikey=***',
        ws_url: 'wss://provider.example/v2/***?apikey=***',
      });
    });

    it('tells the truth when nodes fail and lag, and when failover starts', async () => {
      heights[P1] = 'down';
      heights['http://127.0.0.1:18546'] = 90;
      heights[B1] = 101;
      await cycle();
      const { body } = await get('/status');
      expect(body).toMatchObject({
        el_chain_head: 101,
        el_failover_active: true,
        el_healthy_nodes: 1,
      });
      const [p1, p2] = body.el_nodes as Record<string, unknown>[];
      expect(p1).toMatchObject({
        check_ok: false,
        is_healthy: false,
        consecutive_failures: 1,
        block_number: 100,
        last_error: 'HTTP 503 (1 consecutive failure)',
        available: false,
      });
      expect(p2).toMatchObject({
        block_number: 90,
        lag: 11,
        is_healthy: false,
        // Judged when it reported, against the head of that moment.
        last_error: expect.stringMatching(/^lag 1[01] > 5$/),
      });
    });
  });

  describe('GET /health', () => {
    it('is up while the process serves HTTP, whatever the nodes', async () => {
      clSlot = 'down';
      await cycle();
      const { status, body } = await get('/health');
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'ok' });
    });
  });

  describe('GET /health/ready', () => {
    it('is up with an available EL node and an available CL node', async () => {
      const { status, body } = await get('/health/ready');
      expect(status).toBe(200);
      expect(body).toMatchObject({
        status: 'ok',
        info: {
          el: { status: 'up', available: 3, total: 3 },
          cl: { status: 'up', available: 1, total: 1 },
          serving: { status: 'up' },
        },
      });
    });

    it('is 503 with Terminus JSON when no CL node is available', async () => {
      clSlot = 'down';
      await cycle();
      const { status, body } = await get('/health/ready');
      expect(status).toBe(503);
      expect(body).toMatchObject({
        status: 'error',
        info: { el: { status: 'up' } },
        error: { cl: { status: 'down', available: 0, message: 'no available CL node' } },
      });
    });

    it('is 503 when no EL node is available, and up again when one recovers', async () => {
      for (const origin of Object.keys(heights)) heights[origin] = 'down';
      await cycle();
      expect((await get('/health/ready')).status).toBe(503);
      heights[B1] = 100;
      await cycle();
      // Back in rotation after health_check_min_successes (2) good checks in a row.
      expect((await get('/health/ready')).status).toBe(503);
      await cycle();
      expect((await get('/health/ready')).status).toBe(200);
    });

    it('is 503 while draining for shutdown, with the reason', async () => {
      app.get(ReadinessState).startDraining();
      const { status, body } = await get('/health/ready');
      expect(status).toBe(503);
      expect(body).toMatchObject({
        error: { serving: { status: 'down', message: 'shutting down' } },
      });
    });
  });

  it('describes /status with its DTOs in the OpenAPI document', () => {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    const schemas = document.components?.schemas ?? {};
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(['StatusDto', 'ElNodeStatusDto', 'ClNodeStatusDto']),
    );
    const status = schemas.StatusDto as { properties: Record<string, unknown> };
    expect(Object.keys(status.properties)).toEqual(
      expect.arrayContaining(['el_chain_head', 'cl_chain_head', 'el_failover_active', 'el_nodes']),
    );
    expect(document.paths['/status']).toBeDefined();
    expect(document.paths['/health/ready']).toBeDefined();
  });
});
