import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { type FakeBlock, type FakeChain } from './fake-chain';

/**
 * A scriptable beacon node on 127.0.0.1 for event stream tests: the beacon API of a
 * FakeChain as far as this node has followed it, and `/eth/v1/events` whose events the
 * test sends (`follow()`, `emit()`, `sendRaw()`), with faults on demand: silence,
 * frozen answers, closing in the middle of an event, writes split into small chunks,
 * refused topics, headers held back until the first event (as Lodestar 1.5.1 does).
 */

interface EventClient {
  readonly res: ServerResponse;
  readonly topics: ReadonlySet<string>;
  headersSent: boolean;
  /** Pending split writes, in order. */
  queue: Promise<void>;
}

export class SseBeacon {
  /** URLs of every request received, in order. */
  readonly requests: string[] = [];
  /** Slot of the newest chain block this node has seen (what its API and events show). */
  seen: number;
  /** Topics answered 400 (a node that does not know them). */
  readonly rejectTopics = new Set<string>();
  /** Write every event in chunks of this many bytes (0: in one write). */
  chunkBytes = 0;
  /** Send the response headers of a stream only with its first event, as Lodestar does. */
  lazyHeaders = false;
  private frozen = false;
  private readonly held: (() => void)[] = [];
  private readonly clients = new Set<EventClient>();
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(
    readonly name: string,
    readonly chain: FakeChain,
  ) {
    this.seen = chain.head.slot;
    this.server = createServer((req, res) => this.onRequest(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(name: string, chain: FakeChain): Promise<SseBeacon> {
    const node = new SseBeacon(name, chain);
    await new Promise<void>((resolve) => node.server.listen(0, '127.0.0.1', resolve));
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Open event streams (subscribers) right now. */
  get streams(): number {
    return this.clients.size;
  }

  eventRequests(): string[] {
    return this.requests.filter((u) => u.startsWith('/eth/v1/events'));
  }

  /** Sees the chain's blocks up to its head: a block and a head event for each, as a node does. */
  follow(): FakeBlock[] {
    const fresh = this.chain.blocks.filter((b) => b.slot > this.seen);
    for (const block of fresh) {
      this.seen = block.slot;
      this.emit('block', this.chain.blockData(block));
      this.emit('head', this.chain.headData(block));
    }
    return fresh;
  }

  /** Announces the chain's current finality. */
  announceFinality(): void {
    this.emit('finalized_checkpoint', this.chain.finalizedData());
  }

  emit(topic: string, data: string): void {
    this.write(`event: ${topic}\ndata: ${data}\n\n`, topic);
  }

  /** Raw bytes to every stream (comments, odd line ends...). */
  sendRaw(text: string): void {
    this.write(text, undefined);
  }

  /** Ends every stream; `midEvent`: after the first half of a block event for `block`. */
  closeStreams(options: { midEvent?: FakeBlock } = {}): void {
    for (const client of this.clients) {
      if (options.midEvent !== undefined) {
        const text = `event: block\ndata: ${this.chain.blockData(options.midEvent)}\n\n`;
        this.send(client, text.slice(0, Math.floor(text.length / 2)));
      }
      client.res.destroy();
    }
    this.clients.clear();
  }

  /** Hangs: nothing is sent or answered until `thaw()` (a SIGSTOPped node). */
  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const run of this.held.splice(0)) run();
  }

  /** Kills the node: every connection dropped, new ones refused. */
  async kill(): Promise<void> {
    this.frozen = false;
    this.held.length = 0;
    this.clients.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await this.kill();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(req.url ?? '');
    const run = (): void => this.answer(req, res);
    if (this.frozen) this.held.push(run);
    else run();
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url.startsWith('/eth/v1/events')) return this.openStream(req, res);
    const { status, body } = this.chain.answer(url, this.seen);
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json' }).end(text);
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    const topics = new URL(req.url ?? '/', 'http://x').searchParams.getAll('topics');
    const refused = topics.find((t) => this.rejectTopics.has(t));
    if (refused !== undefined) {
      const body = JSON.stringify({ code: 400, message: `Invalid topic: ${refused}` });
      res.writeHead(400, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const client: EventClient = {
      res,
      topics: new Set(topics),
      headersSent: false,
      queue: Promise.resolve(),
    };
    if (!this.lazyHeaders) this.sendHeaders(client);
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
  }

  private sendHeaders(client: EventClient): void {
    client.res.writeHead(200, { 'content-type': 'text/event-stream' });
    client.res.flushHeaders();
    client.headersSent = true;
  }

  private write(text: string, topic: string | undefined): void {
    if (this.frozen) return;
    for (const client of this.clients) {
      if (topic === undefined || client.topics.has(topic)) this.send(client, text);
    }
  }

  private send(client: EventClient, text: string): void {
    if (!client.headersSent) this.sendHeaders(client);
    if (this.chunkBytes <= 0) {
      client.res.write(text);
      return;
    }
    // One piece per timer turn, so that the reader gets them as separate chunks.
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += this.chunkBytes) {
      const piece = bytes.subarray(i, i + this.chunkBytes);
      client.queue = client.queue.then(
        () =>
          new Promise<void>((resolve) => {
            setTimeout(() => {
              if (!client.res.destroyed) client.res.write(piece);
              resolve();
            }, 1);
          }),
      );
    }
  }

  /** Resolves once every split write queued so far went out. */
  async flushed(): Promise<void> {
    await Promise.all([...this.clients].map((c) => c.queue));
  }
}
