import { type Dispatcher } from 'undici';
import {
  type AttemptFailure,
  ResponseTooLargeError,
  transportFailure,
} from '../failover/attempt-failure';

/** A whole upstream response: what the EL proxy needs of it. */
export interface BufferedResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly retryAfter: string | undefined;
  readonly body: Buffer;
}

type Header = string | string[] | undefined;

function first(value: Header): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Collects one response, at most `maxBytes` of it; undici calls it on the pool's connection. */
class BufferingHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private contentType: string | undefined;
  private retryAfter: string | undefined;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;

  constructor(
    private readonly maxBytes: number,
    private readonly resolve: (outcome: BufferedResponse | AttemptFailure) => void,
  ) {}

  /** Defined so that undici treats this as a (non-deprecated) controller-style handler. */
  onRequestStart(): void {}

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, Header>,
  ): void {
    this.status = status;
    this.contentType = first(headers['content-type']);
    this.retryAfter = first(headers['retry-after']);
    const declared = Number(first(headers['content-length']));
    if (declared > this.maxBytes) this.tooLarge(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.maxBytes) return this.tooLarge(controller);
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    const { chunks } = this;
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size);
    this.resolve({
      status: this.status,
      contentType: this.contentType,
      retryAfter: this.retryAfter,
      body,
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(transportFailure(err));
  }

  /** Over the limit: the rest is not read (the connection is dropped), the call fails. */
  private tooLarge(controller: Dispatcher.DispatchController): void {
    this.settled = true;
    this.chunks.length = 0;
    const error = new ResponseTooLargeError(this.maxBytes);
    this.resolve(transportFailure(error));
    controller.abort(error);
  }
}

/**
 * Sends one request and resolves with the whole response (EL answers are JSON
 * documents that are passed on as one piece, at most `maxBytes`), or with the
 * classified failure: never rejects, so that the caller handles both outcomes after a
 * single await.
 */
export function requestBuffered(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  maxBytes: number,
): Promise<BufferedResponse | AttemptFailure> {
  return new Promise((resolve) => {
    dispatcher.dispatch(options, new BufferingHandler(maxBytes, resolve));
  });
}
