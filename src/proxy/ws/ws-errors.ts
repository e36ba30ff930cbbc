import { RpcCode } from '../jsonrpc/jsonrpc.constants';
import { type RpcErrorKind, rpcErrorText as sharedErrorText } from '../jsonrpc/jsonrpc.errors';

// JSON-RPC errors a WebSocket session answers by itself, and the close codes it uses.
// The kinds shared with HTTP (parse, invalid, denied, timeout...) come from
// src/proxy/jsonrpc; the ones only a session has are defined here, with the same codes.

type WsOnlyKind =
  'binary' | 'pending-limit' | 'queue-limit' | 'subscription-limit' | 'upstream-lost' | 'closing';

export type WsRpcErrorKind = RpcErrorKind | WsOnlyKind;

const WS_ERRORS: Readonly<Record<WsOnlyKind, { code: number; message: (d: string) => string }>> = {
  binary: {
    code: RpcCode.parseError,
    message: () => 'Parse error: binary frames are not supported, send JSON-RPC as text',
  },
  'pending-limit': {
    code: RpcCode.limitExceeded,
    message: (max) => `Limit exceeded: more than ${max} requests pending on this connection`,
  },
  'queue-limit': {
    code: RpcCode.limitExceeded,
    message: (max) => `Limit exceeded: more than ${max} messages queued while no node is connected`,
  },
  'subscription-limit': {
    code: RpcCode.limitExceeded,
    message: (max) => `Limit exceeded: more than ${max} subscriptions on this connection`,
  },
  'upstream-lost': {
    code: RpcCode.upstreamUnavailable,
    message: (m) => `Upstream connection lost before ${m} was answered; not retried`,
  },
  closing: { code: RpcCode.upstreamUnavailable, message: () => 'Session closing' },
};

/** The text of a JSON-RPC error answer; `idJson` is the request id already serialised. */
export function rpcErrorText(idJson: string, kind: WsRpcErrorKind, detail = ''): string {
  if (!(kind in WS_ERRORS)) return sharedErrorText(idJson, kind as RpcErrorKind, detail);
  const { code, message } = WS_ERRORS[kind as WsOnlyKind];
  return `{"jsonrpc":"2.0","id":${idJson},"error":{"code":${code},"message":${JSON.stringify(
    message(detail),
  )}}}`;
}

/** WebSocket close codes a session uses (RFC 6455 section 7.4.1). */
export const WsCloseCode = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;

/** Close reasons: at most 123 bytes each (RFC 6455). */
export const WsCloseReason = {
  shutdown: 'server shutting down',
  tooManySessions: 'too many sessions, try again later',
  noNode: 'no healthy node available, try again later',
  slowClient: 'client too slow: unread data over the limit',
  restoreFailed: 'a subscription could not be restored after a node switch',
} as const;
