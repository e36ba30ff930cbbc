import { RpcCode, type RpcCodeValue } from './jsonrpc.constants';

// Every JSON-RPC error Vixy answers by itself, on /el and /el/ws: a stable kind, its
// code, a machine-readable reason (`error.data.reason`) and one message factory.
// Transport-neutral: the HTTP status of a kind is the HTTP layer's business.

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
  | 'too-large'
  | 'not-resent'
  | 'shutting-down'
  | 'internal'
  // WebSocket sessions only:
  | 'binary'
  | 'pending-limit'
  | 'queue-limit'
  | 'subscription-limit'
  | 'closing';

interface RpcErrorSpec {
  readonly code: RpcCodeValue;
  readonly reason: string;
  readonly message: (detail: string) => string;
}

const spec = (code: RpcCodeValue, reason: string, message: (d: string) => string) =>
  ({ code, reason, message }) satisfies RpcErrorSpec;

export const RPC_ERRORS: Readonly<Record<RpcErrorKind, RpcErrorSpec>> = {
  parse: spec(RpcCode.parseError, 'parse_error', () => 'Parse error: invalid JSON'),
  invalid: spec(
    RpcCode.invalidRequest,
    'invalid_request',
    (why) => `Invalid request: ${why || 'not a JSON-RPC 2.0 request'}`,
  ),
  'empty-batch': spec(RpcCode.invalidRequest, 'empty_batch', () => 'Invalid request: empty batch'),
  'batch-too-large': spec(
    RpcCode.invalidRequest,
    'batch_too_large',
    (max) => `Invalid request: batch larger than ${max} calls`,
  ),
  'body-too-large': spec(
    RpcCode.invalidRequest,
    'body_too_large',
    (max) => `Invalid request: body larger than ${max} bytes`,
  ),
  denied: spec(RpcCode.methodNotFound, 'method_denied', (m) => `Method ${m} is not allowed`),
  'no-node': spec(RpcCode.internalError, 'no_healthy_node', () => 'No healthy node available'),
  'rate-limited': spec(
    RpcCode.limitExceeded,
    'rate_limited',
    (s) => `Rate limited: every node is over its request budget, retry after ${s} s`,
  ),
  timeout: spec(
    RpcCode.internalError,
    'upstream_timeout',
    (ms) => `Upstream timeout: no answer within ${ms} ms`,
  ),
  unreachable: spec(
    RpcCode.internalError,
    'upstream_unreachable',
    (why) => `Upstream unreachable: ${why}`,
  ),
  'bad-response': spec(
    RpcCode.internalError,
    'upstream_bad_response',
    (why) => `Upstream answered with an unusable response: ${why}`,
  ),
  'too-large': spec(
    RpcCode.invalidParams,
    'response_too_large',
    (max) => `Answer larger than ${max} bytes ([proxy] max_response_bytes): narrow the request`,
  ),
  'not-resent': spec(
    RpcCode.resourceUnavailable,
    'not_resent',
    (why) =>
      `The node may have received this call and then failed (${why}); it was not sent to another node because it must not run twice: check its effect before sending it again`,
  ),
  'shutting-down': spec(
    RpcCode.internalError,
    'shutting_down',
    () => 'Server shutting down, retry on another instance',
  ),
  internal: spec(RpcCode.internalError, 'internal_error', () => 'Internal error'),
  binary: spec(
    RpcCode.parseError,
    'binary_frame',
    () => 'Parse error: binary frames are not supported, send JSON-RPC as text',
  ),
  'pending-limit': spec(
    RpcCode.limitExceeded,
    'pending_limit',
    (max) => `Limit exceeded: more than ${max} requests pending on this connection`,
  ),
  'queue-limit': spec(
    RpcCode.limitExceeded,
    'queue_limit',
    (max) => `Limit exceeded: more than ${max} messages queued while no node is connected`,
  ),
  'subscription-limit': spec(
    RpcCode.limitExceeded,
    'subscription_limit',
    (max) => `Limit exceeded: more than ${max} subscriptions on this connection`,
  ),
  closing: spec(RpcCode.internalError, 'session_closing', () => 'Session closing'),
};

/** The code of an error kind. */
export function rpcErrorCode(kind: RpcErrorKind): RpcCodeValue {
  return RPC_ERRORS[kind].code;
}

/** The message of an error kind. `detail` never holds a URL or a secret. */
export function rpcErrorMessage(kind: RpcErrorKind, detail = ''): string {
  return RPC_ERRORS[kind].message(detail);
}

/**
 * The text of a JSON-RPC error answer. `idJson` is the request id exactly as the client
 * wrote it (`null` when it cannot be read), so that an id is never re-encoded.
 */
export function rpcErrorText(idJson: string, kind: RpcErrorKind, detail = ''): string {
  const { code, reason, message } = RPC_ERRORS[kind];
  return `{"jsonrpc":"2.0","id":${idJson},"error":{"code":${code},"message":${JSON.stringify(
    message(detail),
  )},"data":{"reason":"${reason}"}}}`;
}
