// The closed sets of label values Vixy records. Recording code uses these types so
// that a typo is a compile error, and the dashboard can rely on the values.

/** `layer` label: which side of the proxy a node belongs to. */
export const LAYERS = ['el', 'cl'] as const;
export type MetricLayer = (typeof LAYERS)[number];

/**
 * `kind` label of `vixy_upstream_errors_total`: why an upstream request failed.
 * `timeout`: no answer within `proxy_timeout_ms`; `connect`: refused, reset or DNS;
 * `http_5xx`: the node answered 5xx; `rate_limited`: the node answered 429;
 * `invalid`: the node answered something that is not a usable response;
 * `too_large`: the answer was larger than `[proxy] max_response_bytes` (the node is not
 * blamed for it).
 */
export const UPSTREAM_ERROR_KINDS = [
  'timeout',
  'connect',
  'http_5xx',
  'rate_limited',
  'invalid',
  'too_large',
] as const;
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

/** `direction` label of `vixy_ws_messages_total`. */
export const WS_DIRECTIONS = ['client_to_upstream', 'upstream_to_client'] as const;
export type WsDirection = (typeof WS_DIRECTIONS)[number];

/** `status` label of `vixy_ws_reconnection_attempts_total`. */
/** `type` of vixy_ws_notifications_total: head-log deliveries, and shared upstream ones. */
export const WS_NOTIFICATION_TYPES = ['newHeads', 'logs', 'other'] as const;
export type WsNotificationType = (typeof WS_NOTIFICATION_TYPES)[number];

/** `type` of vixy_el_filters_active. */
export const FILTER_TYPES = ['block', 'log', 'pending'] as const;

export const WS_ATTEMPT_STATUSES = ['success', 'failure'] as const;
export type WsAttemptStatus = (typeof WS_ATTEMPT_STATUSES)[number];

/** `reason` label of `vixy_cl_event_stream_moves_total`: why the serving CL node changed. */
export const CL_EVENT_MOVE_REASONS = ['unavailable', 'stall', 'closed', 'failback'] as const;
export type ClEventMoveReason = (typeof CL_EVENT_MOVE_REASONS)[number];

/** `reason` label of `vixy_cl_event_streams_rejected_total`. */
export const CL_EVENT_REJECT_REASONS = ['topic', 'limit', 'no_node', 'node_refused'] as const;
export type ClEventRejectReason = (typeof CL_EVENT_REJECT_REASONS)[number];

/** `reason` label of `vixy_cl_event_streams_closed_total`. */
export const CL_EVENT_CLOSE_REASONS = ['client', 'slow', 'shutdown'] as const;
export type ClEventCloseReason = (typeof CL_EVENT_CLOSE_REASONS)[number];

/** `topic` values of `vixy_cl_events_filled_total` (and the first of `vixy_cl_events_total`). */
export const CL_EVENT_FILLED_TOPICS = ['block', 'head', 'finalized_checkpoint'] as const;
/**
 * `what` label of `vixy_redis_fallbacks_total`: what did without Redis. `budget`: a
 * node's budget moved from the fleet's to this replica's own; `health`: this replica
 * started checking nodes itself instead of taking the shared results; `cache`: a
 * cached-answer lookup or store in Redis failed, timed out or was skipped.
 */
export const REDIS_FALLBACK_KINDS = ['budget', 'health', 'cache'] as const;
export type RedisFallbackKind = (typeof REDIS_FALLBACK_KINDS)[number];

/** `role` label of `vixy_health_role`: who checks the nodes (see HealthShare). */
export const HEALTH_ROLES = ['leader', 'follower', 'alone'] as const;
export type HealthRoleLabel = (typeof HEALTH_ROLES)[number];

/** `result` label of `vixy_cache_requests_total`. */
export const CACHE_RESULTS = ['hit', 'miss'] as const;
export type CacheResult = (typeof CACHE_RESULTS)[number];
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
