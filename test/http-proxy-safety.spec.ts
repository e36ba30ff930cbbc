import 'reflect-metadata';
import {
  type BootedApp,
  MockNode,
  answerWithName,
  boot,
  closedPort,
  configFor,
} from './http-proxy.support';

// POST /el: what may go to a second node (the retry-safety rule), ids byte for byte,
// answers Vixy assembles itself, bounded answers, and budgets counted per call.

const JSON_CT = { 'content-type': 'application/json' };
const call = (method: string, id: string | number, params: unknown[] = []) =>
  `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${JSON.stringify(params)}}`;

/** A node that takes the request and then drops the connection (the call may have run). */
const resets = (res: import('node:http').ServerResponse): void => void res.socket?.destroy();

describe('POST /el: retry safety, ids and assembled answers', () => {
  let p1: MockNode;
  let p2: MockNode;
  let booted: BootedApp;

  beforeAll(async () => {
    [p1, p2] = await Promise.all(['p1', 'p2'].map((n) => MockNode.start(n)));
    const config = await configFor({
      primary: [p1, p2].map((n) => ({ name: n.name, url: n.url })),
      global: 'proxy_timeout_ms = 300\nhealth_check_min_successes = 1',
      proxy: 'no_retry_methods = ["eth_call"]\nmax_response_bytes = 4096',
    });
    booted = await boot(config);
  });
  afterAll(async () => {
    await booted.close();
    await Promise.all([p1, p2].map((n) => n.close()));
  });
  beforeEach(() => {
    for (const n of [p1, p2]) n.reset();
    booted.setEl(['p1', 'p2']);
  });

  const post = (payload: string) =>
    booted.app.inject({ method: 'POST', url: '/el', payload, headers: JSON_CT });

  describe.each([
    [
      'resets the connection',
      (_req: unknown, res: import('node:http').ServerResponse) => resets(res),
      502,
    ],
    ['hangs', () => undefined, 504],
    [
      'answers 500',
      (_req: unknown, res: import('node:http').ServerResponse) =>
        void res.writeHead(500).end('boom'),
      502,
    ],
  ])('when the first node %s after receiving the call', (_, respond, status) => {
    it.each(['eth_sendTransaction', 'eth_sign', 'eth_signTypedData_v4', 'eth_call'])(
      'does not send %s to a second node, and says so with the caller id',
      async (method) => {
        p1.respond = respond;
        const res = await post(call(method, '"tx-1"', [{}]));
        expect(p1.rpcCalls(method)).toHaveLength(1);
        expect(p2.calls).toHaveLength(0);
        expect(res.statusCode).toBe(status);
        expect(JSON.parse(res.body)).toMatchObject({
          id: 'tx-1',
          error: { code: -32002, data: { reason: 'not_resent' } },
        });
      },
    );

    it('sends a safe call, and eth_sendRawTransaction, to the second node', async () => {
      p1.respond = respond;
      for (const method of ['eth_getBalance', 'eth_sendRawTransaction']) {
        const res = await post(call(method, 7, ['0x00']));
        expect(res.statusCode).toBe(200);
        expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', id: 7, result: 'p2' });
      }
    });
  });

  it('re-sends the safe calls of a batch and answers the others "not re-sent", in order', async () => {
    p1.respond = (_req, res) => resets(res);
    const res = await post(
      `[${call('eth_chainId', 1)},${call('eth_sendTransaction', 2, [{}])},${call('eth_blockNumber', 3)}]`,
    );
    expect(res.statusCode).toBe(200);
    const answers = JSON.parse(res.body) as {
      id: number;
      result?: string;
      error?: { code: number };
    }[];
    expect(answers.map((a) => [a.id, a.result ?? a.error?.code])).toEqual([
      [1, 'p2'],
      [2, -32002],
      [3, 'p2'],
    ]);
    expect(p2.rpcCalls('eth_sendTransaction')).toHaveLength(0);
  });

  it('answers every id byte for byte, whatever a node does with ids', async () => {
    const ids = ['9007199254740993', '1.0', '"\\u0041"', '-0', '1e2'];
    for (const id of ids) {
      const res = await post(call('eth_chainId', id));
      expect(res.body).toBe(`{"jsonrpc":"2.0","id":${id},"result":"p1"}`);
    }
    // The node got ids it echoes exactly: proxy-owned ones.
    expect(p1.calls.map((c) => (JSON.parse(c.body) as { id: unknown }).id)).toEqual([
      0, 0, 0, 0, 0,
    ]);
    const batch = await post(
      `[${call('eth_chainId', '9007199254740993')},${call('admin_peers', '1.0')}]`,
    );
    expect(batch.body).toBe(
      '[{"jsonrpc":"2.0","id":9007199254740993,"result":"p1"},{"jsonrpc":"2.0","id":1.0,"error":{"code":-32601,"message":"Method admin_peers is not allowed","data":{"reason":"method_denied"}}}]',
    );
  });

  it('keeps the local answers of a batch when a node answers it with one error object', async () => {
    p1.respond = (_req, res) =>
      void res
        .writeHead(200, JSON_CT)
        .end('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batches not allowed"}}');
    const res = await post(
      `[${call('eth_chainId', 1)},${call('eth_chainId', 2)},${call('admin_x', 3)}]`,
    );
    expect(JSON.parse(res.body)).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'batches not allowed' } },
      { jsonrpc: '2.0', id: 2, error: { code: -32600, message: 'batches not allowed' } },
      expect.objectContaining({ id: 3, error: expect.objectContaining({ code: -32601 }) }),
    ]);
  });

  it('describes a non-JSON answer by its status, type and size, and tries the next node', async () => {
    const page = '<html><body>Not Found</body></html>';
    for (const n of [p1, p2]) {
      n.respond = (_req, res) => void res.writeHead(404, { 'content-type': 'text/html' }).end(page);
    }
    const res = await post(call('eth_chainId', 1));
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(res.body).error.message).toBe(
      `Upstream answered with an unusable response: HTTP 404 with a text/html body of ${page.length} bytes, not JSON`,
    );
    expect([p1.calls.length, p2.calls.length]).toEqual([1, 1]);
  });

  it('fails only the call whose answer is over max_response_bytes: not re-sent, node not blamed', async () => {
    p1.respond = (_req, res) =>
      void res
        .writeHead(200, JSON_CT)
        .end(`{"jsonrpc":"2.0","id":1,"result":"${'a'.repeat(5000)}"}`);
    const res = await post(call('eth_getLogs', 1, [{}]));
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({
      id: 1,
      error: { code: -32602, data: { reason: 'response_too_large' } },
    });
    expect(JSON.parse(res.body).error.message).toContain('4096 bytes');
    expect(p2.calls).toHaveLength(0);
    expect(booted.registry.getEl('p1')?.passiveFailure).toBeNull();
    p1.respond = answerWithName('p1');
    expect(JSON.parse((await post(call('eth_chainId', 2))).body).result).toBe('p1');
  });
});

