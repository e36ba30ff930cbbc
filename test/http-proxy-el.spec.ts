import 'reflect-metadata';
import { Readable } from 'node:stream';
import { request } from 'undici';
import {
  type BootedApp,
  FakeClock,
  MockNode,
  baseUrl,
  boot,
  closedPort,
  configFor,
  rpc,
} from './http-proxy.support';

// POST /el against mocked nodes (local HTTP servers): routing by tier, pass-through of
// bytes and content types, and the answers Vixy gives by itself.

const JSON_CT = { 'content-type': 'application/json' };

/** The value of one series in a Prometheus exposition (0 when absent). */
function sample(exposition: string, series: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('POST /el: forwarding and tiers (first_healthy)', () => {
  let p1: MockNode;
  let p2: MockNode;
  let b1: MockNode;
  let booted: BootedApp;

  beforeAll(async () => {
    [p1, p2, b1] = await Promise.all(['p1', 'p2', 'b1'].map((n) => MockNode.start(n)));
    const config = await configFor({
      primary: [p1, p2].map((n) => ({ name: n.name, url: n.url })),
      backup: [{ name: b1.name, url: b1.url }],
    });
    booted = await boot(config, { listen: true });
  });
  afterAll(async () => {
    await booted.close();
    await Promise.all([p1, p2, b1].map((n) => n.close()));
  });
  beforeEach(() => {
    for (const n of [p1, p2, b1]) n.reset();
    booted.setEl(['p1', 'p2', 'b1']);
    for (const n of ['p1', 'p2', 'b1']) booted.registry.setDrained('el', n, false);
  });

  const post = (payload: string, headers: Record<string, string> = JSON_CT, url = '/el') =>
    booted.app.inject({ method: 'POST', url, payload, headers });

  it('sends the caller bytes and content type to the first primary, and its answer back unchanged', async () => {
    const sent = '{ "method":"eth_chainId",  "params":[], "id":"a-1", "jsonrpc":"2.0" }';
    const answer = '{"jsonrpc":"2.0","id":"a-1",  "result":"0x1"}\n';
    p1.respond = (_req, res) =>
      void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(answer);
    const res = await post(sent, { 'content-type': 'application/json; charset=utf-8' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(answer);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(p1.calls).toHaveLength(1);
    expect(p1.calls[0].body).toBe(sent);
    expect(p1.calls[0].headers['content-type']).toBe('application/json; charset=utf-8');
    expect(p2.calls).toHaveLength(0);
  });

  it('serves /el/ as /el', async () => {
    const res = await post(rpc('eth_blockNumber'), JSON_CT, '/el/');
    expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', id: 1, result: 'p1' });
  });

  it('forwards a batch byte for byte and returns the array', async () => {
    const batch = `[${rpc('eth_chainId', 1)}, ${rpc('eth_blockNumber', 2)}]`;
    const res = await post(batch);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'p1' },
      { jsonrpc: '2.0', id: 2, result: 'p1' },
    ]);
    expect(p1.calls[0].body).toBe(batch);
  });

  it('uses the next primary when the first is unavailable, and a backup only when no primary is', async () => {
    booted.setEl(['p2', 'b1']);
    expect(JSON.parse((await post(rpc('eth_chainId'))).body).result).toBe('p2');
    booted.registry.setDrained('el', 'p2', true);
    expect(JSON.parse((await post(rpc('eth_chainId'))).body).result).toBe('b1');
    booted.setEl(['p1', 'p2', 'b1']);
    expect(JSON.parse((await post(rpc('eth_chainId'))).body).result).toBe('p1');
  });

  it('answers 503 with the caller id when no node is available', async () => {
    booted.setEl([]);
    const res = await post(rpc('eth_chainId', 'x-7'));
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toEqual({
      jsonrpc: '2.0',
      id: 'x-7',
      error: {
        code: -32603,
        message: 'No healthy node available',
        data: { reason: 'no_healthy_node' },
      },
    });
    expect(p1.calls.length + p2.calls.length + b1.calls.length).toBe(0);
  });

  it('answers every call of a batch when no node is available', async () => {
    booted.setEl([]);
    const res = await post(`[${rpc('eth_chainId', 1)},${rpc('eth_chainId', 'two')}]`);
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body).map((a: { id: unknown }) => a.id)).toEqual([1, 'two']);
  });

  it('serves POST /el over a real connection (the path in front of Fastify) and with a query string', async () => {
    const base = baseUrl(booted.app);
    for (const path of ['/el', '/el/', '/el?client=x']) {
      const res = await request(base + path, {
        method: 'POST',
        headers: JSON_CT,
        body: rpc('eth_chainId', 3),
      });
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ jsonrpc: '2.0', id: 3, result: 'p1' });
    }
  });

  it('answers 503 with a JSON-RPC error on the direct path once shutdown has begun', async () => {
    const config = await configFor({ primary: [{ name: 'p1', url: p1.url }] });
    const other = await boot(config, { listen: true });
    other.setEl(['p1']);
    const base = baseUrl(other.app);
    // Nest's first shutdown hook; the server still accepts until it is closed.
    const closing = other.app.get(
      (await import('../src/proxy/http/el-http.handler')).ElHttpHandler,
    );
    closing.onModuleDestroy();
    const res = await request(`${base}/el`, {
      method: 'POST',
      headers: JSON_CT,
      body: rpc('eth_chainId', 4),
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers.connection).toBe('close');
    expect(await res.body.json()).toMatchObject({
      id: null,
      error: { code: -32603, data: { reason: 'shutting_down' } },
    });
    await other.close();
  });
});

