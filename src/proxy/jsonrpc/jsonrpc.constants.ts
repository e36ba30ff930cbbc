// JSON-RPC 2.0 and EIP-1474 error codes Vixy answers with, on every transport
// (HTTP /el and WebSocket /el/ws). The one place these numbers are written.

export const RpcCode = {
  /** Invalid JSON. */
  parseError: -32700,
  /** Valid JSON, but not a JSON-RPC request (or an empty or oversized batch). */
  invalidRequest: -32600,
  /** The method is refused by `[proxy].deny_methods`. */
  methodNotFound: -32601,
  internalError: -32603,
  /** Server error range: no node could answer (none healthy, unreachable, timed out, invalid). */
  upstreamUnavailable: -32000,
  /** EIP-1474 "limit exceeded": every eligible node is over its request budget. */
  limitExceeded: -32005,
} as const;

export type RpcCodeValue = (typeof RpcCode)[keyof typeof RpcCode];

export const JSONRPC_VERSION = '2.0';
