import { type BeaconNodes, type BeaconStream } from './beacon-nodes';
import {
  type EventsClock,
  RECONNECT_MAX_MS,
  RECONNECT_MIN_MS,
  type TimerHandle,
} from './events.constants';
import { type SseEvent, SseParser, SseTooLargeError } from './sse-parser';

export type StreamState = 'stopped' | 'connecting' | 'open' | 'down';

/** A node refused the stream with an HTTP status (e.g. 400 for a topic it does not know). */
export interface Refusal {
  readonly status: number;
  readonly contentType: string;
  /** The start of its answer (at most REFUSAL_BODY_BYTES). */
  readonly body: string;
}

export interface StreamHooks {
  onOpen(): void;
  onEvent(event: SseEvent): void;
  /** The stream failed or ended; it reconnects by itself after a back-off. */
  onDown(reason: string, refusal?: Refusal): void;
}

const REFUSAL_BODY_BYTES = 4096;

/**
 * One server-sent event stream from one node, kept open: connects, parses, and after
 * any failure or end reconnects with a capped exponential back-off (with jitter)
 * until stopped. A connection error is reported to passive health like any CL request.
 */
export class UpstreamStream {
  private current: AbortController | undefined;
  private retry: TimerHandle | undefined;
  private failures = 0;
  private status: StreamState = 'stopped';

  constructor(
    private readonly nodes: BeaconNodes,
    readonly node: string,
    private readonly path: string,
    private readonly clock: EventsClock,
    private readonly hooks: StreamHooks,
  ) {}

  get state(): StreamState {
    return this.status;
  }

  start(): void {
    if (this.status === 'stopped') this.connect();
  }

  stop(): void {
    this.status = 'stopped';
    if (this.retry !== undefined) this.clock.clear(this.retry);
    this.retry = undefined;
    this.current?.abort();
    this.current = undefined;
  }

  /** Drops the connection and opens a new one at once (a silent, maybe half-open, socket). */
  restart(): void {
    if (this.status === 'stopped') return;
    this.stop();
    this.connect();
  }

  private connect(): void {
    this.retry = undefined;
    this.status = 'connecting';
    const attempt = new AbortController();
    this.current = attempt;
    this.nodes.openStream(this.node, this.path, attempt.signal).then(
      (res) => this.opened(attempt, res),
      (err: unknown) => this.failed(attempt, err),
    );
  }

  private isCurrent(attempt: AbortController): boolean {
    return this.current === attempt && this.status !== 'stopped';
  }

  private opened(attempt: AbortController, res: BeaconStream): void {
    if (!this.isCurrent(attempt)) {
      res.body.destroy();
      return;
    }
    if (res.status !== 200) {
      void readStart(res).then((body) => {
        if (!this.isCurrent(attempt)) return;
        const refusal = { status: res.status, contentType: res.contentType, body };
        this.down(`HTTP ${res.status}`, refusal);
      });
      return;
    }
    this.status = 'open';
    this.failures = 0;
    const parser = new SseParser((event) => {
      if (this.current === attempt) this.hooks.onEvent(event);
    });
    const ended = (reason: string): void => {
      if (this.isCurrent(attempt)) this.down(reason);
    };
    res.body.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        res.body.destroy(err as Error);
      }
    });
    res.body.once('error', (err) => {
      if (err instanceof SseTooLargeError) return ended(err.message);
      if (!this.isCurrent(attempt)) return;
      // Down first: a report moves the streams at once, and they must see why.
      ended(this.nodes.describe(err));
      this.nodes.reportFailure(this.node, err);
    });
    res.body.once('end', () => ended('closed by the node'));
    res.body.once('close', () => ended('closed'));
    this.hooks.onOpen();
  }

  private failed(attempt: AbortController, err: unknown): void {
    if (!this.isCurrent(attempt)) return;
    this.down(this.nodes.describe(err));
    this.nodes.reportFailure(this.node, err);
  }

  private down(reason: string, refusal?: Refusal): void {
    this.current?.abort();
    this.current = undefined;
    this.status = 'down';
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 16);
    this.retry = this.clock.setTimeout(() => this.connect(), base / 2 + Math.random() * (base / 2));
    this.hooks.onDown(reason, refusal);
  }
}

/** The first bytes of a refusal's body; the rest is dropped with the connection. */
async function readStart(res: BeaconStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= REFUSAL_BODY_BYTES) break;
    }
  } catch {
    // What arrived is enough.
  } finally {
    res.body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, REFUSAL_BODY_BYTES).toString('utf8');
}
