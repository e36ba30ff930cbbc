import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import { request } from 'undici';
import {
  type BootedApp,
  MockNode,
  baseUrl,
  boot,
  closedPort,
  configFor,
} from './http-proxy.support';

// ANY /cl/* against mocked beacon nodes over real sockets: what is forwarded, what is
// streamed, what is retried.

function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const SSZ = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x7f, 0x80, 0x0a, 0x0d]);

describe('ANY /cl/*', () => {
  let c1: MockNode;
  let c2: MockNode;
  let booted: BootedApp;
  let base: string;

  beforeAll(async () => {
    [c1, c2] = await Promise.all(['c1', 'c2'].map((n) => MockNode.start(n)));
    const config = await configFor({
      primary: [{ name: 'el', url: `http://127.0.0.1:${await closedPort()}` }],
      cl: [
        { name: 'c1', url: c1.url },
        { name: 'c2', url: c2.url },
      ],
      global: 'proxy_timeout_ms = 500',
      proxy: 'max_body_bytes = 1000',
    });
    booted = await boot(config, { listen: true });
    base = baseUrl(booted.app);
  });
  afterAll(async () => {
    await booted.close();
    await Promise.all([c1, c2].map((n) => n.close()));
  });
  beforeEach(() => {
    for (const n of [c1, c2]) {
      n.reset();
      n.respond = (_req, res) =>
        void res.writeHead(200, { 'content-type': 'application/json' }).end(`{"data":"${n.name}"}`);
    }
    booted.setCl(['c1', 'c2']);
  });

  it('forwards method, path and query as sent, and end-to-end headers only', async () => {
    // node:http, as undici refuses to send hop-by-hop headers.
    const res = await rawGet(
      `${base}/cl/eth/v1/beacon/states/head/validators?id=1&id=0x%2Fab&status=active`,
      {
        accept: 'application/json',
        'x-trace': 'abc',
        connection: 'keep-alive, x-hop',
        'x-hop': 'must not pass',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic secret',
        te: 'trailers',
      },
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ data: 'c1' });
    const [call] = c1.calls;
    expect(call.method).toBe('GET');
    expect(call.url).toBe('/eth/v1/beacon/states/head/validators?id=1&id=0x%2Fab&status=active');
    expect(call.headers['x-trace']).toBe('abc');
    expect(call.headers.accept).toBe('application/json');
    for (const hop of ['x-hop', 'keep-alive', 'proxy-authorization', 'te']) {
      expect(call.headers[hop]).toBeUndefined();
    }
    expect(call.headers.host).toBe(`127.0.0.1:${c1.port}`);
  });

  it('serves /cl itself and /cl?query', async () => {
    await request(`${base}/cl`).then((r) => r.body.dump());
    await request(`${base}/cl?x=1`).then((r) => r.body.dump());
    expect(c1.calls.map((c) => c.url)).toEqual(['/', '/?x=1']);
  });

  it('returns status, SSZ bytes and end-to-end headers unchanged, without hop-by-hop ones', async () => {
    c1.respond = (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'eth-consensus-version': 'deneb',
        'set-cookie': ['a=1', 'b=2'],
        connection: 'x-private',
        'x-private': 'hop',
        'proxy-authenticate': 'Basic',
      });
      res.end(SSZ);
    };
    const res = await request(`${base}/cl/eth/v2/debug/beacon/states/head`, {
      headers: { accept: 'application/octet-stream' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['eth-consensus-version']).toBe('deneb');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['x-private']).toBeUndefined();
    expect(res.headers['proxy-authenticate']).toBeUndefined();
    expect(Buffer.from(await res.body.arrayBuffer())).toEqual(SSZ);
  });

  it('forwards HEAD and returns the headers without a body', async () => {
    c1.respond = (_req, res) =>
      void res.writeHead(200, { 'content-type': 'application/json', 'content-length': '42' }).end();
    const res = await request(`${base}/cl/eth/v1/node/health`, { method: 'HEAD' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('42');
    expect(await res.body.text()).toBe('');
    expect(c1.calls[0].method).toBe('HEAD');
  });

  it('streams a request body to the node', async () => {
    c1.respond = (_req, res, body) => void res.writeHead(200).end(`got ${body}`);
    const res = await request(`${base}/cl/eth/v1/beacon/pool/attestations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[{"data":1}]',
    });
    expect(await res.body.text()).toBe('got [{"data":1}]');
    expect(c1.calls[0].headers['content-type']).toBe('application/json');
  });

  // GET /cl/eth/v1/events is Vixy's own (test/cl-events.spec.ts); any other event
  // stream is proxied as it comes.
  it('streams server-sent events as they come, and closes the upstream when the client goes away', async () => {
    let upstreamClosed: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    c1.respond = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: head\ndata: {"slot":"1"}\n\n');
      req.socket.once('close', () => upstreamClosed());
      // Never ends by itself: only the client going away ends it.
    };
    const abort = new AbortController();
    const res = await request(`${base}/cl/eth/v1/debug/stream?topics=head&topics=block`, {
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    const first = await new Promise<string>((resolve) =>
      res.body.once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    expect(first).toBe('event: head\ndata: {"slot":"1"}\n\n');
    expect(c1.calls[0].url).toBe('/eth/v1/debug/stream?topics=head&topics=block');
    res.body.on('error', () => undefined);
    abort.abort();
    await closed;
  });

  it('retries a GET on the other node after a 5xx, before anything reached the client', async () => {
    c1.respond = (_req, res) => void res.writeHead(503).end('{"code":503,"message":"syncing"}');
    const res = await request(`${base}/cl/eth/v1/node/version`);
    expect(await res.body.json()).toEqual({ data: 'c2' });
    expect(booted.registry.getCl('c1')?.passiveFailure).toBeNull();
  });

  it('passes the last node 5xx through when no other node is left', async () => {
    for (const n of [c1, c2]) {
      n.respond = (_req, res) =>
        void res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"code":503,"message":"syncing"}');
    }
    const res = await request(`${base}/cl/eth/v1/node/version`);
    expect(res.statusCode).toBe(503);
    expect(await res.body.text()).toBe('{"code":503,"message":"syncing"}');
  });

  it('does not retry a POST whose body reached a node', async () => {
    c1.respond = (_req, res) => void res.writeHead(500).end('{"code":500,"message":"boom"}');
    const res = await request(`${base}/cl/eth/v1/beacon/pool/attestations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect(res.statusCode).toBe(500);
    expect(await res.body.text()).toBe('{"code":500,"message":"boom"}');
    expect(c2.calls).toHaveLength(0);
  });

  it('answers 504 when the node does not answer a GET in time and no other node is left', async () => {
    booted.setCl(['c1']);
    c1.respond = () => undefined;
    const res = await request(`${base}/cl/eth/v1/node/version`);
    expect(res.statusCode).toBe(504);
    expect(await res.body.json()).toEqual({
      code: 504,
      message: 'Upstream timeout: no answer within 500 ms',
    });
  });

  it('answers 503 when no CL node is available', async () => {
    booted.setCl([]);
    const res = await request(`${base}/cl/eth/v1/node/version`);
    expect(res.statusCode).toBe(503);
    expect(await res.body.json()).toEqual({ code: 503, message: 'No healthy node available' });
  });

  it('refuses a body over max_body_bytes with 413', async () => {
    const res = await request(`${base}/cl/eth/v1/beacon/blocks`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(2000),
    });
    expect(res.statusCode).toBe(413);
    await res.body.dump();
    expect(c1.calls).toHaveLength(0);
  });

  it('counts requests per node', async () => {
    await request(`${base}/cl/eth/v1/node/version`).then((r) => r.body.dump());
    const metrics = (await booted.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/vixy_cl_requests_total\{node="c1"\} [1-9]/);
    expect(metrics).toMatch(/vixy_cl_request_duration_seconds_count\{node="c1"\} [1-9]/);
  });
});

