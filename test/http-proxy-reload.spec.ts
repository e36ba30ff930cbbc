import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ConfigStore, loadConfigFile } from '../src/config';
import {
  type BootedApp,
  type ConfigSpec,
  MockNode,
  baseUrl,
  boot,
  closedPort,
  configTextFor,
  rpc,
} from './http-proxy.support';

// A config reload (SIGHUP, POST /admin/reload) reaches the HTTP proxy at the next
// request: nodes added, removed or moved, limits, [proxy] and [global] values.

const JSON_CT = { 'content-type': 'application/json' };

describe('POST /el after a config reload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vixy-http-reload-'));
  const path = join(dir, 'config.toml');
  let nodes: MockNode[];
  let cl: { name: string; url: string };
  let booted: BootedApp;

  beforeAll(async () => {
    nodes = await Promise.all(['p1', 'p2', 'p3'].map((n) => MockNode.start(n)));
    cl = { name: 'cl-1', url: `http://127.0.0.1:${await closedPort()}` };
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => booted.close());

  const node = (name: string, extra = '') => {
    const mock = nodes.find((n) => n.name === name)!;
    return { name, url: mock.url, extra };
  };

  async function write(spec: Omit<ConfigSpec, 'cl'>): Promise<void> {
    writeFileSync(path, await configTextFor({ ...spec, cl: [cl] }));
  }

  async function start(spec: Omit<ConfigSpec, 'cl'>): Promise<void> {
    await write(spec);
    booted = await boot(loadConfigFile(path), { source: { path, overrides: {} }, listen: true });
  }

  async function reload(spec: Omit<ConfigSpec, 'cl'>, healthy: string[]): Promise<void> {
    await write(spec);
    const result = booted.app.get(ConfigStore).reload();
    expect(result).toMatchObject({ ok: true });
    booted.setEl(healthy);
  }

  const post = async (method = 'eth_chainId', id: unknown = 1) => {
    const res = await booted.app.inject({
      method: 'POST',
      url: '/el',
      payload: rpc(method, id),
      headers: JSON_CT,
    });
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
  };
  const metrics = async () => (await booted.app.inject({ method: 'GET', url: '/metrics' })).body;

  it('routes to added nodes, never to removed ones, and drops their request series', async () => {
    await start({ primary: [node('p1')] });
    booted.setEl(['p1']);
    expect((await post()).body.result).toBe('p1');

    await reload({ primary: [node('p2')], backup: [node('p3')] }, ['p2', 'p3']);
    expect((await post()).body.result).toBe('p2');
    const exposition = await metrics();
    expect(exposition).not.toContain('vixy_el_requests_total{node="p1"');
    expect(exposition).toMatch(/vixy_el_requests_total\{node="p2",tier="primary"\} 1/);
    expect(exposition).toMatch(/vixy_el_requests_total\{node="p3",tier="backup"\} 0/);
  });

  it('follows a node moved to the backups and a new primary order', async () => {
    await start({ primary: [node('p1'), node('p2')] });
    booted.setEl(['p1', 'p2']);
    expect((await post()).body.result).toBe('p1');
    await reload({ primary: [node('p2')], backup: [node('p1')] }, ['p1', 'p2']);
    expect((await post()).body.result).toBe('p2');
    expect(await metrics()).toMatch(/vixy_el_requests_total\{node="p2",tier="primary"\} 1/);
  });

  it('applies new rate limits, deny lists, strategies and retries at the next request', async () => {
    await start({ primary: [node('p1'), node('p2')] });
    booted.setEl(['p1', 'p2']);
    expect((await post('admin_peers')).status).toBe(403);

    await reload(
      {
        primary: [node('p1', 'max_qps = 1\nmax_consecutive_requests = 1'), node('p2')],
        proxy: 'deny_methods = ["debug_"]\nel_routing = "first_healthy"',
      },
      ['p1', 'p2'],
    );
    // p1 now takes one request, then its budget is spent until the next second.
    expect([(await post()).body.result, (await post()).body.result]).toEqual(['p1', 'p2']);
    expect((await post('admin_peers')).status).toBe(200);
    expect((await post('debug_traceCall')).status).toBe(403);

    await reload({ primary: [node('p1'), node('p2')], proxy: 'el_routing = "round_robin"' }, [
      'p1',
      'p2',
    ]);
    const served = new Set([(await post()).body.result, (await post()).body.result]);
    expect(served).toEqual(new Set(['p1', 'p2']));
  });

  it('applies a new proxy_timeout_ms and max_retries', async () => {
    await start({ primary: [node('p1'), node('p2')] });
    booted.setEl(['p1', 'p2']);
    nodes[0].respond = () => undefined; // p1 hangs
    await reload(
      { primary: [node('p1'), node('p2')], global: 'proxy_timeout_ms = 200\nmax_retries = 0' },
      ['p1', 'p2'],
    );
    const res = await post('eth_chainId', 'slow');
    expect(res.status).toBe(504);
    expect(res.body.error).toEqual({
      code: -32603,
      message: 'Upstream timeout: no answer within 200 ms',
      data: { reason: 'upstream_timeout' },
    });
    nodes[0].reset();
  });

  /** A /el/ws client: `call` resolves with the answer to its id. */
  async function session(): Promise<{
    call(id: number, method: string, params?: unknown[]): Promise<Record<string, unknown>>;
    close(): void;
  }> {
    const ws = new WebSocket(`${baseUrl(booted.app).replace('http', 'ws')}/el/ws`);
    const waiting = new Map<number, (v: Record<string, unknown>) => void>();
    ws.on('message', (d) => {
      const msg = JSON.parse(String(d)) as Record<string, unknown>;
      if (typeof msg.id === 'number') waiting.get(msg.id)?.(msg);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return {
      call: (id, method, params = []) =>
        new Promise((resolve) => {
          waiting.set(id, resolve);
          ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
        }),
      close: () => ws.terminate(),
    };
  }

  it('applies [websocket] limits to the next session and [proxy] keys to every call on /el/ws', async () => {
    await start({ primary: [node('p1')], extra: '[websocket]\nmax_subscriptions = 1' });
    booted.setEl(['p1']);
    const before = await session();
    try {
      expect((await before.call(1, 'eth_subscribe', ['newHeads'])).result).toMatch(/^0x/);
      expect((await before.call(2, 'eth_subscribe', ['newHeads'])).error).toMatchObject({
        code: -32005,
      });
      await reload(
        {
          primary: [node('p1')],
          extra: '[websocket]\nmax_subscriptions = 3',
          proxy: 'deny_methods = ["debug_"]\nmax_filters = 1',
        },
        ['p1'],
      );
      // the session keeps the limits it started with; the next one has the new ones
      expect((await before.call(3, 'eth_subscribe', ['newHeads'])).error).toMatchObject({
        code: -32005,
      });
      const after = await session();
      try {
        for (const id of [4, 5, 6]) {
          expect((await after.call(id, 'eth_subscribe', ['newHeads'])).result).toMatch(/^0x/);
        }
        expect((await after.call(7, 'eth_subscribe', ['newHeads'])).error).toMatchObject({
          code: -32005,
        });
        // [proxy] follows at once, on the old session too: deny list, max_filters
        expect((await before.call(8, 'debug_traceCall')).error).toMatchObject({ code: -32601 });
        expect((await after.call(9, 'admin_peers')).result).toBe('p1');
        expect((await after.call(10, 'eth_newBlockFilter')).result).toMatch(/^0x/);
        expect((await before.call(11, 'eth_newBlockFilter')).error).toMatchObject({
          code: -32005,
        });
      } finally {
        after.close();
      }
    } finally {
      before.close();
    }
  });
});
