// JSON-RPC errors of subscriptions and filters, with geth's codes and messages
// (eth/filters/api.go, rpc/json.go) so that clients written against geth recognise them.

export const ChainRpcCode = {
  /** Invalid method parameters (geth's invalidParamsError). */
  invalidParams: -32602,
  /** geth's default code for an error without one ("filter not found"). */
  server: -32000,
  /** EIP-1474 "limit exceeded". */
  limitExceeded: -32005,
} as const;

/** An error the I/O side answers as `{"code":code,"message":message}`. */
export class ChainRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ChainRpcError';
  }

  /** The JSON-RPC error answer text; `idJson` is the request id already serialised. */
  answerText(idJson: string): string {
    const error = `{"code":${this.code},"message":${JSON.stringify(this.message)}}`;
    return `{"jsonrpc":"2.0","id":${idJson},"error":${error}}`;
  }
}

/** A parameter error as geth's RPC layer words it: `invalid argument <i>: <why>`. */
export function invalidArgument(index: number, why: string): ChainRpcError {
  return new ChainRpcError(ChainRpcCode.invalidParams, `invalid argument ${index}: ${why}`);
}

export function invalidParams(message: string): ChainRpcError {
  return new ChainRpcError(ChainRpcCode.invalidParams, message);
}

/** geth's answer for an unknown, expired or uninstalled filter id. */
export function filterNotFound(why?: string): ChainRpcError {
  const message = why === undefined ? 'filter not found' : `filter not found (${why})`;
  return new ChainRpcError(ChainRpcCode.server, message);
}

export function tooManyFilters(max: number): ChainRpcError {
  return new ChainRpcError(
    ChainRpcCode.limitExceeded,
    `Limit exceeded: more than ${max} filters installed, uninstall some first`,
  );
}
