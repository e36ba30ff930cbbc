import { once } from 'node:events';
import { WebSocket } from 'ws';
import { baseUrl, type BootedApp, boot, configFor } from './http-proxy.support';
import { type Behaviour, MisbehavingUpstream } from './support/misbehaving-upstream';
import { parseReplies } from './fuzz-rpc-shape';

// Upstream nodes that misbehave while their health checks still pass: Vixy routes each
// call around them within [global].proxy_timeout_ms and max_retries, and the client
// sees no error while another node is healthy. p1 is tried first (first_healthy).

const TIMEOUT_MS = 300;
const PING_MS = 150;

describe('upstream misbehaviour', () => {
  let p1: MisbehavingUpstream;
  let p2: MisbehavingUpstream;
  let booted: BootedApp;

  beforeEach(async () => {
    p1 = await MisbehavingUpstream.start('p1');
    p2 = await MisbehavingUpstream.start('p2');
    const config = await configFor({
      primary: [
        { name: 'p1', url: p1.httpUrl },
        { name: 'p2', url: p2.httpUrl },
      ],
      global: `proxy_timeout_ms = ${TIMEOUT_MS}\nmax_retries = 2`,
    });
    booted = await boot(
      { ...config, websocket: { ...config.websocket, ping_interval_ms: PING_MS } },
      { listen: true },
    );
    booted.setEl(['p1', 'p2']);
  });

  afterEach(async () => {
    await booted.close();
    await p1.close();
    await p2.close();
  });

  async function call(id: number | string = 1) {
    const res = await booted.app.inject({
      method: 'POST',
      url: '/el',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ jsonrpc: '2.0', id, method: 'eth_getBalance', params: [] }),
    });
    return { status: res.statusCode, headers: res.headers, replies: parseReplies(res.body) };
  }

  const behaviours: [string, Behaviour][] = [
    ['answers after 3 s (beyond proxy_timeout_ms)', { kind: 'slow', delayMs: 3000 }],
    ['closes the connection mid-response', { kind: 'close-mid-response' }],
    ['answers 429 with Retry-After', { kind: 'rate-limited', retryAfterS: 30 }],
  ];

  it.each(behaviours)(
    'a node that %s is routed around: the answer comes from p2',
    async (_n, b) => {
      p1.behaviour = b;
      const { status, replies } = await call(7);
      expect(status).toBe(200);
      expect(replies).toEqual([{ jsonrpc: '2.0', id: 7, result: 'p2' }]);
      expect(p1.httpCalls).toBe(1);
    },
  );

  it('spills to p2 while p1 is inside its Retry-After window', async () => {
    p1.behaviour = { kind: 'rate-limited', retryAfterS: 30 };
    for (let i = 0; i < 5; i++) expect((await call(i)).replies[0].result).toBe('p2');
    expect(p1.httpCalls).toBe(1);
  });

  it.each(behaviours)(
    'when the only other node is down too, a node that %s gives a JSON-RPC error with the id',
    async (_n, b) => {
      p1.behaviour = b;
      booted.setEl(['p1']);
      const { status, replies } = await call('lone');
      expect([429, 502, 503, 504]).toContain(status);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatchObject({ id: 'lone', error: expect.anything() });
    },
  );

  it('a node that answers garbage with 200 is routed around', async () => {
    p1.behaviour = { kind: 'garbage' };
    const res = await booted.app.inject({
      method: 'POST',
      url: '/el',
      headers: { 'content-type': 'application/json' },
      payload: '{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":[]}',
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', id: 7, result: 'p2' });
  });

  it('answers 504 when the only node is slower than proxy_timeout_ms', async () => {
    p1.behaviour = { kind: 'slow', delayMs: 3000 };
    booted.setEl(['p1']);
    expect((await call()).status).toBe(504);
  });

  it('moves shared subscriptions off a node whose WebSocket stalls without closing', async () => {
    const ws = new WebSocket(`${baseUrl(booted.app).replace('http', 'ws')}/el/ws`);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    ws.on('error', () => undefined);
    await once(ws, 'open');
    const until = async <T>(what: string, found: () => T | undefined): Promise<T> => {
      const end = Date.now() + 10_000;
      for (;;) {
        const value = found();
        if (value !== undefined) return value;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const pendingSub = (node: MisbehavingUpstream) =>
      node.subscriptionIds.find(
        (_, i) => JSON.stringify(node.subscriptionParams[i]) === '["newPendingTransactions"]',
      );
    try {
      ws.send(
        '{"jsonrpc":"2.0","id":"sub","method":"eth_subscribe","params":["newPendingTransactions"]}',
      );
      const subId = (await until('sub', () => frames.find((f) => f.id === 'sub'))).result;
      expect(subId).toMatch(/^0x[0-9a-f]{32}$/);
      expect(pendingSub(p1)).toBeDefined();
      expect(pendingSub(p2)).toBeUndefined();

      // p1 stops answering pings: its connections are closed, sessions point at p2, and
      // the shared subscription is re-created there under the client's id
      p1.stallWebSockets();
      const onP2 = await until('the subscription on p2', () => pendingSub(p2));
      p2.notify(onP2, '0x' + 'ab'.repeat(32));
      const note = await until('a notification', () =>
        frames.find((f) => f.method === 'eth_subscription'),
      );
      expect(note).toEqual({
        jsonrpc: '2.0',
        method: 'eth_subscription',
        params: { subscription: subId, result: '0x' + 'ab'.repeat(32) },
      });
      // calls are answered over HTTP all along
      ws.send('{"jsonrpc":"2.0","id":"after","method":"eth_getBalance","params":[]}');
      expect(await until('after', () => frames.find((f) => f.id === 'after'))).toMatchObject({
        id: 'after',
        result: expect.any(String),
      });
    } finally {
      ws.terminate();
    }
  });
});
