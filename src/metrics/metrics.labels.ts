// The closed sets of label values Vixy records. Recording code uses these types so
// that a typo is a compile error, and the dashboard can rely on the values.

/** `layer` label: which side of the proxy a node belongs to. */
export const LAYERS = ['el', 'cl'] as const;
export type MetricLayer = (typeof LAYERS)[number];

/**
 * `kind` label of `vixy_upstream_errors_total`: why an upstream request failed.
 * `timeout`: no answer within `proxy_timeout_ms`; `connect`: refused, reset or DNS;
 * `http_5xx`: the node answered 5xx; `rate_limited`: the node answered 429;
 * `invalid`: the node answered something that is not a usable response.
 */
export const UPSTREAM_ERROR_KINDS = [
  'timeout',
  'connect',
  'http_5xx',
  'rate_limited',
  'invalid',
] as const;
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

/** `direction` label of `vixy_ws_messages_total`. */
export const WS_DIRECTIONS = ['client_to_upstream', 'upstream_to_client'] as const;
export type WsDirection = (typeof WS_DIRECTIONS)[number];

/** `status` label of `vixy_ws_reconnection_attempts_total`. */
export const WS_ATTEMPT_STATUSES = ['success', 'failure'] as const;
export type WsAttemptStatus = (typeof WS_ATTEMPT_STATUSES)[number];

/**
 * `route` label of `vixy_http_responses_total`: the client-facing route an answer was
 * for. `el`: POST /el; `el_ws`: the /el/ws upgrade (101 when accepted); `cl`: /cl/*
 * except `cl_events` (/cl/eth/v1/events); `status`, `health` (/health, /health/ready),
 * `metrics`, `admin`, `docs` (/docs, /docs-json); `other`: anything else (404s...).
 */
export const CLIENT_ROUTES = [
  'el',
  'el_ws',
  'cl',
  'cl_events',
  'status',
  'health',
  'metrics',
  'admin',
  'docs',
  'other',
] as const;
export type ClientRoute = (typeof CLIENT_ROUTES)[number];
