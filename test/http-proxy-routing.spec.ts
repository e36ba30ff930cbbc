import 'reflect-metadata';
import { UpstreamRegistry } from '../src/proxy/upstream/upstream-registry.service';
import { type BootedApp, FakeClock, MockNode, boot, configFor, rpc } from './http-proxy.support';

// The built-in strategies chosen by [proxy].el_routing, and per-node rate limits,
// through the whole service against mocked nodes.

const JSON_CT = { 'content-type': 'application/json' };

async function servedBy(booted: BootedApp, id: number): Promise<string> {
  const res = await booted.app.inject({
    method: 'POST',
    url: '/el',
    payload: rpc('eth_chainId', id),
    headers: JSON_CT,
  });
  return JSON.parse(res.body).result as string;
}

describe('[proxy].el_routing', () => {
  let nodes: MockNode[];
  beforeAll(async () => {
    nodes = await Promise.all(['p1', 'p2', 'p3', 'b1', 'b2'].map((n) => MockNode.start(n)));
  });
  afterAll(() => Promise.all(nodes.map((n) => n.close())));

  async function start(strategy: string): Promise<BootedApp> {
    const spec = (n: MockNode) => ({ name: n.name, url: n.url });
    const config = await configFor({
      primary: nodes.slice(0, 3).map(spec),
      backup: nodes.slice(3).map(spec),
      proxy: `el_routing = "${strategy}"`,
    });
    return boot(config);
  }

  it('round_robin spreads requests over the available primaries only', async () => {
    const booted = await start('round_robin');
    try {
      booted.setEl(['p1', 'p2', 'p3', 'b1', 'b2']);
      const served = [];
      for (let i = 0; i < 6; i++) served.push(await servedBy(booted, i));
      expect(served).toEqual(['p1', 'p2', 'p3', 'p1', 'p2', 'p3']);
      booted.setEl(['p1', 'p3', 'b1', 'b2']);
      const twoLeft = new Set<string>();
      for (let i = 0; i < 4; i++) twoLeft.add(await servedBy(booted, i));
      expect(twoLeft).toEqual(new Set(['p1', 'p3']));
    } finally {
      await booted.close();
    }
  });

  it('round_robin spreads over the backups while no primary is available', async () => {
    const booted = await start('round_robin');
    try {
      booted.setEl(['b1', 'b2']);
      const served = new Set<string>();
      for (let i = 0; i < 4; i++) served.add(await servedBy(booted, i));
      expect(served).toEqual(new Set(['b1', 'b2']));
    } finally {
      await booted.close();
    }
  });

  it('latency sends requests to the primary with the lowest recent latency', async () => {
    const booted = await start('latency');
    try {
      booted.setEl(['p1', 'p2', 'p3', 'b1', 'b2']);
      const upstreams = booted.app.get(UpstreamRegistry);
      const el = (name: string) => upstreams.el().find((u) => u.name === name)!;
      // Health checks gave every node 1 ms; these samples make p2 the fastest and the
      // backups faster still (they must not be chosen while a primary is available).
      for (const [name, ms] of [
        ['p1', 40],
        ['p2', 5],
        ['p3', 60],
        ['b1', 0.1],
        ['b2', 0.1],
      ] as const) {
        for (let i = 0; i < 20; i++) el(name).recordLatency(ms);
      }
      expect(await servedBy(booted, 1)).toBe('p2');
      booted.registry.setDrained('el', 'p2', true);
      expect(await servedBy(booted, 2)).toBe('p1');
    } finally {
      await booted.close();
    }
  });
});

describe('per-node rate limits', () => {
  let p1: MockNode;
  let p2: MockNode;
  let booted: BootedApp;
  const clock = new FakeClock();

  beforeAll(async () => {
    [p1, p2] = await Promise.all(['p1', 'p2'].map((n) => MockNode.start(n)));
    const config = await configFor({
      primary: [
        { name: 'p1', url: p1.url, extra: 'max_qps = 2\nmax_consecutive_requests = 3' },
        { name: 'p2', url: p2.url, extra: 'max_qps = 1' },
      ],
    });
    booted = await boot(config, { clock });
  });
  afterAll(async () => {
    await booted.close();
    await Promise.all([p1, p2].map((n) => n.close()));
  });

  it('spills to the other primary when one is out of budget, then answers 429 without calling a node', async () => {
    booted.setEl(['p1', 'p2']);
    p1.reset();
    p2.reset();
    const served = [];
    for (let i = 0; i < 4; i++) served.push(await servedBy(booted, i));
    expect(served).toEqual(['p1', 'p1', 'p1', 'p2']);

    const res = await booted.app.inject({
      method: 'POST',
      url: '/el',
      payload: rpc('eth_chainId', 'limited'),
      headers: JSON_CT,
    });
    expect(res.statusCode).toBe(429);
    // p1 refills a token in 500 ms, p2 in 1 s: Retry-After rounds the shortest wait up.
    expect(res.headers['retry-after']).toBe('1');
    expect(JSON.parse(res.body)).toEqual({
      jsonrpc: '2.0',
      id: 'limited',
      error: {
        code: -32005,
        message: 'Rate limited: every node is over its request budget, retry after 1 s',
        data: { reason: 'rate_limited' },
      },
    });
    expect(p1.rpcCalls('eth_chainId')).toHaveLength(3);
    expect(p2.rpcCalls('eth_chainId')).toHaveLength(1);

    clock.ms += 500; // one token for p1
    expect(await servedBy(booted, 5)).toBe('p1');
    expect(
      (
        await booted.app.inject({
          method: 'POST',
          url: '/el',
          payload: rpc('eth_chainId'),
          headers: JSON_CT,
        })
      ).statusCode,
    ).toBe(429);
    const metrics = (await booted.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/vixy_rate_limited_total\{layer="el"\} 2/);
  });
});
