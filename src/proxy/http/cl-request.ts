import { type IncomingMessage } from 'node:http';
import { type Readable, Transform } from 'node:stream';

// Helpers for one CL request: its body (streamed, with the size limit enforced on the
// way) and how it is recognised as an event stream.

export const CL_PREFIX = '/cl';

/** The request body was larger than `[proxy].max_body_bytes`. */
export class BodyTooLargeError extends Error {
  readonly code = 'VIXY_BODY_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Declared Content-Length; -1 when absent or unreadable. */
export function contentLength(req: IncomingMessage): number {
  const value = req.headers['content-length'];
  if (value === undefined || !/^\d+$/.test(value)) return -1;
  return Number(value);
}

/**
 * The body to forward, or undefined when there is none. GET and HEAD bodies are not
 * forwarded. A body of declared length is the request stream itself (its length was
 * checked); a chunked one is counted on the way and fails with BodyTooLargeError
 * past the limit.
 */
export function requestBody(req: IncomingMessage, limit: number): Readable | undefined {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return undefined;
  const length = contentLength(req);
  if (length === 0) return undefined;
  if (length > 0) return req;
  if (req.headers['transfer-encoding'] === undefined) return undefined;
  let seen = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(seen > limit ? new BodyTooLargeError(limit) : null, chunk);
    },
  });
  req.on('error', (err) => limited.destroy(err));
  req.pipe(limited);
  return limited;
}

/** Server-sent events: no body timeout, headers flushed at once, ended at shutdown. */
export function isEventStream(path: string, accept: string | undefined): boolean {
  return path.startsWith('/eth/v1/events') || (accept?.includes('text/event-stream') ?? false);
}

/** The part of the request URL below /cl, exactly as sent (`/eth/v1/...?...`); `/` at least. */
export function pathBelowPrefix(url: string | undefined): string {
  const rest = (url ?? CL_PREFIX).slice(CL_PREFIX.length);
  return rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
}