describe('ANY /cl/*: node URLs and unreachable nodes', () => {
  it('keeps the node URL path prefix and query, sends its user-info as Basic auth, and retries a refused connection', async () => {
    const c2 = await MockNode.start('c2');
    const config = await configFor({
      primary: [{ name: 'el', url: `http://127.0.0.1:${await closedPort()}` }],
      cl: [
        { name: 'c1', url: `http://127.0.0.1:${await closedPort()}` },
        { name: 'c2', url: `http://user:p%40ss@127.0.0.1:${c2.port}/beacon/?apikey=k1` },
      ],
    });
    const booted = await boot(config, { listen: true });
    try {
      booted.setCl(['c1', 'c2']);
      c2.reset();
      c2.respond = (_req, res) => void res.writeHead(200).end('ok');
      // A POST that could not reach c1 at all is retried too.
      const res = await request(`${baseUrl(booted.app)}/cl/eth/v1/node/peers?state=connected`, {
        method: 'POST',
      });
      expect(await res.body.text()).toBe('ok');
      expect(c2.calls[0].url).toBe('/beacon/eth/v1/node/peers?state=connected&apikey=k1');
      expect(c2.calls[0].headers.authorization).toBe(
        `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
      );
      expect(booted.registry.getCl('c1')?.passiveFailure).toBe('connection refused (ECONNREFUSED)');
    } finally {
      await booted.close();
      await c2.close();
    }
  });
});
