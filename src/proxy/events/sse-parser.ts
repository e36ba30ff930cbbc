import { StringDecoder } from 'node:string_decoder';

/** One dispatched server-sent event (WHATWG HTML, "Interpreting an event stream"). */
export interface SseEvent {
  /** The `event:` field; `message` when the event named none. */
  readonly event: string;
  /** The `data:` lines joined with `\n`. */
  readonly data: string;
  /** The `id:` field of this event, when it had one. */
  readonly id: string | undefined;
}

/** An upstream event (or a line without end) grew past the parser's limit. */
export class SseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`server-sent event larger than ${limit} characters`);
    this.name = 'SseTooLargeError';
  }
}

/** Largest event accepted from a node: light client updates are a few KiB. */
export const MAX_SSE_EVENT_CHARS = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Incremental parser of a `text/event-stream` body: bytes in (split anywhere, even
 * inside a UTF-8 sequence or between CR and LF), whole events out. Lines end with
 * CRLF, LF or CR; `:` lines are comments; an event is dispatched at a blank line and
 * only when it has data; a stream that ends in the middle of an event drops that
 * event (as EventSource does). Memory is bounded by `maxChars`: past it, `push`
 * throws SseTooLargeError and the caller drops the connection.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private afterCr = false;
  private started = false;
  private eventType = '';
  private data: string[] = [];
  private size = 0;
  private id: string | undefined;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly maxChars = MAX_SSE_EVENT_CHARS,
  ) {}

  push(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    if (text.length === 0) return;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0;
    if (this.afterCr && text.charCodeAt(0) === LF) start = 1;
    this.afterCr = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      const line = this.partial + text.slice(start, i);
      this.partial = '';
      if (c === CR) {
        if (i + 1 === text.length) this.afterCr = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
      this.line(line);
    }
    if (start < text.length) {
      this.partial += text.slice(start);
      if (this.partial.length + this.size > this.maxChars)
        throw new SseTooLargeError(this.maxChars);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 0x3a) return; // ':' comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        return;
      case 'data':
        this.size += value.length + 1;
        if (this.size > this.maxChars) throw new SseTooLargeError(this.maxChars);
        this.data.push(value);
        return;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        return;
      default:
        // `retry` and unknown fields: nothing Vixy acts on.
        return;
    }
  }

  private dispatch(): void {
    const { data, eventType, id } = this;
    this.data = [];
    this.size = 0;
    this.eventType = '';
    this.id = undefined;
    if (data.length === 0) return;
    this.onEvent({ event: eventType === '' ? 'message' : eventType, data: data.join('\n'), id });
  }
}
