import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

// A local EL node (JSON-RPC over HTTP POST and WebSocket on one port, as anvil) that
// misbehaves on demand: slow answers, garbage, a connection closed mid-response, 429
// with Retry-After, or a WebSocket that stalls without closing. Health checks
// (eth_blockNumber over HTTP) are answered well unless `spareHealthChecks` is false, so
// the node stays healthy and only the proxied traffic sees the misbehaviour.

export type Behaviour =
  | { readonly kind: 'ok' }
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: 'garbage' }
  | { readonly kind: 'close-mid-response' }
  | { readonly kind: 'rate-limited'; readonly retryAfterS: number }
  | { readonly kind: 'ws-stall' };

interface RpcCall {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
}

export class MisbehavingUpstream {
  behaviour: Behaviour = { kind: 'ok' };
  spareHealthChecks = true;
  /** Proxied HTTP calls (health checks excluded) and WebSocket frames received. */
  httpCalls = 0;
  wsFrames = 0;
  /** Subscription ids this node handed out, oldest first. */
  readonly subscriptionIds: string[] = [];
  /** The eth_subscribe params of each id of subscriptionIds. */
  readonly subscriptionParams: unknown[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly wss: WebSocketServer;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    readonly name: string,
    private readonly server: Server,
  ) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.wss = new WebSocketServer({ server });
    this.wss.on('connection', (ws) => this.onWs(ws));
  }

  static async start(name: string): Promise<MisbehavingUpstream> {
    const node = new MisbehavingUpstream(name, createServer());
    node.server.listen(0, '127.0.0.1');
    await once(node.server, 'listening');
    return node;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get wsUrl(): string {
    return this.httpUrl.replace('http', 'ws');
  }

  /** Open WebSocket connections from Vixy. */
  get wsClients(): number {
    return this.wss.clients.size;
  }

  /** The result this node gives to a call: its name, or what health and subscribe need. */
  resultOf(call: RpcCall): unknown {
    switch (call.method) {
      case 'eth_blockNumber':
        return '0x64';
      case 'eth_chainId':
        return '0x7a69';
      case 'eth_subscribe': {
        const id = `0x${Buffer.from(this.name).toString('hex')}${this.subscriptionIds.length + 1}`;
        this.subscriptionIds.push(id);
        this.subscriptionParams.push(call.params);
        return id;
      }
      case 'eth_unsubscribe':
        return true;
      default:
        return this.name;
    }
  }

  private answerText(body: string): string {
    const answer = (c: RpcCall) => ({ jsonrpc: '2.0', id: c.id ?? null, result: this.resultOf(c) });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return JSON.stringify({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: 'parse' },
      });
    }
    return JSON.stringify(
      Array.isArray(parsed) ? parsed.map((c: RpcCall) => answer(c)) : answer(parsed as RpcCall),
    );
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const isHealth = /^\{[^[]*"method":"eth_blockNumber"/.test(body);
      const behaviour =
        isHealth && this.spareHealthChecks ? { kind: 'ok' as const } : this.behaviour;
      if (!isHealth) this.httpCalls += 1;
      const text = this.answerText(body);
      switch (behaviour.kind) {
        case 'ok':
        case 'ws-stall':
          res.writeHead(200, { 'content-type': 'application/json' }).end(text);
          return;
        case 'slow':
          this.later(behaviour.delayMs, () => {
            if (!res.destroyed)
              res.writeHead(200, { 'content-type': 'application/json' }).end(text);
          });
          return;
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' }).end('<html>\x00\xff{"jsonrpc');
          return;
        case 'close-mid-response':
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': String(text.length + 100),
          });
          res.write(text.slice(0, Math.max(1, text.length >> 1)));
          this.later(5, () => res.socket?.destroy());
          return;
        case 'rate-limited':
          res
            .writeHead(429, {
              'content-type': 'text/plain',
              'retry-after': String(behaviour.retryAfterS),
            })
            .end('Too Many Requests');
          return;
        default: {
          const never: never = behaviour;
          throw new Error(`unknown behaviour ${JSON.stringify(never)}`);
        }
      }
    });
  }

  private onWs(ws: WebSocket): void {
    ws.on('message', (data) => {
      this.wsFrames += 1;
      if (this.behaviour.kind === 'ws-stall') return;
      ws.send(this.answerText(String(data)));
    });
  }

  /** Stalls every open WebSocket: its socket is no longer read (no answer, no pong). */
  stallWebSockets(): void {
    this.behaviour = { kind: 'ws-stall' };
    for (const ws of this.wss.clients) {
      (ws as unknown as { _socket: Socket })._socket.pause(); // ws keeps the raw socket here
    }
  }

  /** A notification on every open WebSocket for subscription `sub`. */
  notify(sub: string, result: unknown): void {
    const text = JSON.stringify({
      jsonrpc: '2.0',
      method: 'eth_subscription',
      params: { subscription: sub, result },
    });
    for (const ws of this.wss.clients) ws.send(text);
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.sockets) socket.destroy();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
