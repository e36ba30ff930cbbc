import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

/**
 * A TCP front on 127.0.0.1 for a node's WebSocket endpoint (anvil: HTTP and WebSocket on
 * one port). Plain HTTP requests are piped to the node; a WebSocket upgrade is piped
 * (`pass`), accepted and closed at once with 1000 (`close-1000`), or left unanswered
 * with its socket open (`hang`). It counts the upgrades it got and the WebSocket
 * connections it holds open, so that a test sees how a proxy connects to the node.
 */

export type WsFrontBehaviour = 'pass' | 'close-1000' | 'hang';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HEAD_BYTES = 64 * 1024;

export class WsFront {
  behaviour: WsFrontBehaviour;
  /** Arrival time of every WebSocket upgrade request. */
  readonly upgrades: number[] = [];
  private readonly sockets = new Set<Socket>();
  private openWs = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
    behaviour: WsFrontBehaviour,
  ) {
    this.behaviour = behaviour;
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(targetPort: number, behaviour: WsFrontBehaviour): Promise<WsFront> {
    const front = new WsFront(createServer(), { host: '127.0.0.1', port: targetPort }, behaviour);
    front.server.listen(0, '127.0.0.1');
    await once(front.server, 'listening');
    return front;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** WebSocket connections open through this front right now (passed or hanging). */
  get openWebSockets(): number {
    return this.openWs;
  }

  /** Upgrades received since `since` (ms since the epoch). */
  upgradesSince(since: number): number {
    return this.upgrades.filter((at) => at >= since).length;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    return socket;
  }

  /** Reads the request head, then decides what to do with the connection. */
  private accept(socket: Socket): void {
    this.track(socket);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const text = head.subarray(0, end).toString('latin1');
      if (/^upgrade:\s*websocket\s*$/im.test(text)) this.upgrade(socket, text, head);
      else this.pipe(socket, head);
    };
    socket.on('data', onData);
  }

  private upgrade(socket: Socket, text: string, head: Buffer): void {
    this.upgrades.push(Date.now());
    this.openWs += 1;
    socket.once('close', () => (this.openWs -= 1));
    switch (this.behaviour) {
      case 'pass':
        this.pipe(socket, head);
        return;
      case 'hang':
        return; // never answered; the socket stays open until the client gives up
      case 'close-1000': {
        const key = /^sec-websocket-key:\s*(\S+)\s*$/im.exec(text)?.[1] ?? '';
        const accept = createHash('sha1')
          .update(key + WS_GUID)
          .digest('base64');
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        // A close frame, unmasked: FIN + opcode 8, length 2, code 1000.
        socket.end(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
        return;
      }
      default: {
        const never: never = this.behaviour;
        throw new Error(`unknown behaviour ${String(never)}`);
      }
    }
  }

  private pipe(socket: Socket, head: Buffer): void {
    const upstream = this.track(connect(this.target.port, this.target.host));
    upstream.write(head);
    socket.pipe(upstream).pipe(socket);
    socket.resume();
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  }
}
