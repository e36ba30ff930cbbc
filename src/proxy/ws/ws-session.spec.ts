import { EventEmitter } from 'node:events';
import { FakeChain } from '../chain/fake-chain';
import { HeadLog } from '../chain/head-log';
import { SubscriptionFeed } from '../chain/subscription-feed';
import { type Clock, type TimerHandle } from '../../common/clock';
import { SharedSubscriptions } from './shared-subscriptions';
import { WsSession } from './ws-session';
import { type ClientSocket, type SessionDeps } from './ws-session.types';

// One session with no network: a client socket in memory, a real head log over a fake
// chain, a stand-in for the POST /el path. What a client sees, frame by frame.

class FakeClient extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  readonly frames: unknown[] = [];
  closed: { code: number; reason: string } | undefined;
  send(data: string | Buffer): void {
    this.frames.push(JSON.parse(data.toString()));
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
    this.emit('close');
  }
  terminate(): void {
    this.readyState = 3;
    this.emit('close');
  }
  ping(): void {}
  /** A text frame from the client. */
  say(value: unknown): void {
    this.emit('message', Buffer.from(JSON.stringify(value)), false);
  }
}

class StepClock implements Clock {
  private timers: { at: number; fn: () => void }[] = [];
  ms = 0;
  now(): number {
    return this.ms;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = { at: this.ms + ms, fn };
    this.timers.push(t);
    return t as unknown as TimerHandle;
  }
  setInterval(): TimerHandle {
    return {} as TimerHandle;
  }
  clear(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => (t as unknown) !== handle);
  }
  advance(ms: number): void {
    this.ms += ms;
    const due = this.timers.filter((t) => t.at <= this.ms);
    this.timers = this.timers.filter((t) => t.at > this.ms);
    for (const t of due) t.fn();
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(options: { available?: () => boolean; maxSubscriptions?: number } = {}) {
  const chain = new FakeChain(100);
  const log = new HeadLog(chain, { depth: 16 });
  const feed = new SubscriptionFeed(log);
  const client = new FakeClient();
  const clock = new StepClock();
  const calls: string[] = [];
  const deps: SessionDeps = {
    limits: {
      maxPendingRequests: 10,
      maxQueuedMessages: 2,
      maxSubscriptions: options.maxSubscriptions ?? 10,
      requestTimeoutMs: 1000,
    },
    call: async (frame) => {
      calls.push(frame.toString());
      const msg = JSON.parse(frame.toString()) as { id?: unknown } | { id?: unknown }[];
      const answer = (m: { id?: unknown }) => ({ jsonrpc: '2.0', id: m.id, result: 'node' });
      return Buffer.from(JSON.stringify(Array.isArray(msg) ? msg.map(answer) : answer(msg)));
    },
    chain: { feed, shared: new SharedSubscriptions(), follow: () => undefined },
    nodeAvailable: options.available ?? (() => true),
    clock,
    metrics: { fromClient() {}, toClient() {}, notified() {}, subscriptions() {} },
    log: { log() {}, debug() {} },
    maxClientBufferBytes: 1 << 20,
    reconnectDeadlineMs: 5000,
    onEnd: () => undefined,
  };
  const session = new WsSession(1, client as unknown as ClientSocket, deps);
  log.subscribe({ changed: () => session.pull() });
  session.start();
  const mine = async (n = 1) => {
    for (const block of chain.mine(n))
      log.observe(block.header, { node: 'a', authoritative: true });
    await log.idle();
  };
  return { chain, log, client, clock, calls, session, mine };
}

type Frame = {
  id?: unknown;
  result?: unknown;
  method?: string;
  params?: { subscription: string; result: { number: string } };
};

describe('WsSession', () => {
  it('answers eth_subscribe before any notification, then every block once, in order', async () => {
    const { client, mine } = setup();
    await mine(1);
    client.say({ jsonrpc: '2.0', id: 7, method: 'eth_subscribe', params: ['newHeads'] });
    await mine(3);
    const frames = client.frames as Frame[];
    expect(frames[0]).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: expect.stringMatching(/^0x[0-9a-f]{32}$/),
    });
    const notes = frames.slice(1);
    expect(notes.map((f) => f.params?.subscription)).toEqual(Array(3).fill(frames[0].result));
    expect(notes.map((f) => Number(f.params?.result.number))).toEqual([102, 103, 104]);
  });

  it('answers a batch with a subscription in order, and notifies only after the batch answer', async () => {
    const { client, mine, calls } = setup();
    await mine(1);
    client.say([
      { jsonrpc: '2.0', id: 'a', method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 'b', method: 'eth_subscribe', params: ['newHeads'] },
      { jsonrpc: '2.0', method: 'eth_chainId' },
    ]);
    await mine(1); // a block while the batch is being answered
    await flush();
    await mine(1);
    const frames = client.frames as (Frame | Frame[])[];
    const batch = frames[0] as Frame[];
    expect(batch.map((f) => f.id)).toEqual(['a', 'b']);
    expect(batch[0].result).toBe('node');
    const notes = frames.slice(1) as Frame[];
    expect(notes.map((f) => Number(f.params?.result.number))).toEqual([102, 103]);
    expect(calls).toHaveLength(2); // the two chainId elements, each on its own
  });

  it('unsubscribes with the id it gave, once', async () => {
    const { client, mine } = setup();
    client.say({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] });
    const sub = (client.frames[0] as Frame).result;
    client.say({ jsonrpc: '2.0', id: 2, method: 'eth_unsubscribe', params: [sub] });
    client.say({ jsonrpc: '2.0', id: 3, method: 'eth_unsubscribe', params: [sub] });
    await mine(2);
    expect(client.frames.slice(1)).toEqual([
      { jsonrpc: '2.0', id: 2, result: true },
      { jsonrpc: '2.0', id: 3, result: false },
    ]);
  });

  it('refuses subscriptions over max_subscriptions and bad parameters with geth-like errors', () => {
    const { client } = setup({ maxSubscriptions: 1 });
    client.say({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] });
    client.say({ jsonrpc: '2.0', id: 2, method: 'eth_subscribe', params: ['newHeads'] });
    expect(client.frames[1]).toMatchObject({ id: 2, error: { code: -32005 } });
    const { client: other } = setup();
    other.say({ jsonrpc: '2.0', id: 3, method: 'eth_subscribe', params: ['logs', { topics: 1 }] });
    other.say({ jsonrpc: '2.0', id: 4, method: 'eth_subscribe', params: [] });
    expect(other.frames).toEqual([
      expect.objectContaining({ id: 3, error: expect.objectContaining({ code: -32602 }) }),
      expect.objectContaining({ id: 4, error: expect.objectContaining({ code: -32602 }) }),
    ]);
  });

  it('closes with 4410 when its subscription cannot go on without a gap', async () => {
    const { client, log, chain } = setup();
    for (const b of chain.mine(1)) log.observe(b.header, { node: 'a', authoritative: true });
    await log.idle();
    client.say({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] });
    // 40 blocks unseen (head_log_depth 16), then the authoritative node far ahead
    const blocks = chain.mine(40);
    log.observe(blocks[39].header, { node: 'a', authoritative: true });
    await log.idle();
    await flush();
    expect(client.closed?.code).toBe(4410);
    expect(client.closed?.reason).toMatch(
      /^subscription ended: blocks \d+ to \d+ could not be followed/,
    );
  });

  it('holds calls while no node is available, sends them once one is, answers -32603 after the deadline', async () => {
    let available = false;
    const { client, session, clock, calls } = setup({ available: () => available });
    client.say({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' });
    client.say({ jsonrpc: '2.0', id: 2, method: 'eth_blockNumber' });
    client.say({ jsonrpc: '2.0', id: 3, method: 'eth_blockNumber' });
    expect(client.frames).toEqual([
      expect.objectContaining({ id: 3, error: expect.objectContaining({ code: -32005 }) }),
    ]);
    available = true;
    session.reconsider();
    await flush();
    expect(calls).toHaveLength(2);
    expect(client.frames.slice(1)).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'node' },
      { jsonrpc: '2.0', id: 2, result: 'node' },
    ]);
    available = false;
    client.say({ jsonrpc: '2.0', id: 4, method: 'eth_blockNumber' });
    clock.advance(5000);
    expect(client.frames.at(-1)).toMatchObject({
      id: 4,
      error: { code: -32603, data: { reason: 'no_healthy_node' } },
    });
    expect(client.closed).toBeUndefined();
  });
});
