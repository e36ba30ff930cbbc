import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { Backoff } from '../../common/backoff';
import { waitFor } from '../../../test/support';
import { NodeSockets } from './node-sockets';

// A node's shared connections against local WebSocket servers on 127.0.0.1: proxy-owned
// ids, subscriptions re-created after a reconnect, bounded reconnects to a node that
// closes every connection at once (code 1000), and a hung upgrade.

jest.setTimeout(20_000);

interface Node {
  readonly url: string;
  readonly server: Server;
  readonly wss: WebSocketServer;
  readonly requests: { id: unknown; method: string; params: unknown }[];
  connections: number;
  close(): Promise<void>;
}

/** A node that answers eth_subscribe with "0xs<n>" and eth_unsubscribe with true. */
async function startNode(onConnection?: (ws: WebSocket) => boolean): Promise<Node> {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const node: Node = {
    url: '',
    server,
    wss,
    requests: [],
    connections: 0,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      for (const s of sockets) s.destroy();
      wss.close();
      server.close();
      await once(server, 'close');
    },
  };
  let subs = 0;
  wss.on('connection', (ws) => {
    node.connections++;
    if (onConnection && !onConnection(ws)) return;
    ws.on('message', (data: Buffer) => {
      const req = JSON.parse(data.toString()) as { id: unknown; method: string; params: unknown };
      node.requests.push(req);
      const result = req.method === 'eth_subscribe' ? `0xs${++subs}` : true;
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, result }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(node, { url: `ws://127.0.0.1:${port}` });
}

function sockets(url: string, extra: Partial<ConstructorParameters<typeof NodeSockets>[0]> = {}) {
  const changes: number[] = [];
  const s = new NodeSockets({
    name: 'n1',
    url,
    count: 2,
    connect: (u) => new WebSocket(u, { handshakeTimeout: 300 }),
    requestTimeoutMs: () => 1000,
    onChange: (open) => changes.push(open),
    backoff: () => new Backoff(20, 200, () => 0.5),
    ...extra,
  });
  return { s, changes };
}

describe('NodeSockets', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('opens count connections and subscribes with its own ids, notifications to the owner', async () => {
    const node = await startNode();
    cleanups.push(() => node.close());
    const { s } = sockets(node.url);
    cleanups.push(() => s.close());
    s.start();
    await waitFor('2 open', () => (s.openCount === 2 ? true : undefined), { timeoutMs: 5000 });
    expect(s.available).toBe(true);
    const seen: unknown[] = [];
    const sub = s.subscribe(['newHeads'], { onNotification: (r) => seen.push(r) });
    await waitFor('live', () => (sub.live ? true : undefined), { timeoutMs: 5000 });
    expect(node.requests).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] },
    ]);
    for (const ws of node.wss.clients) {
      ws.send(
        JSON.stringify({
          jsonrpc: '2.0',
          method: 'eth_subscription',
          params: { subscription: '0xs1', result: { n: 1 } },
        }),
      );
      // a notification of a subscription nobody made is dropped
      ws.send(
        JSON.stringify({
          jsonrpc: '2.0',
          method: 'eth_subscription',
          params: { subscription: '0xother', result: { n: 2 } },
        }),
      );
    }
    await waitFor('note', () => (seen.length >= 1 ? true : undefined), { timeoutMs: 5000 });
    expect(seen).toEqual([{ n: 1 }]);
    sub.close();
    await waitFor(
      'unsubscribed',
      () => (node.requests.some((r) => r.method === 'eth_unsubscribe') ? true : undefined),
      { timeoutMs: 5000 },
    );
    expect(node.requests.at(-1)?.params).toEqual(['0xs1']);
  });

  it('re-creates a subscription on another connection after its connection closed', async () => {
    const node = await startNode();
    cleanups.push(() => node.close());
    const { s } = sockets(node.url);
    cleanups.push(() => s.close());
    s.start();
    await waitFor('2 open', () => (s.openCount === 2 ? true : undefined), { timeoutMs: 5000 });
    let lost = 0;
    let live = 0;
    const sub = s.subscribe(['newHeads'], {
      onNotification: () => undefined,
      onLive: () => live++,
      onLost: () => lost++,
    });
    await waitFor('live', () => (sub.live ? true : undefined), { timeoutMs: 5000 });
    const carrying = [...node.wss.clients].find((ws) => ws.readyState === WebSocket.OPEN);
    for (const ws of node.wss.clients) ws.close(1001);
    expect(carrying).toBeDefined();
    await waitFor('live again', () => (live >= 2 && sub.live ? true : undefined), {
      timeoutMs: 5000,
    });
    expect(lost).toBeGreaterThanOrEqual(1);
    expect(node.requests.filter((r) => r.method === 'eth_subscribe').length).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('reconnects ever more slowly to a node that closes every connection with 1000 at once', async () => {
    const node = await startNode((ws) => {
      ws.close(1000);
      return false;
    });
    cleanups.push(() => node.close());
    const { s } = sockets(node.url, { count: 1, backoff: () => new Backoff(50, 1000, () => 1) });
    cleanups.push(() => s.close());
    s.start();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // 50, 100, 200, 400, 800 ms... : about 6 connections in 2 s, never a tight loop.
    expect(node.connections).toBeGreaterThanOrEqual(3);
    expect(node.connections).toBeLessThanOrEqual(8);
    expect(s.available).toBe(false);
  });

  it('keeps a node whose upgrade hangs out of rotation, with the reason', async () => {
    // accepts TCP and never answers the upgrade
    const server = createServer();
    server.on('upgrade', () => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const hung: Socket[] = [];
    server.on('connection', (c) => hung.push(c));
    cleanups.push(async () => {
      for (const c of hung) c.destroy();
      server.close();
      await once(server, 'close');
    });
    const { port } = server.address() as AddressInfo;
    const { s } = sockets(`ws://127.0.0.1:${port}`, { count: 1 });
    cleanups.push(() => s.close());
    s.start();
    await waitFor('a failure', () => (s.lastFailure ? true : undefined), { timeoutMs: 5000 });
    expect(s.available).toBe(false);
    expect(s.lastFailure).toMatch(/connect failed/);
    expect(s.lastFailure).not.toContain('127.0.0.1');
  });
});
