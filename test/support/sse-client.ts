import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { waitFor } from './wait';

/** One event as a client received it. */
export interface ReceivedEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
  /** performance.now() when it arrived. */
  readonly at: number;
}

/**
 * A test client of an event stream (node:http, no EventSource): keeps every event and
 * comment it received, in order. Vixy writes `\n` line ends only, which is all this
 * reader handles.
 */
export class SseClient {
  readonly events: ReceivedEvent[] = [];
  readonly comments: string[] = [];
  /** The body of an answer that is not a stream. */
  text = '';
  ended = false;
  private partial = '';

  private constructor(
    private readonly req: ClientRequest,
    readonly res: IncomingMessage,
  ) {
    res.setEncoding('utf8');
    const stream = res.statusCode === 200;
    res.on('data', (chunk: string) => (stream ? this.push(chunk) : (this.text += chunk)));
    res.on('end', () => (this.ended = true));
    res.on('close', () => (this.ended = true));
    res.on('error', () => (this.ended = true));
  }

  /** Resolves with the response headers (any status). */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, {
        headers: { accept: 'text/event-stream', ...headers },
        agent: false,
      });
      req.on('response', (res) => resolve(new SseClient(req, res)));
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url}`)));
      req.end();
    });
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  get lastId(): string | undefined {
    return this.events.at(-1)?.id;
  }

  of(topic: string): ReceivedEvent[] {
    return this.events.filter((e) => e.event === topic);
  }

  /** Slots of the block (or head) events received, in order. */
  slots(topic = 'block'): number[] {
    return this.of(topic).map((e) => Number((JSON.parse(e.data) as { slot: string }).slot));
  }

  async waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    await waitFor(what, () => (check() ? true : undefined), {
      timeoutMs,
      intervalMs: 10,
      abortIf: () => (this.ended && !check() ? 'the stream ended' : undefined),
    });
  }

  /** Waits for a block event of `slot`. */
  waitForBlock(slot: number, timeoutMs?: number): Promise<void> {
    return this.waitUntil(`block ${slot}`, () => this.slots().includes(slot), timeoutMs);
  }

  close(): void {
    this.req.destroy();
    this.res.destroy();
  }

  private push(chunk: string): void {
    const text = this.partial + chunk;
    const blocks = text.split('\n\n');
    this.partial = blocks.pop() ?? '';
    for (const block of blocks) {
      const at = performance.now();
      let id: string | undefined;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments.push(line.slice(1).trim());
          continue;
        }
        const colon = line.indexOf(':');
        const field = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) this.events.push({ id, event, data: data.join('\n'), at });
    }
  }
}
