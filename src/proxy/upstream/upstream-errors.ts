import { type UpstreamErrorKind } from '../../metrics/metrics.labels';

// How a failed upstream request is classified: one table by `err.code`. The kind is the
// `kind` label of vixy_upstream_errors_total and decides retries, passive health
// reports and the status the client gets when no attempt succeeds.

export type { UpstreamErrorKind };

const KIND_BY_CODE: Readonly<Record<string, UpstreamErrorKind | 'aborted'>> = {
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  ECONNREFUSED: 'connect',
  ECONNRESET: 'connect',
  EPIPE: 'connect',
  ETIMEDOUT: 'connect',
  ENOTFOUND: 'connect',
  EAI_AGAIN: 'connect',
  EHOSTUNREACH: 'connect',
  ENETUNREACH: 'connect',
  EADDRNOTAVAIL: 'connect',
  UND_ERR_SOCKET: 'connect',
  UND_ERR_CLOSED: 'connect',
  UND_ERR_DESTROYED: 'connect',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'invalid',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'invalid',
  UND_ERR_INFO: 'invalid',
  // Vixy built a request undici refused: not the node's fault, never reported.
  UND_ERR_INVALID_ARG: 'invalid',
  UND_ERR_ABORTED: 'aborted',
  ABORT_ERR: 'aborted',
};

/** HTTP status the client gets when the last attempt failed this way. */
export const HTTP_STATUS_OF_KIND: Readonly<Record<UpstreamErrorKind, number>> = {
  timeout: 504,
  connect: 502,
  http_5xx: 502,
  rate_limited: 429,
  invalid: 502,
};

/** Kinds that say the node itself is in trouble: reported to the registry (passive health). */
export const REPORTED_KINDS: ReadonlySet<UpstreamErrorKind> = new Set(['timeout', 'connect']);

const DESCRIPTION: Readonly<Record<UpstreamErrorKind, string>> = {
  timeout: 'no response in time',
  connect: 'connection failed',
  http_5xx: 'server error',
  rate_limited: 'rate limited by the node',
  invalid: 'invalid response',
};

/**
 * A failed upstream request: a stable kind, the error code, a message that never holds
 * a URL (safe for logs, registry reports and client errors) and the original as cause.
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind | 'aborted',
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(kind === 'aborted' ? `aborted (${code})` : `${DESCRIPTION[kind]} (${code})`, options);
    this.name = 'UpstreamError';
  }
}

/** Classifies what undici threw or passed to onResponseError. */
export function toUpstreamError(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = codeOf(err);
  // HPE_*: llhttp could not parse the response.
  const kind = KIND_BY_CODE[code] ?? (code.startsWith('HPE_') ? 'invalid' : 'connect');
  return new UpstreamError(kind, code, { cause: err });
}

function codeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const { code, name } = err as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    if (name === 'AbortError') return 'ABORT_ERR';
  }
  return 'UNKNOWN';
}
