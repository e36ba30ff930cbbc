// The one table from transport error codes (Node's socket errors, undici's UND_ERR_*,
// llhttp's HPE_*, TLS) to what they mean for Vixy. Health checks read the `detail` and
// `message` (shown in /status and logs, never a URL); the proxy's failover reads the
// `kind` (the `kind` label of vixy_upstream_errors_total, retries, passive health) and
// `sent` (whether the request may have reached the node: a call that must not run
// twice is re-sent elsewhere only when it was not).

/** Why a request to a node failed at the transport level, as health checks report it. */
export type NetFailureDetail =
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'dns'
  | 'tls'
  | 'network'
  | 'invalid_response'
  | 'closed'
  | 'aborted';

/** What a failed upstream attempt means for the proxy. */
export type NetFailureKind = 'timeout' | 'connect' | 'invalid' | 'aborted';

export interface NetFailure {
  readonly code: string;
  readonly detail: NetFailureDetail;
  readonly kind: NetFailureKind;
  /** The request may have reached the node (false: nothing of it was sent). */
  readonly sent: boolean;
  /** Short, URL-free description: `connection refused`, `headers timeout`. */
  readonly message: string;
}

type Entry = Omit<NetFailure, 'code'>;

const entry = (detail: NetFailureDetail, kind: NetFailureKind, sent: boolean, message: string) =>
  ({ detail, kind, sent, message }) satisfies Entry;

const BY_CODE: Readonly<Record<string, Entry>> = {
  // Before a connection exists: nothing was sent.
  ECONNREFUSED: entry('connection_refused', 'connect', false, 'connection refused'),
  UND_ERR_CONNECT_TIMEOUT: entry('timeout', 'connect', false, 'connect timeout'),
  ENOTFOUND: entry('dns', 'connect', false, 'host name not found'),
  EAI_AGAIN: entry('dns', 'connect', false, 'host name lookup failed'),
  EHOSTUNREACH: entry('network', 'connect', false, 'host unreachable'),
  ENETUNREACH: entry('network', 'connect', false, 'network unreachable'),
  EADDRNOTAVAIL: entry('network', 'connect', false, 'address not available'),
  // The pool was closed or destroyed (a reload removed the node, shutdown): not sent.
  UND_ERR_CLOSED: entry('closed', 'connect', false, 'connection pool closed'),
  UND_ERR_DESTROYED: entry('closed', 'connect', false, 'connection pool closed'),
  // On an open connection: the request may have reached the node.
  ECONNRESET: entry('connection_reset', 'connect', true, 'connection reset'),
  EPIPE: entry('connection_reset', 'connect', true, 'connection reset'),
  ETIMEDOUT: entry('timeout', 'connect', true, 'connection timed out'),
  UND_ERR_SOCKET: entry('connection_reset', 'connect', true, 'connection closed by the node'),
  UND_ERR_HEADERS_TIMEOUT: entry('timeout', 'timeout', true, 'headers timeout'),
  UND_ERR_BODY_TIMEOUT: entry('timeout', 'timeout', true, 'body timeout'),
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: entry(
    'invalid_response',
    'invalid',
    true,
    'response length mismatch',
  ),
  UND_ERR_INFO: entry('invalid_response', 'invalid', true, 'invalid HTTP response'),
  // Vixy built a request undici refused: not the node's fault.
  UND_ERR_INVALID_ARG: entry('invalid_response', 'invalid', false, 'request refused by the client'),
  UND_ERR_ABORTED: entry('aborted', 'aborted', true, 'aborted'),
  ABORT_ERR: entry('aborted', 'aborted', true, 'aborted'),
};

const TLS_CODE = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/;

/** Classifies what a transport threw (undici, a socket, ws). */
export function netFailure(err: unknown): NetFailure {
  const code = errorCode(err) ?? 'UNKNOWN';
  const known = BY_CODE[code];
  if (known) return { code, ...known };
  // llhttp could not parse the response.
  if (code.startsWith('HPE_'))
    return { code, ...entry('invalid_response', 'invalid', true, 'invalid HTTP response') };
  // A failed TLS handshake: the request itself was not sent.
  if (TLS_CODE.test(code))
    return { code, ...entry('tls', 'connect', false, `TLS error (${code})`) };
  const message = code === 'UNKNOWN' ? 'network error' : `network error (${code})`;
  return { code, ...entry('network', 'connect', true, message) };
}

/** The `code` of an error or of its causes (undici wraps socket errors). */
export function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, name, cause } = e as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    if (name === 'AbortError') return 'ABORT_ERR';
    if (cause === e) break;
    e = cause;
  }
  return undefined;
}
