import { type NetFailureDetail, netFailure } from '../common/net-errors';

/**
 * Why a health check failed, with a stable code. The message is what /status shows
 * as `last_error` and what the transition log says: it never contains the node's URL
 * (which may carry an API key), only facts about the answer.
 */
export type CheckFailureCode = NetFailureDetail | 'http_status' | 'rpc_error';

const MAX_DETAIL = 160;

export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';

  private constructor(
    readonly code: CheckFailureCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  static timeout(ms: number): CheckFailure {
    return new CheckFailure('timeout', `timeout after ${ms} ms`);
  }

  static httpStatus(status: number, what?: string): CheckFailure {
    return new CheckFailure('http_status', what ? `${what}: HTTP ${status}` : `HTTP ${status}`);
  }

  static rpcError(code: unknown, message: unknown): CheckFailure {
    const text = typeof message === 'string' ? truncate(message) : 'no message';
    const number = typeof code === 'number' && Number.isInteger(code) ? code : '?';
    return new CheckFailure('rpc_error', `JSON-RPC error ${number}: ${text}`);
  }

  /** An answer that is not what the API promises: `invalid JSON-RPC response (not JSON)`. */
  static invalid(message: string): CheckFailure {
    return new CheckFailure('invalid_response', message);
  }

  /** `what` is e.g. `block number`: `invalid block number "0xzz"`. */
  static invalidValue(what: string, value: unknown): CheckFailure {
    return new CheckFailure('invalid_response', `invalid ${what} ${describe(value)}`);
  }

  /** A transport error from undici or the socket, named by its code, never by its message. */
  static fromError(err: unknown): CheckFailure {
    if (err instanceof CheckFailure) return err;
    const failure = netFailure(err);
    return new CheckFailure(failure.detail, failure.message, { cause: err });
  }
}

/** A short, printable rendering of a value from an answer: `"0xzz"`, `null`, `missing`. */
export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return truncate(text, 40);
}

function truncate(text: string, max = MAX_DETAIL): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}
