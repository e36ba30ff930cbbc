import { RpcCode, type RpcCodeValue } from './jsonrpc.constants';

// Every JSON-RPC error Vixy answers by itself: a stable kind, its code and one message
// factory. Transport-neutral: the HTTP status of a kind is the HTTP layer's business.

export type RpcErrorKind =
  | 'parse'
  | 'invalid'
  | 'empty-batch'
  | 'batch-too-large'
  | 'body-too-large'
  | 'denied'
  | 'no-node'
  | 'rate-limited'
  | 'timeout'
  | 'unreachable'
  | 'bad-response'
  | 'shutting-down'
  | 'internal';

interface RpcErrorSpec {
  readonly code: RpcCodeValue;
  readonly message: (detail: string) => string;
}

const ERRORS: Readonly<Record<RpcErrorKind, RpcErrorSpec>> = {
  parse: { code: RpcCode.parseError, message: () => 'Parse error: invalid JSON' },
  invalid: {
    code: RpcCode.invalidRequest,
    message: (why) => `Invalid request: ${why || 'not a JSON-RPC 2.0 request'}`,
  },
  'empty-batch': { code: RpcCode.invalidRequest, message: () => 'Invalid request: empty batch' },
  'batch-too-large': {
    code: RpcCode.invalidRequest,
    message: (max) => `Invalid request: batch larger than ${max} calls`,
  },
  'body-too-large': {
    code: RpcCode.invalidRequest,
    message: (max) => `Invalid request: body larger than ${max} bytes`,
  },
  denied: { code: RpcCode.methodNotFound, message: (m) => `Method ${m} is not allowed` },
  'no-node': {
    code: RpcCode.upstreamUnavailable,
    message: () => 'No healthy node available',
  },
  'rate-limited': {
    code: RpcCode.limitExceeded,
    message: (s) => `Rate limited: every node is over its request budget, retry after ${s} s`,
  },
  timeout: {
    code: RpcCode.upstreamUnavailable,
    message: (ms) => `Upstream timeout: no answer within ${ms} ms`,
  },
  unreachable: {
    code: RpcCode.upstreamUnavailable,
    message: (why) => `Upstream unreachable: ${why}`,
  },
  'bad-response': {
    code: RpcCode.upstreamUnavailable,
    message: (why) => `Upstream answered with an unusable response: ${why}`,
  },
  'shutting-down': {
    code: RpcCode.upstreamUnavailable,
    message: () => 'Server shutting down, retry on another instance',
  },
  internal: { code: RpcCode.internalError, message: () => 'Internal error' },
};

/** The code of an error kind. */
export function rpcErrorCode(kind: RpcErrorKind): RpcCodeValue {
  return ERRORS[kind].code;
}

/** The message of an error kind. `detail` never holds a URL or a secret. */
export function rpcErrorMessage(kind: RpcErrorKind, detail = ''): string {
  return ERRORS[kind].message(detail);
}

/**
 * The text of a JSON-RPC error answer. `idJson` is the request id already serialised
 * (`null` when it cannot be read), so that an id is never re-encoded.
 */
export function rpcErrorText(idJson: string, kind: RpcErrorKind, detail = ''): string {
  const { code, message } = ERRORS[kind];
  return `{"jsonrpc":"2.0","id":${idJson},"error":{"code":${code},"message":${JSON.stringify(
    message(detail),
  )}}}`;
}