describe('POST /el: answers Vixy gives by itself', () => {
  let p1: MockNode;
  let booted: BootedApp;

  beforeAll(async () => {
    p1 = await MockNode.start('p1');
    const config = await configFor({
      primary: [{ name: 'p1', url: p1.url }],
      proxy:
        'max_body_bytes = 2000\nmax_batch_size = 3\ndeny_methods = ["admin_", "personal_", "eth_sign"]',
    });
    booted = await boot(config);
  });
  afterAll(async () => {
    await booted.close();
    await p1.close();
  });
  beforeEach(() => {
    p1.reset();
    booted.setEl(['p1']);
  });

  const post = (payload: string) =>
    booted.app.inject({ method: 'POST', url: '/el', payload, headers: JSON_CT });

  it.each([
    ['invalid JSON', '{"jsonrpc":"2.0",', 400, null, -32700],
    ['an empty body', '', 400, null, -32700],
    ['no method', '{"jsonrpc":"2.0","id":5}', 400, 5, -32600],
    ['a method that is not a string', '{"id":"s","method":7}', 400, 's', -32600],
    ['an unreadable id', '{"id":{"a":1},"method":"eth_chainId"}', 400, null, -32600],
    ['a wrong jsonrpc version', '{"jsonrpc":"1.0","id":6,"method":"eth_chainId"}', 400, 6, -32600],
    [
      'params that are not structured',
      '{"id":8,"method":"eth_chainId","params":"x"}',
      400,
      8,
      -32600,
    ],
    ['an empty batch', '[]', 400, null, -32600],
    [
      'a batch over max_batch_size',
      `[${[1, 2, 3, 4].map((i) => rpc('eth_chainId', i))}]`,
      400,
      null,
      -32600,
    ],
    ['a denied namespace', rpc('admin_addPeer', 9), 403, 9, -32601],
    ['a denied full name', rpc('eth_sign', 10), 403, 10, -32601],
  ])(
    'answers %s with HTTP %i and a JSON-RPC error carrying the id',
    async (_, payload, status, id, code) => {
      const res = await post(payload);
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toBe('application/json');
      const body = JSON.parse(res.body);
      expect(body.id).toBe(id);
      expect(body.error.code).toBe(code);
      expect(p1.calls).toHaveLength(0);
    },
  );

  it('names the denied method', async () => {
    const res = await post(rpc('personal_unlockAccount', 1));
    expect(JSON.parse(res.body).error.message).toBe('Method personal_unlockAccount is not allowed');
  });

  it('does not deny a method that only starts like a denied full name', async () => {
    const res = await post(rpc('eth_signTransaction', 1));
    expect(res.statusCode).toBe(200);
  });

  it('answers denied and invalid calls of a batch itself and forwards the rest', async () => {
    const batch = `[${rpc('eth_chainId', 1)},${rpc('admin_peers', 2)},{"id":3}]`;
    const res = await post(batch);
    expect(res.statusCode).toBe(200);
    // In the client's order, the local answers in their places.
    expect(JSON.parse(res.body)).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'p1' },
      {
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32601,
          message: 'Method admin_peers is not allowed',
          data: { reason: 'method_denied' },
        },
      },
      expect.objectContaining({ id: 3, error: expect.objectContaining({ code: -32600 }) }),
    ]);
    // The one call left goes upstream as it came, but with a proxy-owned id.
    expect(JSON.parse(p1.calls[0].body)).toEqual({
      jsonrpc: '2.0',
      id: 0,
      method: 'eth_chainId',
      params: [],
    });
  });

  it('answers a batch of only denied calls without calling a node (403)', async () => {
    const res = await post(`[${rpc('admin_peers', 1)},${rpc('personal_sign', 2)}]`);
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body)).toHaveLength(2);
    expect(p1.calls).toHaveLength(0);
  });

  it('refuses a body over max_body_bytes with 413', async () => {
    const big = rpc('eth_call', 1, ['x'.repeat(3000)]);
    const res = await post(big);
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({
      id: null,
      error: { code: -32600, message: 'Invalid request: body larger than 2000 bytes' },
    });
    expect(p1.calls).toHaveLength(0);
  });

  it('refuses a chunked body that grows over max_body_bytes on a real connection', async () => {
    const other = await boot(
      await configFor({ primary: [{ name: 'p1', url: p1.url }], proxy: 'max_body_bytes = 2000' }),
      { listen: true },
    );
    other.setEl(['p1']);
    async function* chunks() {
      for (let i = 0; i < 10; i++) yield Buffer.from('x'.repeat(500));
    }
    const res = await request(`${baseUrl(other.app)}/el`, {
      method: 'POST',
      headers: JSON_CT,
      body: Readable.from(chunks()),
    });
    expect(res.statusCode).toBe(413);
    await res.body.dump();
    await other.close();
  });

  it('counts forwarded calls by method and requests by node', async () => {
    const scrape = async () => (await booted.app.inject({ method: 'GET', url: '/metrics' })).body;
    const before = await scrape();
    await post(`[${rpc('eth_chainId', 1)},${rpc('eth_chainId', 2)},${rpc('made_up', 3)}]`);
    const after = await scrape();
    const delta = (series: string) => sample(after, series) - sample(before, series);
    expect(delta('vixy_el_rpc_requests_total{method="eth_chainId"}')).toBe(2);
    expect(delta('vixy_el_rpc_requests_total{method="other"}')).toBe(1);
    expect(delta('vixy_el_requests_total{node="p1",tier="primary"}')).toBe(1);
    expect(delta('vixy_el_request_duration_seconds_count{node="p1",tier="primary"}')).toBe(1);
  });
});

