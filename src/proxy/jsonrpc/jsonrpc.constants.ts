// JSON-RPC 2.0 and EIP-1474 error codes Vixy answers with, on every transport (HTTP
// /el and WebSocket /el/ws). The one place these numbers are written.
//
// Chosen by what client libraries do with them: viem retries -32603 and -32005 (and
// HTTP 403/408/413/429/500/502/503/504), and nothing else; ethers and web3.js surface
// the code and message. So a transient trouble of Vixy or of the nodes (no node,
// timeout, connection lost, unusable answer) is -32603, retried by clients; a budget is
// -32005 (limit exceeded); what a retry cannot fix, or must not repeat, is not -32603:
// an answer over the size limit is -32602 (narrow the request), a node-signed call whose
// fate is unknown is -32002 (not retried by viem: it may have run). -32000 is avoided:
// viem presents it as "Missing or invalid parameters".

export const RpcCode = {
  /** Invalid JSON. */
  parseError: -32700,
  /** Valid JSON, but not a JSON-RPC request (or an empty or oversized batch). */
  invalidRequest: -32600,
  /** The method is refused by `[proxy].deny_methods`. */
  methodNotFound: -32601,
  /** The request cannot be answered as it is (its answer is over `max_response_bytes`). */
  invalidParams: -32602,
  /** Transient: no node could answer now (none healthy, unreachable, timed out, invalid). */
  internalError: -32603,
  /** EIP-1474 "resource unavailable": the call may have run and was not re-sent. */
  resourceUnavailable: -32002,
  /** EIP-1474 "limit exceeded": node budgets, session limits. */
  limitExceeded: -32005,
} as const;

export type RpcCodeValue = (typeof RpcCode)[keyof typeof RpcCode];

export const JSONRPC_VERSION = '2.0';
