import { type RpcErrorKind, rpcErrorText } from '../jsonrpc/jsonrpc.errors';

/** What POST /el answers: written to the client as one piece. */
export interface ElAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer | string;
  /** Seconds, for the Retry-After header of a 429. */
  readonly retryAfter?: number;
}

export const JSON_CONTENT_TYPE = 'application/json';

/** HTTP status of each error Vixy answers on /el by itself. */
export const HTTP_STATUS_OF_RPC_ERROR: Readonly<Record<RpcErrorKind, number>> = {
  parse: 400,
  invalid: 400,
  'empty-batch': 400,
  'batch-too-large': 400,
  'body-too-large': 413,
  denied: 403,
  'no-node': 503,
  'rate-limited': 429,
  timeout: 504,
  unreachable: 502,
  'bad-response': 502,
  'shutting-down': 503,
  internal: 500,
};

/**
 * A JSON-RPC error answer. `ids` are the ids of the calls it answers, already
 * serialised: one id gives one error object; a batch gives an array with one error
 * object per call (each with its id), followed by `extra` answers.
 */
export function errorAnswer(
  kind: RpcErrorKind,
  ids: string | readonly string[],
  detail = '',
  extra: readonly string[] = [],
  status = HTTP_STATUS_OF_RPC_ERROR[kind],
): ElAnswer {
  const body =
    typeof ids === 'string'
      ? rpcErrorText(ids, kind, detail)
      : `[${[...ids.map((id) => rpcErrorText(id, kind, detail)), ...extra].join(',')}]`;
  return { status, contentType: JSON_CONTENT_TYPE, body };
}

/** Local answers to a batch of which nothing is forwarded. */
export function localBatchAnswer(answers: readonly string[], status: number): ElAnswer {
  return { status, contentType: JSON_CONTENT_TYPE, body: `[${answers.join(',')}]` };
}

/**
 * Appends local answers (to denied or invalid elements of a batch) to the node's
 * answer to the rest of the batch, without parsing it. An answer that is not a JSON
 * array (an error about the whole request) is returned unchanged.
 */
export function mergeBatchAnswers(upstream: string, local: readonly string[]): string {
  const text = upstream.trim();
  if (!text.startsWith('[') || !text.endsWith(']')) return upstream;
  const inner = text.slice(1, -1).trim();
  return `[${inner === '' ? '' : `${inner},`}${local.join(',')}]`;
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