describe('POST /el: upstream failures and retries', () => {
  let p1: MockNode;
  let p2: MockNode;
  let p3: MockNode;
  let booted: BootedApp;
  const clock = new FakeClock();

  beforeAll(async () => {
    [p1, p2, p3] = await Promise.all(['p1', 'p2', 'p3'].map((n) => MockNode.start(n)));
    const config = await configFor({
      primary: [p1, p2, p3].map((n) => ({ name: n.name, url: n.url })),
      global: 'proxy_timeout_ms = 300\nmax_retries = 2',
    });
    booted = await boot(config, { clock });
  });
  afterAll(async () => {
    await booted.close();
    await Promise.all([p1, p2, p3].map((n) => n.close()));
  });
  beforeEach(() => {
    for (const n of [p1, p2, p3]) n.reset();
    booted.setEl(['p1', 'p2', 'p3']);
    clock.ms += 120_000; // past any 429 back-off of an earlier test
  });

  const post = (payload: string) =>
    booted.app.inject({ method: 'POST', url: '/el', payload, headers: JSON_CT });
  const serverError =
    (status: number, body = 'oops') =>
    (_req: unknown, res: import('node:http').ServerResponse) =>
      void res.writeHead(status, { 'content-type': 'text/plain' }).end(body);

  it('retries an HTTP 5xx on the next node without reporting the node down', async () => {
    p1.respond = serverError(502);
    const res = await post(rpc('eth_chainId', 1));
    expect(JSON.parse(res.body).result).toBe('p2');
    expect(booted.registry.getEl('p1')?.passiveFailure).toBeNull();
  });

  it('retries a timeout on the next node and reports the hung node', async () => {
    p1.respond = () => undefined; // never answers
    const res = await post(rpc('eth_chainId', 1));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).result).toBe('p2');
    expect(booted.registry.getEl('p1')?.passiveFailure).toMatch(/headers timeout/);
    // Following requests avoid p1 at once.
    expect(JSON.parse((await post(rpc('eth_chainId', 2))).body).result).toBe('p2');
    expect(p1.calls).toHaveLength(1);
  });

  it('answers 504 with the id when every node hangs', async () => {
    for (const n of [p1, p2, p3]) n.respond = () => undefined;
    const res = await post(rpc('eth_chainId', 'slow'));
    expect(res.statusCode).toBe(504);
    expect(JSON.parse(res.body)).toEqual({
      jsonrpc: '2.0',
      id: 'slow',
      error: {
        code: -32603,
        message: 'Upstream timeout: no answer within 300 ms',
        data: { reason: 'upstream_timeout' },
      },
    });
  });

  it('tries each node at most once, up to max_retries extra attempts', async () => {
    for (const n of [p1, p2, p3]) n.respond = serverError(503);
    const res = await post(rpc('eth_chainId', 1));
    expect([p1, p2, p3].map((n) => n.calls.length)).toEqual([1, 1, 1]);
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(res.body).error).toEqual({
      code: -32603,
      message: 'Upstream answered with an unusable response: server error (HTTP 503)',
      data: { reason: 'upstream_bad_response' },
    });
  });

  it('passes the last node JSON answer of a 5xx through when no other node is left', async () => {
    const answer = '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"internal"}}';
    for (const n of [p1, p2, p3])
      n.respond = (_q, res) => void res.writeHead(500, JSON_CT).end(answer);
    const res = await post(rpc('eth_chainId', 1));
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe(answer);
  });

  it('treats an empty answer to a call as unusable and retries it', async () => {
    p1.respond = (_q, res) => void res.writeHead(200, JSON_CT).end();
    const res = await post(rpc('eth_chainId', 1));
    expect(JSON.parse(res.body).result).toBe('p2');
  });

  it('honours a 429 Retry-After: the node is skipped until then', async () => {
    p1.respond = (_q, res) => void res.writeHead(429, { 'retry-after': '30' }).end();
    expect(JSON.parse((await post(rpc('eth_chainId', 1))).body).result).toBe('p2');
    p1.reset();
    clock.ms += 29_000;
    expect(JSON.parse((await post(rpc('eth_chainId', 2))).body).result).toBe('p2');
    expect(p1.calls).toHaveLength(0);
    expect(booted.registry.getEl('p1')?.passiveFailure).toBeNull();
    clock.ms += 1_000;
    expect(JSON.parse((await post(rpc('eth_chainId', 3))).body).result).toBe('p1');
  });

  it('answers 429 -32005 with the Retry-After of the node when every node answers 429', async () => {
    for (const n of [p1, p2, p3])
      n.respond = (_q, res) => void res.writeHead(429, { 'retry-after': '7' }).end();
    const res = await post(rpc('eth_chainId', 'q'));
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(JSON.parse(res.body)).toMatchObject({ id: 'q', error: { code: -32005 } });
  });

  it('answers "already known" to a retried eth_sendRawTransaction with the transaction hash', async () => {
    // A transaction signed by anvil's first dev account, and the hash anvil gave it.
    const raw =
      '0xf86d80843b9aca008252089470997970c51812dc3a010c7d01b50e0d17dc79c8880de0b6b3a7640000808201e0a091f54a3d258c8d2269e5785bfb76fd75517d5012be11d65d374e190ed51fe593a05ddf083c66fce387c054b3012717886527122fb3afbaad41817ce98ed6ab8c1e';
    const hash = '0xf50ceba6326a906f8af2ed789a0d1552bc24fb0526ee1d5da7b958ee124084d1';
    p1.respond = () => undefined; // the send's fate is unknown: timeout
    p2.respond = (_q, res) =>
      void res
        .writeHead(200, JSON_CT)
        .end('{"jsonrpc":"2.0","id":11,"error":{"code":-32000,"message":"already known"}}');
    const res = await post(rpc('eth_sendRawTransaction', 11, [raw]));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', id: 11, result: hash });
  });

  it('passes "already known" through unchanged when the send was not retried', async () => {
    const answer = '{"jsonrpc":"2.0","id":12,"error":{"code":-32000,"message":"already known"}}';
    p1.respond = (_q, res) => void res.writeHead(200, JSON_CT).end(answer);
    const res = await post(rpc('eth_sendRawTransaction', 12, ['0x01']));
    expect(res.body).toBe(answer);
  });
});