describe('POST /el: budgets count calls', () => {
  let p1: MockNode;
  let p2: MockNode;
  let booted: BootedApp;

  beforeAll(async () => {
    [p1, p2] = await Promise.all(['p1', 'p2'].map((n) => MockNode.start(n)));
    const config = await configFor({
      primary: [
        { name: 'p1', url: p1.url, extra: 'max_qps = 1\nmax_consecutive_requests = 3' },
        { name: 'p2', url: p2.url, extra: 'max_qps = 1\nmax_consecutive_requests = 2' },
      ],
    });
    booted = await boot(config);
    booted.setEl(['p1', 'p2']);
  });
  afterAll(async () => {
    await booted.close();
    await Promise.all([p1, p2].map((n) => n.close()));
  });

  it('splits a batch larger than one node budget across nodes and answers it in the client order', async () => {
    const batch = `[${[1, 2, 3, 4, 5].map((i) => call('eth_chainId', i)).join(',')}]`;
    const res = await booted.app.inject({
      method: 'POST',
      url: '/el',
      payload: batch,
      headers: JSON_CT,
    });
    expect(res.statusCode).toBe(200);
    expect(
      (JSON.parse(res.body) as { id: number; result: string }[]).map((a) => [a.id, a.result]),
    ).toEqual([
      [1, 'p1'],
      [2, 'p1'],
      [3, 'p1'],
      [4, 'p2'],
      [5, 'p2'],
    ]);
    // Out of budget everywhere now: the next call is refused without reaching a node.
    const more = await booted.app.inject({
      method: 'POST',
      url: '/el',
      payload: call('eth_chainId', 6),
      headers: JSON_CT,
    });
    expect(more.statusCode).toBe(429);
    expect(p1.rpcCalls('eth_chainId').length + p2.rpcCalls('eth_chainId').length).toBe(2);
  });
});

describe('POST /el: a node-signed call whose first node refused the connection', () => {
  it('goes to the second node: nothing reached the first', async () => {
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
        payload: call('eth_sendTransaction', 1, [{}]),
        headers: JSON_CT,
      });
      expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', id: 1, result: 'p2' });
      expect(p2.rpcCalls('eth_sendTransaction')).toHaveLength(1);
    } finally {
      await booted.close();
      await p2.close();
    }
  });
});
