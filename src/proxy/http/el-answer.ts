import { type RpcErrorKind, rpcErrorText } from '../jsonrpc/jsonrpc.errors';

/** What POST /el answers: written to the client as one piece. */
export interface ElAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer | string;
  /** Seconds, for the Retry-After header of a 429. */
  readonly retryAfter?: number;
  /** `x-vixy-cache`: answered from the answer cache, or a cacheable call went to a node. */
  readonly cache?: 'hit' | 'miss';
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
  'too-large': 502,
  // The status of the failure that made it unsafe to re-send (see ElForwarder).
  'not-resent': 502,
  'shutting-down': 503,
  internal: 500,
  binary: 400,
  'pending-limit': 429,
  'queue-limit': 429,
  'subscription-limit': 429,
  closing: 503,
};

/** A JSON-RPC error answer to one call or a whole request (`idJson` as the client wrote it). */
export function errorAnswer(
  kind: RpcErrorKind,
  idJson: string,
  detail = '',
  status = HTTP_STATUS_OF_RPC_ERROR[kind],
): ElAnswer {
  return { status, contentType: JSON_CONTENT_TYPE, body: rpcErrorText(idJson, kind, detail) };
}
