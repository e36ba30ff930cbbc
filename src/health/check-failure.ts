/**
 * Why a health check failed, with a stable code. The message is what /status shows
 * as `last_error` and what the transition log says: it never contains the node's URL
 * (which may carry an API key), only facts about the answer.
 */
export type CheckFailureCode =
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'dns'
  | 'tls'
  | 'network'
  | 'http_status'
  | 'rpc_error'
  | 'invalid_response'
  | 'closed';

const NETWORK_CODES: Readonly<Record<string, { code: CheckFailureCode; message: string }>> = {
  ECONNREFUSED: { code: 'connection_refused', message: 'connection refused' },
  ECONNRESET: { code: 'connection_reset', message: 'connection reset' },
  EPIPE: { code: 'connection_reset', message: 'connection reset' },
  UND_ERR_SOCKET: { code: 'connection_reset', message: 'connection closed by the node' },
  UND_ERR_CLOSED: { code: 'closed', message: 'checker closed' },
  UND_ERR_DESTROYED: { code: 'closed', message: 'checker closed' },
  ENOTFOUND: { code: 'dns', message: 'host name not found' },
  EAI_AGAIN: { code: 'dns', message: 'host name lookup failed' },
  EHOSTUNREACH: { code: 'network', message: 'host unreachable' },
  ENETUNREACH: { code: 'network', message: 'network unreachable' },
  UND_ERR_CONNECT_TIMEOUT: { code: 'timeout', message: 'connect timeout' },
  UND_ERR_HEADERS_TIMEOUT: { code: 'timeout', message: 'headers timeout' },
  UND_ERR_BODY_TIMEOUT: { code: 'timeout', message: 'body timeout' },
  UND_ERR_INFO: { code: 'invalid_response', message: 'invalid HTTP response' },
  HPE_INVALID_CONSTANT: { code: 'invalid_response', message: 'invalid HTTP response' },
};

const TLS_CODE = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/;
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
    const code = errorCode(err);
    const known = code === undefined ? undefined : NETWORK_CODES[code];
    if (known) return new CheckFailure(known.code, known.message, { cause: err });
    if (code !== undefined && TLS_CODE.test(code)) {
      return new CheckFailure('tls', `TLS error (${code})`, { cause: err });
    }
    return new CheckFailure('network', code ? `network error (${code})` : 'network error', {
      cause: err,
    });
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, cause } = err as { code?: unknown; cause?: unknown };
  if (typeof code === 'string') return code;
  return cause === undefined || cause === err ? undefined : errorCode(cause);
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