describe('POST /el: connection refused and max_retries', () => {
  it('retries a refused connection on the next node and reports the node', async () => {
    const p2 = await MockNode.start('p2');
    const config = await configFor({
      primary: [
        { name: 'p1', url: `http://127.0.0.1:${await closedPort()}` },
        { name: 'p2', url: p2.url },
      ],
    });
    const booted = await boot(config);
    try {
      booted.setEl(['p1', 'p2']);
      const res = await booted.app.inject({
        method: 'POST',
        url: '/el',
        payload: rpc('eth_chainId', 1),
        headers: JSON_CT,
      });
      expect(JSON.parse(res.body).result).toBe('p2');
      expect(booted.registry.getEl('p1')?.passiveFailure).toBe('connection refused (ECONNREFUSED)');
      const metrics = (await booted.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(
        /vixy_upstream_errors_total\{layer="el",node="p1",kind="connect"\} 1/,
      );
      expect(metrics).toMatch(/vixy_retries_total\{layer="el"\} 1/);
    } finally {
      await booted.close();
      await p2.close();
    }
  });

  it('does not retry with max_retries = 0 and answers 502 with the id', async () => {
    const p2 = await MockNode.start('p2');
    const config = await configFor({
      primary: [
        { name: 'p1', url: `http://127.0.0.1:${await closedPort()}` },
        { name: 'p2', url: p2.url },
      ],
      global: 'max_retries = 0',
    });
    const booted = await boot(config);
    try {
      booted.setEl(['p1', 'p2']);
      const res = await booted.app.inject({
        method: 'POST',
        url: '/el',
        payload: rpc('eth_chainId', 'r'),
        headers: JSON_CT,
      });
      expect(res.statusCode).toBe(502);
      expect(JSON.parse(res.body)).toMatchObject({
        id: 'r',
        error: {
          code: -32603,
          message: 'Upstream unreachable: connection refused (ECONNREFUSED)',
          data: { reason: 'upstream_unreachable' },
        },
      });
      expect(p2.rpcCalls('eth_chainId')).toHaveLength(0);
    } finally {
      await booted.close();
      await p2.close();
    }
  });

  it('falls back to a healthy node reported down when nothing else is left', async () => {
    const p1 = await MockNode.start('p1');
    const booted = await boot(await configFor({ primary: [{ name: 'p1', url: p1.url }] }));
    try {
      booted.setEl(['p1']);
      booted.registry.reportFailure('el', 'p1', 'connection failed (ECONNRESET)');
      const res = await booted.app.inject({
        method: 'POST',
        url: '/el',
        payload: rpc('eth_chainId', 1),
        headers: JSON_CT,
      });
      expect(JSON.parse(res.body).result).toBe('p1');
    } finally {
      await booted.close();
      await p1.close();
    }
  });
});
