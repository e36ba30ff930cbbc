import { type Readable } from 'node:stream';
import { type Dispatcher } from 'undici';
import { type NodeRegistry } from '../../health/node-registry.service';
import { type ClNodeState } from '../../health/node-state';
import { type LatencyTracker } from '../routing/latency-tracker.service';
import { REPORTED_KINDS, toUpstreamError, type UpstreamError } from '../upstream/upstream-errors';
import { clUpstreamPath } from '../upstream/upstream-target';
import { BodyTooLargeError } from './cl-request';
import { retryAfterMs } from './el-answer';
import { type NodeChannel } from './el-channels';

/** A 429 without Retry-After keeps the node out of selection this long. */
const DEFAULT_BACKOFF_MS = 1000;

/** Failures that happen before a connection exists: nothing of the request was sent. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** One CL request, as sent to every node it is tried on. */
export interface ClAttempt {
  readonly method: string;
  /** Path and query below /cl. */
  readonly path: string;
  readonly headers: string[];
  readonly body: Readable | undefined;
  readonly signal: AbortSignal;
  readonly eventStream: boolean;
  /** `proxy_timeout_ms` when the request came in. */
  readonly timeoutMs: number;
  /** `max_body_bytes` when the request came in. */
  readonly bodyLimit: number;
}

/** An attempt that did not give an answer to pass on as it is (yet). */
export class ClFailure {
  constructor(
    readonly kind: UpstreamError['kind'] | 'too-large',
    /** The node's own answer (5xx, 429): streamed to the client when no other node is left. */
    readonly response?: Dispatcher.ResponseData,
    readonly error?: UpstreamError,
  ) {}

  /** Whether nothing of the request can have reached the node (so any method may be retried). */
  notSent(body: Readable | undefined): boolean {
    const code = this.error?.code;
    if (code === undefined || !NOT_SENT_CODES.has(code)) return false;
    return body === undefined || !body.readableDidRead;
  }
}

export interface ClAttemptDeps {
  readonly registry: NodeRegistry;
  readonly tracker: LatencyTracker;
  readonly now: () => number;
}

/**
 * Sends one attempt to one node and classifies the outcome: an answer to stream, or a
 * ClFailure (records metrics, 429 back-offs and passive health reports on the way).
 */
export async function sendClAttempt(
  deps: ClAttemptDeps,
  channel: NodeChannel<ClNodeState>,
  attempt: ClAttempt,
): Promise<Dispatcher.ResponseData | ClFailure> {
  const { node, upstream } = channel;
  const headers = upstream.target.authorization
    ? [...withoutAuthorization(attempt.headers), 'authorization', upstream.target.authorization]
    : attempt.headers;
  channel.requests.inc();
  const start = performance.now();
  let response: Dispatcher.ResponseData;
  try {
    response = await upstream.pool.request({
      method: attempt.method as Dispatcher.HttpMethod,
      path: clUpstreamPath(upstream.target, attempt.path),
      headers,
      body: attempt.body,
      signal: attempt.signal,
      headersTimeout: attempt.timeoutMs,
      // An event stream may stay silent longer than any timeout (rare topics).
      bodyTimeout: attempt.eventStream ? 0 : attempt.timeoutMs,
    });
  } catch (err) {
    if (err instanceof BodyTooLargeError) return new ClFailure('too-large');
    const error = toUpstreamError(err);
    if (error.kind === 'aborted') return new ClFailure('aborted', undefined, error);
    channel.duration.observe((performance.now() - start) / 1000);
    channel.errors[error.kind].inc();
    if (REPORTED_KINDS.has(error.kind)) deps.registry.reportFailure('cl', node.name, error.message);
    return new ClFailure(error.kind, undefined, error);
  }
  const ms = performance.now() - start;
  channel.duration.observe(ms / 1000);
  deps.tracker.record(node, ms);
  if (response.statusCode === 429) {
    const header = response.headers['retry-after'];
    const value = Array.isArray(header) ? header[0] : header;
    channel.budget.backOff(deps.now(), retryAfterMs(value, Date.now(), DEFAULT_BACKOFF_MS));
    channel.errors.rate_limited.inc();
    return new ClFailure('rate_limited', response);
  }
  if (response.statusCode >= 500) {
    channel.errors.http_5xx.inc();
    return new ClFailure('http_5xx', response);
  }
  return response;
}

function withoutAuthorization(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i].toLowerCase() !== 'authorization') out.push(headers[i], headers[i + 1]);
  }
  return out;
}
