import { netFailure } from '../../common/net-errors';
import { type UpstreamErrorKind } from '../../metrics/metrics.labels';

// One classifier for every attempt of every path (POST /el, /cl/*, WebSocket re-sends):
// an answer or an error becomes either a usable answer or an AttemptFailure of one kind.
// The kind decides the metric label, the passive health report, the Retry-After back-off,
// whether another node may be tried, and what the client is told when none can.

/** Why an attempt failed: the `kind` label of vixy_upstream_errors_total, or the client left. */
export type FailureKind = UpstreamErrorKind | 'aborted';

/** A 429 without a readable Retry-After keeps the node out of selection this long. */
export const DEFAULT_BACKOFF_MS = 1000;

/** Failures after which another node may take the call (given the retry-safety rule). */
const RETRYABLE: ReadonlySet<FailureKind> = new Set([
  'timeout',
  'connect',
  'http_5xx',
  'rate_limited',
  'invalid',
]);

/** Failures that say the node itself is in trouble: reported to the registry (passive health). */
const REPORTED: ReadonlySet<FailureKind> = new Set(['timeout', 'connect']);

/**
 * A failed attempt. `message` never holds a URL (safe for logs, registry reports and
 * client errors); `response` is the node's own answer when it gave one (a 5xx, a 429),
 * passed on to the client when no other node can answer.
 */
export class AttemptFailure<R = unknown> {
  constructor(
    readonly kind: FailureKind,
    /** The request may have reached the node (false: nothing of it was sent). */
    readonly sent: boolean,
    readonly message: string,
    readonly response?: R,
    /** rate_limited: how long the node asked to be left alone. */
    readonly retryAfterMs?: number,
    readonly cause?: unknown,
  ) {}

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  /** The node is reported down until its next good checks. */
  get reported(): boolean {
    return REPORTED.has(this.kind);
  }
}

/** The answer was larger than `[proxy] max_response_bytes`. */
export class ResponseTooLargeError extends Error {
  readonly code = 'VIXY_RESPONSE_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`answer larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** What a transport threw (undici, a socket, ws), by its code (src/common/net-errors.ts). */
export function transportFailure<R = never>(err: unknown): AttemptFailure<R> {
  if (err instanceof AttemptFailure) return err as AttemptFailure<R>;
  if (err instanceof ResponseTooLargeError) {
    return new AttemptFailure<R>('too_large', true, err.message, undefined, undefined, err);
  }
  const failure = netFailure(err);
  const message = `${failure.message} (${failure.code})`;
  return new AttemptFailure<R>(failure.kind, failure.sent, message, undefined, undefined, err);
}

/** An answer whose HTTP status fails the attempt (429, 5xx); undefined when it is usable. */
export function statusFailure<R>(
  status: number,
  retryAfter: string | undefined,
  response: R,
  now = Date.now(),
): AttemptFailure<R> | undefined {
  if (status === 429) {
    const ms = retryAfterMs(retryAfter, now, DEFAULT_BACKOFF_MS);
    return new AttemptFailure(
      'rate_limited',
      true,
      'rate limited by the node (HTTP 429)',
      response,
      ms,
    );
  }
  if (status >= 500) {
    return new AttemptFailure('http_5xx', true, `server error (HTTP ${status})`, response);
  }
  return undefined;
}

/** An answer that cannot be a usable one (not JSON, empty...). */
export function invalidAnswer<R>(why: string, response?: R): AttemptFailure<R> {
  return new AttemptFailure('invalid', true, why, response);
}

/** Retry-After (seconds or an HTTP date) in milliseconds; `fallbackMs` when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - now);
}

/** Whole seconds for a Retry-After header: at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
