import { SessionCore } from './session-core';
import { type SessionLimits } from './session-core.types';

// Worked examples of the session core, one behaviour each (the properties are in
// session-core.spec.ts). `up` holds what each upstream connection received.

const LIMITS: SessionLimits = {
  maxPendingRequests: 2,
  maxQueuedMessages: 2,
  maxSubscriptions: 2,
  requestTimeoutMs: 1000,
  maxAttempts: 2,
  maxBatchSize: 3,
  isDenied: (m) => m.startsWith('admin_'),
  mayResend: (m) => m !== 'eth_sendTransaction',
};

type Msg = Record<string, unknown>;

function setup(limits: SessionLimits = LIMITS) {
  const client: unknown[] = [];
  /** The frames the client got, as text. */
  const raw: string[] = [];
  const up = new Map<number, Msg[]>();
  const released: number[] = [];
  const served: [number, number | null][] = [];
  const fatal: [number, string][] = [];
  let now = 0;
  /** The budget answer of the serving node for the next call (0: allowed). */
  let charge = () => 0;
  const core = new SessionCore(
    limits,
    {
      toClient: (t) => {
        raw.push(String(t));
        client.push(JSON.parse(String(t)));
      },
      toUpstream: (gen, t) => up.get(gen)?.push(JSON.parse(t) as Msg),
      release: (gen) => released.push(gen),
      servedBy: (gen, prev) => served.push([gen, prev]),
      switchAborted: () => undefined,
      fatal: (code, reason) => fatal.push([code, reason]),
      subscriptions: () => undefined,
      charge: () => charge(),
    },
    () => now,
  );
  const attach = (gen: number, drainOld = true) => {
    up.set(gen, []);
    core.attach(gen, { drainOld });
  };
  /** Answers the last request on `gen` for `method` with `result` (canonical form). */
  const reply = (gen: number, method: string, result: unknown, index = -1) => {
    const reqs = (up.get(gen) ?? []).filter((m) => m.method === method);
    const req = reqs.at(index);
    if (!req) throw new Error(`no ${method} on ${gen}`);
    core.upstreamMessage(gen, frame({ jsonrpc: '2.0', id: req.id, result }));
  };
  const note = (gen: number, sub: string, result: unknown) =>
    core.upstreamMessage(
      gen,
      frame({
        jsonrpc: '2.0',
        method: 'eth_subscription',
        params: { subscription: sub, result },
      }),
    );
  const send = (msg: unknown) => core.clientMessage(msg, Buffer.from(JSON.stringify(msg)));
  const sendRaw = (text: string) => core.clientMessage(JSON.parse(text), Buffer.from(text));
  const budget = (fn: () => number) => (charge = fn);
  const tick = (ms: number) => core.expire((now += ms));
  return {
    core,
    raw,
    client,
    up,
    released,
    served,
    fatal,
    attach,
    reply,
    note,
    send,
    sendRaw,
    budget,
    tick,
  };
}

const frame = (msg: unknown) => Buffer.from(JSON.stringify(msg));

const call = (id: unknown, method = 'eth_blockNumber', params: unknown[] = []) => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
});

