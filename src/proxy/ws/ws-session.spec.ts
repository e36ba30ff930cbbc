import { ManualClock } from '../../../test/manual-clock';
import { once } from 'node:events';
import { type AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { type ElNodeState } from '../../health/node-state';
import { Backoff } from './backoff';
import { type SessionLimits } from './session-core.types';
import { LayerSelector } from '../routing/layer-selector';
import { FirstHealthyStrategy } from '../routing/strategies/first-healthy.strategy';
import { WsNodeChooser } from './ws-node-chooser';
import { upstreamOf } from '../../../test/http-proxy.fixtures';
import { WsSessionManager } from './ws-session-manager';
import { type SessionMetrics } from './ws-session.types';

// The session shell against real sockets: local `ws` servers play the EL nodes and the
// gateway, a `ws` client plays the application; time (heartbeats, backoff, deadlines)
// is driven by hand.

type Json = Record<string, unknown>;

/** A JSON-RPC node over WebSocket: subscriptions, and requests it can sit on. */
class FakeNode {
  readonly requests: Json[] = [];
  /** Never answer requests while true. */
  hold = false;
  private seq = 0;
  private readonly subs = new Map<WebSocket, Map<string, string>>();

  private constructor(
    readonly name: string,
    private readonly server: WebSocketServer,
  ) {
    server.on('connection', (ws) => {
      this.subs.set(ws, new Map());
      ws.on('close', () => this.subs.delete(ws));
      ws.on('message', (data) => this.onRequest(ws, JSON.parse(String(data)) as Json));
    });
  }

  static async start(name: string): Promise<FakeNode> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    return new FakeNode(name, server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/v2/secret-key`;
  }

  get connections(): number {
    return this.subs.size;
  }

  subscriptions(): number {
    return [...this.subs.values()].reduce((n, m) => n + m.size, 0);
  }

  /** A notification to every subscription of that kind. */
  emit(kind: string, result: unknown): void {
    for (const [ws, subs] of this.subs) {
      for (const [id, k] of subs) {
        if (k !== kind) continue;
        const params = { subscription: id, result };
        ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params }));
      }
    }
  }

  /** Stops reading its sockets: no answers, no pongs (a hung process). */
  freeze(): void {
    for (const ws of this.subs.keys())
      (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  async kill(): Promise<void> {
    for (const ws of this.subs.keys()) ws.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private onRequest(ws: WebSocket, req: Json): void {
    this.requests.push(req);
    if (this.hold) return;
    const params = (req.params ?? []) as unknown[];
    const subs = this.subs.get(ws);
    let result: unknown;
    switch (req.method) {
      case 'eth_subscribe': {
        result = `0x${this.name}${++this.seq}`;
        subs?.set(result as string, String(params[0]));
        break;
      }
      case 'eth_unsubscribe':
        result = subs?.delete(String(params[0])) ?? false;
        break;
      default:
        result = { node: this.name, method: req.method, params };
    }
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, result }));
  }
}

class Client {
  readonly frames: Json[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(String(data)) as Json));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static async connect(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const client = new Client(ws);
    await once(ws, 'open');
    return client;
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** The first frame (from `from`) that matches. */
  async next(match: (f: Json) => boolean, from = 0): Promise<Json> {
    return until(() => this.frames.slice(from).find(match), 'a matching frame');
  }

  async answer(id: unknown): Promise<Json> {
    const key = JSON.stringify(id);
    return this.next((f) => !('method' in f) && JSON.stringify(f.id) === key);
  }

  notes(sub: string): Json[] {
    return this.frames.filter((f) => (f.params as Json | undefined)?.subscription === sub);
  }
}

async function until<T>(probe: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function state(node: FakeNode, tier: 'primary' | 'backup', index: number): ElNodeState {
  return {
    layer: 'el',
    name: node.name,
    tier,
    index,
    config: { name: node.name, http_url: 'http://127.0.0.1:1', ws_url: node.url },
    httpUrl: 'http://127.0.0.1:1',
    wsUrl: 'ws://127.0.0.1/v2/***',
    blockNumber: 1,
    checkOk: true,
    isHealthy: true,
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    availableSince: 0,
    lag: 0,
    lastCheckAt: 0,
    lastLatencyMs: 1,
    lastError: null,
    passiveFailure: null,
    drained: false,
  };
}

const LIMITS: SessionLimits = {
  maxPendingRequests: 100,
  maxQueuedMessages: 100,
  maxSubscriptions: 10,
  requestTimeoutMs: 30_000,
  maxAttempts: 3,
  maxBatchSize: 100,
  isDenied: () => false,
  mayResend: (m) => m !== 'eth_sendTransaction',
};

interface Setup {
  readonly a: FakeNode;
  readonly b: FakeNode;
  readonly states: ElNodeState[];
  readonly clock: ManualClock;
  readonly manager: WsSessionManager;
  readonly url: string;
  readonly counts: Map<string, number>;
  readonly logs: string[];
}

describe('WsSession (real sockets)', () => {
  let setup: Setup;
  let gateway: WebSocketServer;
  const clients: Client[] = [];
  const nodes: FakeNode[] = [];

  async function start(
    options: {
      maxSessions?: number;
      maxClientBufferBytes?: number;
      deadlineMs?: number;
      pingIntervalMs?: number;
    } = {},
  ): Promise<Setup> {
    const [a, b] = await Promise.all([FakeNode.start('a'), FakeNode.start('b')]);
    nodes.push(a, b);
    const states = [state(a, 'primary', 0), state(b, 'backup', 1)];
    const clock = new ManualClock();
    const counts = new Map<string, number>();
    const logs: string[] = [];
    const count = (key: string, n = 1) => counts.set(key, (counts.get(key) ?? 0) + n);
    const metrics: SessionMetrics = {
      fromClient: () => count('fromClient'),
      toClient: () => count('toClient'),
      upstreamNode: (node, delta) => count(`node:${node}`, delta),
      reconnected: () => count('reconnected'),
      attempt: (status) => count(`attempt:${status}`),
      subscriptions: (delta) => count('subscriptions', delta),
    };
    const upstreams = states.map((n) => upstreamOf(n));
    const chooser = new WsNodeChooser({
      selector: new LayerSelector<ElNodeState>(
        'el',
        () => upstreams,
        new FirstHealthyStrategy(),
        () => 0,
      ),
      upstreams: () => upstreams,
      reportFailure: (name, reason) => {
        const s = states.find((n) => n.name === name);
        if (s) s.passiveFailure = reason;
      },
      failbackDelayMs: () => 0,
      now: () => Date.now(),
      budgetNow: () => 0,
    });
    const manager = new WsSessionManager(
      () => ({
        maxSessions: options.maxSessions ?? 100,
        pingIntervalMs: options.pingIntervalMs ?? 1000,
        sweepIntervalMs: 100,
      }),
      () => ({
        limits: LIMITS,
        nodes: chooser,
        connect: (url) => new WebSocket(url),
        clock,
        backoff: () => new Backoff(100, 1000, () => 0.5),
        metrics,
        log: { log: (m) => logs.push(m), warn: (m) => logs.push(m), debug: () => undefined },
        maxClientBufferBytes: options.maxClientBufferBytes ?? 1 << 20,
        reconnectDeadlineMs: options.deadlineMs ?? 5000,
      }),
      { opened: () => count('opened'), active: (d) => count('active', d) },
    );
    manager.start();
    gateway = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    gateway.on('connection', (ws) => manager.accept(ws));
    await once(gateway, 'listening');
    const url = `ws://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    setup = { a, b, states, clock, manager, url, counts, logs };
    return setup;
  }

  async function connect(): Promise<Client> {
    const client = await Client.connect(setup.url);
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await until(() => setup.manager.size === 0, 'sessions to end');
    await Promise.all(nodes.splice(0).map((n) => n.kill()));
    await new Promise((resolve) => gateway.close(resolve));
  });

  it('proxies requests and subscriptions with the client ids, whatever they are', async () => {
    const { a, counts } = await start();
    const client = await connect();
    client.send({ jsonrpc: '2.0', id: { any: ['json'] }, method: 'eth_chainId' });
    client.send({ jsonrpc: '2.0', id: 7, method: 'eth_subscribe', params: ['newHeads'] });
    expect((await client.answer({ any: ['json'] })).result).toMatchObject({ node: 'a' });
    const sub = (await client.answer(7)).result as string;
    a.emit('newHeads', { hash: '0x01', number: '0x1' });
    await until(() => client.notes(sub).length === 1, 'a notification');
    // upstream saw only proxy-owned numeric ids
    expect(a.requests.every((r) => typeof r.id === 'number')).toBe(true);
    expect(counts.get('node:a')).toBe(1);
    expect(counts.get('subscriptions')).toBe(1);
  });

  it('moves to the backup when its node dies, re-sends what was in flight, keeps the ids', async () => {
    const { a, b, states, counts, logs } = await start();
    const client = await connect();
    client.send({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] });
    const sub = (await client.answer(1)).result as string;
    a.hold = true;
    client.send({ jsonrpc: '2.0', id: 'in-flight', method: 'eth_getBalance', params: ['0x0'] });
    await until(() => a.requests.some((r) => r.method === 'eth_getBalance'), 'request at a');
    await a.kill();
    const answer = await client.answer('in-flight');
    expect(answer.result).toMatchObject({ node: 'b', method: 'eth_getBalance' });
    expect(states[0].passiveFailure).toMatch(/WebSocket closed \(1006\)/);
    await until(() => b.subscriptions() === 1, 're-subscribe at b');
    b.emit('newHeads', { hash: '0x02', number: '0x2' });
    await until(() => client.notes(sub).length === 1, 'a notification from b');
    // the re-subscribe answer never reached the client
    expect(client.frames.filter((f) => JSON.stringify(f.id) === '1')).toHaveLength(1);
    expect(counts.get('node:a')).toBe(0);
    expect(counts.get('node:b')).toBe(1);
    expect(counts.get('reconnected')).toBe(1);
    expect(logs.join('\n')).toMatch(/moved from a to b, connection lost/);
    expect(logs.join('\n')).not.toMatch(/secret-key/);
  });

  it('fails back to the primary before dropping the backup, and unsubscribes by original id', async () => {
    const { a, b, states, manager, counts } = await start();
    states[0].isHealthy = false;
    const client = await connect();
    client.send({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] });
    const sub = (await client.answer(1)).result as string;
    expect(sub).toMatch(/^0xb/);
    states[0].isHealthy = true;
    manager.nodesChanged();
    await until(() => a.subscriptions() === 1 && b.connections === 0, 'the move to a');
    expect(manager.byNode()).toEqual(new Map([['a', 1]]));
    expect(counts.get('node:a')).toBe(1);
    expect(counts.get('node:b')).toBe(0);
    a.emit('newHeads', { hash: '0x03' });
    await until(() => client.notes(sub).length === 1, 'a notification from a');
    client.send({ jsonrpc: '2.0', id: 2, method: 'eth_unsubscribe', params: [sub] });
    expect((await client.answer(2)).result).toBe(true);
    await until(() => a.subscriptions() === 0, 'the unsubscribe at a');
    client.send({ jsonrpc: '2.0', id: 3, method: 'eth_unsubscribe', params: [sub] });
    expect((await client.answer(3)).result).toBe(false);
  });

  it('keeps a client without a node, queues, and answers when a node comes back', async () => {
    const { states, manager, clock } = await start();
    for (const s of states) s.isHealthy = false;
    const client = await connect();
    client.send({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' });
    await clock.pass(3000);
    expect(client.frames).toHaveLength(0);
    states[1].isHealthy = true;
    manager.nodesChanged();
    expect((await client.answer(1)).result).toMatchObject({ node: 'b' });
  });

  it('answers what is queued and closes with 1013 when no node comes back in time', async () => {
    const { states, clock } = await start({ deadlineMs: 5000 });
    for (const s of states) s.isHealthy = false;
    const client = await connect();
    client.send({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' });
    await until(() => setup.counts.get('fromClient') === 1, 'the request to arrive');
    await clock.pass(5000);
    const answer = await client.answer(1);
    expect(answer.error).toMatchObject({ code: -32603, data: { reason: 'no_healthy_node' } });
    expect(await client.closed).toEqual({
      code: 1013,
      reason: expect.stringMatching(/no healthy node/),
    });
  });

  it('refuses sessions over max_sessions with 1013', async () => {
    await start({ maxSessions: 1 });
    await connect();
    const second = await connect();
    expect((await second.closed).code).toBe(1013);
  });

  it('answers binary frames and invalid JSON with -32700, and keeps the session', async () => {
    await start();
    const client = await connect();
    client.ws.send(Buffer.from('{}'), { binary: true });
    client.ws.send('{not json');
    await until(() => client.frames.length === 2, 'two errors');
    expect(client.frames.map((f) => (f.error as Json).code)).toEqual([-32700, -32700]);
    client.send({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' });
    expect((await client.answer(1)).result).toMatchObject({ node: 'a' });
  });

  it('closes its upstream when the client leaves', async () => {
    const { a, manager, counts } = await start();
    const client = await connect();
    client.send({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] });
    await client.answer(1);
    client.ws.close();
    await until(() => a.connections === 0 && manager.size === 0, 'the upstream to close');
    expect(counts.get('active')).toBe(0);
    expect(counts.get('subscriptions')).toBe(0);
    expect(counts.get('node:a')).toBe(0);
  });

  it('treats an upstream that stops answering pings as dead', async () => {
    const { a, b, clock } = await start();
    const client = await connect();
    client.send({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' });
    await client.answer(1);
    a.freeze();
    await clock.pass(2000);
    await until(() => b.connections === 1, 'the move to b');
    client.send({ jsonrpc: '2.0', id: 2, method: 'eth_chainId' });
    expect((await client.answer(2)).result).toMatchObject({ node: 'b' });
  });

  it('closes a client that stops answering pings, and its upstream', async () => {
    const { a, manager, clock } = await start();
    const client = await connect();
    client.send({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' });
    await client.answer(1);
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await clock.pass(2000);
    await until(() => manager.size === 0 && a.connections === 0, 'the session to end');
  });

  it('answers a request the node never answers with a timeout error', async () => {
    // Pings far apart: 30 s of fake time pass in 0.3 s of real time, and a pong that is
    // a few real milliseconds late must not make the upstream look dead here.
    const { a, clock } = await start({ pingIntervalMs: 120_000 });
    const client = await connect();
    a.hold = true;
    client.send({ jsonrpc: '2.0', id: 'slow', method: 'eth_call', params: [] });
    await until(() => a.requests.length === 1, 'the request at a');
    await clock.pass(LIMITS.requestTimeoutMs + 200, 1000);
    const answer = await client.answer('slow');
    expect(answer.error).toEqual({
      code: -32603,
      message: 'Upstream timeout: no answer within 30000 ms',
      data: { reason: 'upstream_timeout' },
    });
  });

  it('closes a client that does not read with 1008', async () => {
    const { a, manager } = await start({ maxClientBufferBytes: 64 * 1024 });
    const client = await connect();
    client.send({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] });
    await client.answer(1);
    const socket = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const extra = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400 && manager.size > 0; i++) {
      a.emit('newHeads', { hash: `0x${i}`, extra });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await until(() => manager.size === 0 && a.connections === 0, 'the session to end');
    socket.resume();
    expect(await client.closed).toEqual({ code: 1008, reason: expect.stringMatching(/too slow/) });
  });
});
