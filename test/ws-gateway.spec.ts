import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { WebSocket, WebSocketServer } from 'ws';
import { AppModule } from '../src/app.module';
import { parseConfig } from '../src/config';

// The /el/ws gateway in the real application (Fastify, platform-ws's WsAdapter as in
// main.ts) on a loopback port, in front of a small EL node that speaks HTTP (for the
// health checks) and WebSocket on one port, as anvil does.

interface Rpc {
  id?: unknown;
  method: string;
  params?: unknown[];
}

function answer(req: Rpc, sockets: WebSocket | null): unknown {
  switch (req.method) {
    case 'eth_blockNumber':
      return '0x10';
    case 'eth_chainId':
      return '0x7a69';
    case 'eth_subscribe':
      return sockets ? '0xsub1' : null;
    default:
      return null;
  }
}

/** An EL node: JSON-RPC over HTTP POST and over WebSocket on the same port. */
async function startNode(): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const rpc = JSON.parse(body) as Rpc;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: answer(rpc, null) }));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      const rpc = JSON.parse(String(data)) as Rpc;
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: answer(rpc, ws) }));
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `127.0.0.1:${port}`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Client {
  readonly ws: WebSocket;
  readonly frames: Record<string, unknown>[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  ws.on('error', () => undefined);
  await once(ws, 'open');
  return { ws, frames, closed };
}

async function answerOf(client: Client, id: unknown): Promise<Record<string, unknown>> {
  const end = Date.now() + 5000;
  for (;;) {
    const found = client.frames.find((f) => f.id === id);
    if (found) return found;
    if (Date.now() > end) throw new Error(`no answer for id ${String(id)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('GET /el/ws (application)', () => {
  let node: Awaited<ReturnType<typeof startNode>>;
  let app: NestFastifyApplication;
  let base: string;
  const clients: Client[] = [];

  beforeEach(async () => {
    node = await startNode();
    const config = parseConfig(
      [
        '[global]\nhealth_check_interval_ms = 100\nhealth_check_timeout_ms = 500',
        '[websocket]\nmax_sessions = 2\nmax_message_bytes = 1024',
        `[[el.primary]]\nname = "node-1"\nhttp_url = "http://${node.url}"\nws_url = "ws://${node.url}"`,
        '[[cl]]\nname = "cl-1"\nurl = "http://127.0.0.1:9"',
      ].join('\n'),
      'ws-gateway.toml',
    );
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config)],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    base = `ws://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await app.close();
    await node.close();
    register.clear();
  });

  async function client(path: string): Promise<Client> {
    const c = await connect(base + path);
    clients.push(c);
    return c;
  }

  it.each(['/el/ws', '/el/ws/', '/el/ws/?tenant=a'])('serves JSON-RPC on %s', async (path) => {
    const c = await client(path);
    c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }));
    expect(await answerOf(c, 1)).toEqual({ jsonrpc: '2.0', id: 1, result: '0x7a69' });
  });

  it('closes a client whose frame is over max_message_bytes with 1009', async () => {
    const c = await client('/el/ws');
    c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x', params: ['a'.repeat(2000)] }));
    expect(await c.closed).toEqual({ code: 1009, reason: 'message larger than 1024 bytes' });
  });

  it('refuses a session over max_sessions with 1013', async () => {
    await client('/el/ws');
    await client('/el/ws');
    const third = await client('/el/ws');
    expect(await third.closed).toEqual({
      code: 1013,
      reason: 'too many sessions, try again later',
    });
  });

  it('records the session in the ws_* metrics', async () => {
    const c = await client('/el/ws');
    c.ws.send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }),
    );
    await answerOf(c, 1);
    const text = await register.metrics();
    expect(text).toMatch(/^vixy_ws_connections_active 1$/m);
    expect(text).toMatch(/^vixy_ws_upstream_node\{node="node-1"\} 1$/m);
    expect(text).toMatch(/^vixy_ws_subscriptions_active 1$/m);
    // message counts are added once a second
    const end = Date.now() + 3000;
    let messages = '';
    while (Date.now() < end && !/client_to_upstream"\} 1$/m.test(messages)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      messages = await register.metrics();
    }
    expect(messages).toMatch(/^vixy_ws_messages_total\{direction="client_to_upstream"\} 1$/m);
    expect(messages).toMatch(/^vixy_ws_messages_total\{direction="upstream_to_client"\} 1$/m);
  });

  it('closes every client with 1001 when the application stops', async () => {
    const c = await client('/el/ws');
    c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }));
    await answerOf(c, 1);
    const closing = app.close();
    expect(await c.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    await closing;
    app = { close: async () => undefined } as unknown as NestFastifyApplication;
  });
});
