import { type ServerResponse } from 'node:http';
import { type LogEntry, type Replay } from './chain-log';
import { comparePositions, extraEventId, type Position } from './event-id';
import { type EventsClock, MAX_CLIENT_BUFFER_BYTES, type TimerHandle } from './events.constants';
import { formatEvent, KEEPALIVE_COMMENT } from './sse-format';
import { type SseEvent } from './sse-parser';
import { type TopicSelection } from './topics';

export type CloseReason = 'client' | 'slow' | 'shutdown';

export interface ClientStreamDeps {
  readonly clock: EventsClock;
  /** An event was written to the client. */
  readonly delivered: (topic: string) => void;
  /** The stream ended, for any reason (called once). */
  readonly closed: (reason: CloseReason) => void;
}

/**
 * One client's `text/event-stream` response. Writes the chain log's events of its
 * topics and the events of its other topics, each with an id; a comment every
 * keep-alive interval. A client that does not read is closed once more than
 * MAX_CLIENT_BUFFER_BYTES wait for it: its memory never grows past that.
 */
export class ClientStream {
  /** Id of the newest log event this stream has passed (of any topic): the base of other ids. */
  private base = '';
  private extras = 0;
  private started = false;
  private done = false;
  private floor: Position | null = null;
  private keepalive: TimerHandle | undefined;

  constructor(
    private readonly res: ServerResponse,
    readonly topics: TopicSelection,
    private readonly deps: ClientStreamDeps,
  ) {
    res.once('close', () => this.finish('client'));
  }

  get open(): boolean {
    return !this.done;
  }

  /**
   * Starts the stream: a resume's missed events first, then whatever comes. `base`:
   * the log's newest id, the id of events of other topics until the next log event.
   */
  begin(replay: Replay | undefined, keepaliveMs: number, base: string): void {
    if (this.done) return;
    this.started = true;
    this.setKeepalive(keepaliveMs);
    this.base = base;
    if (replay === undefined) return;
    this.base = replay.base;
    this.floor = replay.floor;
    for (const entry of replay.entries) this.onLog(entry);
  }

  onLog(entry: LogEntry): void {
    if (!this.started || this.done) return;
    if (this.floor !== null) {
      if (comparePositions(entry.position, this.floor) <= 0) return;
      this.floor = null;
    }
    this.base = entry.id;
    if (!this.topics.core.has(entry.topic)) return;
    if (this.write(entry.wire)) this.deps.delivered(entry.topic);
  }

  onExtra(event: SseEvent): void {
    if (!this.started || this.done) return;
    this.extras += 1;
    const id = extraEventId(this.base, this.extras);
    if (this.write(formatEvent(id, event.event, event.data))) this.deps.delivered(event.event);
  }

  setKeepalive(ms: number): void {
    if (this.keepalive !== undefined) this.deps.clock.clear(this.keepalive);
    this.keepalive = this.done
      ? undefined
      : this.deps.clock.setInterval(() => this.write(KEEPALIVE_COMMENT), ms);
  }

  /** Ends the response (shutdown) or drops it (slow client). */
  close(reason: CloseReason): void {
    if (this.done) return;
    if (reason === 'slow') this.res.destroy();
    else this.res.end();
    this.finish(reason);
  }

  private write(text: string): boolean {
    if (this.done) return false;
    if (this.res.writableLength > MAX_CLIENT_BUFFER_BYTES) {
      this.close('slow');
      return false;
    }
    this.res.write(text);
    return true;
  }

  private finish(reason: CloseReason): void {
    if (this.done) return;
    this.done = true;
    if (this.keepalive !== undefined) this.deps.clock.clear(this.keepalive);
    this.keepalive = undefined;
    this.deps.closed(reason);
  }
}