describe('SessionCore examples', () => {
  it('sends proxy ids upstream and answers with the client id, repeats included', () => {
    const s = setup();
    s.attach(1);
    s.send(call('x'));
    s.send(call('x'));
    const ids = s.up.get(1)!.map((m) => m.id);
    expect(ids).toEqual([1, 2]);
    s.reply(1, 'eth_blockNumber', '0xb', 1);
    s.reply(1, 'eth_blockNumber', '0xa', 0);
    expect(s.client).toEqual([
      { jsonrpc: '2.0', id: 'x', result: '0xb' },
      { jsonrpc: '2.0', id: 'x', result: '0xa' },
    ]);
  });

  it('answers a batch as one array in request order, local errors in place', () => {
    const s = setup();
    s.attach(1);
    s.send([call(1), { jsonrpc: '2.0', id: 2, method: 'admin_peers' }, 5, call(3, 'eth_chainId')]);
    expect(s.client).toEqual([
      {
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32600,
          message: 'Invalid request: batch larger than 3 calls',
          data: { reason: 'batch_too_large' },
        },
      },
    ]);
    s.client.length = 0;
    s.send([call(1), { jsonrpc: '2.0', id: 2, method: 'admin_peers' }, call(3, 'eth_chainId')]);
    s.reply(1, 'eth_chainId', '0x1');
    expect(s.client).toEqual([]);
    s.reply(1, 'eth_blockNumber', '0x10');
    expect(s.client).toEqual([
      [
        { jsonrpc: '2.0', id: 1, result: '0x10' },
        {
          jsonrpc: '2.0',
          id: 2,
          error: {
            code: -32601,
            message: 'Method admin_peers is not allowed',
            data: { reason: 'method_denied' },
          },
        },
        { jsonrpc: '2.0', id: 3, result: '0x1' },
      ],
    ]);
  });

  it('re-subscribes after an unplanned switch and never forwards the re-subscribe answer', () => {
    const s = setup();
    s.attach(1);
    s.send(call(100, 'eth_subscribe', ['newHeads']));
    s.reply(1, 'eth_subscribe', '0xaaa');
    s.core.detach(1);
    s.send(call(100)); // the same id as the subscription, while no node is connected
    s.attach(2);
    expect(s.up.get(2)!.map((m) => m.method)).toEqual(['eth_subscribe', 'eth_blockNumber']);
    s.reply(2, 'eth_subscribe', '0xbbb');
    s.reply(2, 'eth_blockNumber', '0x5');
    s.note(2, '0xbbb', { hash: '0x01' });
    expect(s.client).toEqual([
      { jsonrpc: '2.0', id: 100, result: '0xaaa' },
      { jsonrpc: '2.0', id: 100, result: '0x5' },
      {
        jsonrpc: '2.0',
        method: 'eth_subscription',
        params: { subscription: '0xaaa', result: { hash: '0x01' } },
      },
    ]);
  });

  it('switches planned: old node serves until every subscription exists on the new one', () => {
    const s = setup();
    s.attach(1);
    s.send(call(1, 'eth_subscribe', ['newHeads']));
    s.reply(1, 'eth_subscribe', '0xold');
    s.send(call(2)); // in flight on the old node: finishes there (fail-back drains)
    s.attach(2, true);
    expect(s.core.currentGen()).toBe(1);
    s.note(1, '0xold', { hash: '0x0a' });
    s.reply(2, 'eth_subscribe', '0xnew');
    expect(s.served.at(-1)).toEqual([2, 1]);
    expect(s.up.get(1)!.at(-1)).toMatchObject({ method: 'eth_unsubscribe', params: ['0xold'] });
    s.note(1, '0xold', { hash: '0x0b' }); // the old node after the cut-over: dropped
    s.note(2, '0xnew', { hash: '0x0a' }); // the same block again from the new node: dropped
    s.note(2, '0xnew', { hash: '0x0c' });
    s.reply(1, 'eth_blockNumber', '0x7');
    s.reply(1, 'eth_unsubscribe', true);
    expect(s.released).toEqual([1]);
    const notes = s.client.filter((m) => (m as Msg).method === 'eth_subscription') as Msg[];
    expect(notes.map((n) => (n.params as Msg).result)).toEqual([
      { hash: '0x0a' },
      { hash: '0x0c' },
    ]);
    expect(notes.every((n) => (n.params as Msg).subscription === '0xold')).toBe(true);
    expect(s.client).toContainEqual({ jsonrpc: '2.0', id: 2, result: '0x7' });
  });

  it('re-sends in flight requests at once when it leaves an unavailable node', () => {
    const s = setup();
    s.attach(1);
    s.send(call(1));
    s.attach(2, false);
    expect(s.released).toEqual([1]);
    expect(s.up.get(2)!.map((m) => m.method)).toEqual(['eth_blockNumber']);
  });

  it('answers with an error what cannot be re-sent, and gives up after maxAttempts', () => {
    const s = setup();
    s.attach(1);
    s.send(call(1, 'eth_sendTransaction', [{}]));
    s.send(call(2));
    s.core.detach(1);
    s.attach(2);
    s.core.detach(2);
    s.attach(3);
    expect(s.client).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        error: {
          code: -32002,
          message: expect.stringContaining(
            'it was not sent to another node because it must not run twice',
          ),
          data: { reason: 'not_resent' },
        },
      },
      {
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32603,
          message: 'Upstream unreachable: connection lost 2 times',
          data: { reason: 'upstream_unreachable' },
        },
      },
    ]);
  });

  it('answers over-limit requests, queued messages and subscriptions with -32005', () => {
    const s = setup();
    s.send(call(1));
    s.send(call(2));
    s.send(call(3)); // queue of 2 is full
    s.attach(1);
    s.send(call(4)); // 2 pending
    s.send(call(5, 'eth_subscribe', ['newHeads']));
    s.reply(1, 'eth_blockNumber', '0x1', 0);
    s.reply(1, 'eth_blockNumber', '0x1', 1);
    s.send(call(6, 'eth_subscribe', ['newHeads']));
    s.send(call(7, 'eth_subscribe', ['logs']));
    s.reply(1, 'eth_subscribe', '0xa', 0);
    s.reply(1, 'eth_subscribe', '0xb', 1);
    s.send(call(8, 'eth_subscribe', ['newPendingTransactions']));
    const errors = (s.client as Msg[])
      .filter((m) => m.error)
      .map((m) => [m.id, (m.error as Msg).code]);
    expect(errors).toEqual([
      [3, -32005],
      [4, -32005],
      [5, -32005],
      [8, -32005],
    ]);
  });

  it('answers a request the node does not answer in time with -32603, and drops the late answer', () => {
    const s = setup();
    s.attach(1);
    s.send(call('slow'));
    s.tick(999);
    expect(s.client).toEqual([]);
    s.tick(1);
    expect(s.client).toEqual([
      {
        jsonrpc: '2.0',
        id: 'slow',
        error: {
          code: -32603,
          message: 'Upstream timeout: no answer within 1000 ms',
          data: { reason: 'upstream_timeout' },
        },
      },
    ]);
    s.reply(1, 'eth_blockNumber', '0x1');
    expect(s.client).toHaveLength(1);
  });

  it('closes with 1011 when a subscription cannot be re-created after an unplanned switch', () => {
    const s = setup();
    s.attach(1);
    s.send(call(1, 'eth_subscribe', ['newPendingTransactions']));
    s.reply(1, 'eth_subscribe', '0xa');
    s.core.detach(1);
    s.attach(2);
    s.send(call(2));
    const sub = s.up.get(2)!.find((m) => m.method === 'eth_subscribe')!;
    s.core.upstreamMessage(
      2,
      frame({ jsonrpc: '2.0', id: sub.id, error: { code: -32601, message: 'nope' } }),
    );
    expect(s.fatal).toEqual([[1011, 'a subscription could not be restored after a node switch']]);
    expect(s.client.at(-1)).toEqual({
      jsonrpc: '2.0',
      id: 2,
      error: { code: -32603, message: 'Session closing', data: { reason: 'session_closing' } },
    });
    expect(s.released).toEqual([2]);
  });

  it('holds notifications of a subscription until its batch answer is out', () => {
    const s = setup();
    s.attach(1);
    s.send([call(1, 'eth_subscribe', ['newHeads']), call(2)]);
    s.reply(1, 'eth_subscribe', '0xa');
    s.note(1, '0xa', { hash: '0x01' });
    expect(s.client).toEqual([]);
    s.reply(1, 'eth_blockNumber', '0x1');
    expect(s.client).toEqual([
      [
        { jsonrpc: '2.0', id: 1, result: '0xa' },
        { jsonrpc: '2.0', id: 2, result: '0x1' },
      ],
      {
        jsonrpc: '2.0',
        method: 'eth_subscription',
        params: { subscription: '0xa', result: { hash: '0x01' } },
      },
    ]);
  });

  it('answers the hash of a retried raw transaction that the new node already knows', () => {
    const s = setup();
    s.attach(1);
    const raw =
      '0x02f86c0180843b9aca00850ba43b740082520894000000000000000000000000000000000000000080c0';
    s.send(call(1, 'eth_sendRawTransaction', [raw]));
    s.core.detach(1);
    s.attach(2);
    const req = s.up.get(2)![0];
    s.core.upstreamMessage(
      2,
      frame({
        jsonrpc: '2.0',
        id: req.id,
        error: { code: -32000, message: 'already known' },
      }),
    );
    expect(s.client).toEqual([
      { jsonrpc: '2.0', id: 1, result: expect.stringMatching(/^0x[0-9a-f]{64}$/) },
    ]);
  });

  it('answers with the id exactly as the client wrote it, whatever the node does with ids', () => {
    const s = setup();
    s.attach(1);
    s.sendRaw('{"jsonrpc":"2.0","id":9007199254740993,"method":"eth_chainId"}');
    s.reply(1, 'eth_chainId', '0x1');
    s.sendRaw(
      '[{"jsonrpc":"2.0","id":-0,"method":"eth_chainId"},{"jsonrpc":"2.0","id":"\\u0041","method":"admin_x"}]',
    );
    s.reply(1, 'eth_chainId', '0x2');
    // A node that answers in another form (spaces, id last): found by a scan all the same.
    s.sendRaw('{"jsonrpc":"2.0","id":1.0,"method":"eth_chainId"}');
    const req = s.up.get(1)!.at(-1)!;
    s.core.upstreamMessage(1, Buffer.from(`{ "result" : "0x3", "id" : ${String(req.id)} }`));
    expect(s.raw).toEqual([
      '{"jsonrpc":"2.0","id":9007199254740993,"result":"0x1"}',
      '[{"jsonrpc":"2.0","id":-0,"result":"0x2"},{"jsonrpc":"2.0","id":"\\u0041","error":{"code":-32601,"message":"Method admin_x is not allowed","data":{"reason":"method_denied"}}}]',
      '{ "result" : "0x3", "id" : 1.0 }',
    ]);
  });

  it('charges every client call to the serving node budget and answers -32005 when it is out', () => {
    const s = setup();
    s.attach(1);
    s.budget(() => 1500);
    s.send(call(1));
    expect(s.up.get(1)).toEqual([]);
    expect(s.client).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        error: {
          code: -32005,
          message: 'Rate limited: every node is over its request budget, retry after 2 s',
          data: { reason: 'rate_limited' },
        },
      },
    ]);
    s.budget(() => 0);
    s.send(call(2));
    expect(s.up.get(1)).toHaveLength(1);
  });
});
