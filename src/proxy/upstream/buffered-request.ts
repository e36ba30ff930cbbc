import { type Dispatcher } from 'undici';
import { toUpstreamError, type UpstreamError } from './upstream-errors';

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

/** Collects one response; undici calls it on the pool's connection. */
class BufferingHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private contentType: string | undefined;
  private retryAfter: string | undefined;
  private readonly chunks: Buffer[] = [];

  constructor(private readonly resolve: (outcome: BufferedResponse | UpstreamError) => void) {}

  /** Defined so that undici treats this as a (non-deprecated) controller-style handler. */
  onRequestStart(): void {}

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, Header>,
  ): void {
    this.status = status;
    this.contentType = first(headers['content-type']);
    this.retryAfter = first(headers['retry-after']);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const { chunks } = this;
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    this.resolve({
      status: this.status,
      contentType: this.contentType,
      retryAfter: this.retryAfter,
      body,
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.resolve(toUpstreamError(err));
  }
}

/**
 * Sends one request and resolves with the whole response (EL answers are JSON
 * documents that are passed on as one piece), or with the classified failure: never
 * rejects, so that the caller handles both outcomes after a single await.
 */
export function requestBuffered(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
): Promise<BufferedResponse | UpstreamError> {
  return new Promise((resolve) => {
    dispatcher.dispatch(options, new BufferingHandler(resolve));
  });
}
