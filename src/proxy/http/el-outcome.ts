import { rewriteAlreadyKnown, SEND_RAW_TRANSACTION } from '../jsonrpc/already-known';
import { type RpcErrorKind } from '../jsonrpc/jsonrpc.errors';
import { idJsonOf, type RpcCall } from '../jsonrpc/jsonrpc.payload';
import { type RoutingRequest } from '../routing/routing-strategy';
import { type BufferedResponse } from '../upstream/buffered-request';
import { type UpstreamError, type UpstreamErrorKind } from '../upstream/upstream-errors';
import {
  type ElAnswer,
  errorAnswer,
  JSON_CONTENT_TYPE,
  mergeBatchAnswers,
  retryAfterMs,
  retryAfterSeconds,
} from './el-answer';

// What the client of POST /el gets from the outcome of the attempts: the node's answer
// (with local answers merged, "already known" sends turned into their hash), or the
// error of the last failed attempt.

/** A 429 without Retry-After keeps the node out of selection this long. */
export const DEFAULT_BACKOFF_MS = 1000;

/** One JSON-RPC request (single or batch) on its way to a node. */
export interface ElForward {
  /** The bytes to send: the client's own unless a batch had calls answered locally. */
  readonly body: Buffer | string;
  readonly contentType: string;
  readonly routing: RoutingRequest;
  /** The forwarded calls. */
  readonly calls: readonly RpcCall[];
  readonly batch: boolean;
  /** Local answers (denied or invalid batch elements) merged into the node's answer. */
  readonly local: readonly string[];
}

/** An attempt that did not give an answer to pass on. */
export class AttemptFailure {
  constructor(
    readonly kind: UpstreamErrorKind,
    readonly response?: BufferedResponse,
    readonly error?: UpstreamError,
  ) {}
}

/** The node's answer, passed on unchanged unless something must be merged or rewritten. */
export function successAnswer(
  req: ElForward,
  response: BufferedResponse,
  retried: boolean,
): ElAnswer {
  let body: Buffer | string = response.body;
  if (retried && req.calls.some((c) => c.method === SEND_RAW_TRANSACTION)) {
    body = rewriteAlreadyKnown(body.toString('utf8'), req.calls) ?? body;
  }
  if (req.local.length > 0) body = mergeBatchAnswers(body.toString('utf8'), req.local);
  return { status: response.status, contentType: response.contentType ?? JSON_CONTENT_TYPE, body };
}

/** The last attempt failed and no other node may take the request. */
export function failureAnswer(req: ElForward, last: AttemptFailure, timeoutMs: number): ElAnswer {
  const { response } = last;
  switch (last.kind) {
    case 'rate_limited':
      return rateLimitedAnswer(
        req,
        retryAfterMs(response?.retryAfter, Date.now(), DEFAULT_BACKOFF_MS),
      );
    case 'http_5xx':
      // A node's own JSON answer (usually a JSON-RPC error) says more than ours would.
      if (response !== undefined && isJson(response.body))
        return successAnswer(req, response, false);
      return requestError(req, 'bad-response', `HTTP ${response?.status ?? 500}`);
    case 'invalid':
      return requestError(req, 'bad-response', `HTTP ${response?.status ?? 0} with an empty body`);
    case 'timeout':
      return requestError(req, 'timeout', String(timeoutMs));
    case 'connect':
      return requestError(req, 'unreachable', last.error?.message ?? 'connection failed');
    default: {
      const never: never = last.kind;
      throw new Error(`unknown failure kind ${String(never)}`);
    }
  }
}

/** 429 with JSON-RPC error -32005 and a Retry-After header. */
export function rateLimitedAnswer(req: ElForward, ms: number): ElAnswer {
  const seconds = retryAfterSeconds(ms);
  return { ...requestError(req, 'rate-limited', String(seconds)), retryAfter: seconds };
}

/** An error for every forwarded call of the request, with its id. */
export function requestError(req: ElForward, kind: RpcErrorKind, detail = ''): ElAnswer {
  const ids = req.batch ? req.calls.map(idJsonOf) : idJsonOf(req.calls[0]);
  return errorAnswer(kind, ids, detail, req.local);
}

function isJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
