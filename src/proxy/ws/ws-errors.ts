// JSON-RPC errors of a WebSocket session come from the one table of
// src/proxy/jsonrpc/jsonrpc.errors.ts; the close codes a session uses are here.

export { rpcErrorText, type RpcErrorKind as WsRpcErrorKind } from '../jsonrpc/jsonrpc.errors';

/** WebSocket close codes a session uses (RFC 6455 section 7.4.1). */
export const WsCloseCode = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  tryAgainLater: 1013,
} as const;

/** Close reasons: at most 123 bytes each (RFC 6455). */
export const WsCloseReason = {
  shutdown: 'server shutting down',
  tooManySessions: 'too many sessions, try again later',
  slowClient: 'client too slow: unread data over the limit',
} as const;
