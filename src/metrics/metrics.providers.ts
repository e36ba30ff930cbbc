import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import {
  CL_EVENT_CLOSE_REASONS,
  CL_EVENT_MOVE_REASONS,
  CL_EVENT_REJECT_REASONS,
  CACHE_RESULTS,
  HEALTH_ROLES,
  REDIS_FALLBACK_KINDS,
  CLIENT_ROUTES,
  UPSTREAM_ERROR_KINDS,
  WS_ATTEMPT_STATUSES,
  WS_DIRECTIONS,
  WS_NOTIFICATION_TYPES,
  FILTER_TYPES,
} from './metrics.labels';

// Every metric Vixy exposes. The names of the contract (DESIGN.md) come from the
// Rust original's Grafana dashboard: never rename them, only add.

/**
 * Seconds, from 100 µs to 30 s (the default `proxy_timeout_ms`): resolves the
 * sub-millisecond answers of a node on the same host as well as multi-second calls
 * (`eth_getLogs`, traces) and timeouts. 17 bounds: 20 series per label set (18 buckets
 * with +Inf, `_sum`, `_count`).
 */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  30,
];

export const M = {
  elRequests: 'vixy_el_requests_total',
  elRequestDuration: 'vixy_el_request_duration_seconds',
  elNodeBlockNumber: 'vixy_el_node_block_number',
  elNodeLag: 'vixy_el_node_lag_blocks',
  elNodeHealthy: 'vixy_el_node_healthy',
  elChainHead: 'vixy_el_chain_head',
  elHealthyNodes: 'vixy_el_healthy_nodes',
  elFailoverActive: 'vixy_el_failover_active',
  elFailovers: 'vixy_el_failovers_total',
  elRpcRequests: 'vixy_el_rpc_requests_total',
  clRequests: 'vixy_cl_requests_total',
  clRequestDuration: 'vixy_cl_request_duration_seconds',
  clNodeSlot: 'vixy_cl_node_slot',
  clNodeLag: 'vixy_cl_node_lag_slots',
  clNodeHealthy: 'vixy_cl_node_healthy',
  clChainHead: 'vixy_cl_chain_head',
  clHealthyNodes: 'vixy_cl_healthy_nodes',
  upstreamErrors: 'vixy_upstream_errors_total',
  retries: 'vixy_retries_total',
  rateLimited: 'vixy_rate_limited_total',
  healthCheckDuration: 'vixy_health_check_duration_seconds',
  nodeDrained: 'vixy_node_drained',
  wsConnectionsActive: 'vixy_ws_connections_active',
  wsConnections: 'vixy_ws_connections_total',
  wsMessages: 'vixy_ws_messages_total',
  wsReconnections: 'vixy_ws_reconnections_total',
  wsReconnectionAttempts: 'vixy_ws_reconnection_attempts_total',
  wsSubscriptionsActive: 'vixy_ws_subscriptions_active',
  wsSubscriptions: 'vixy_ws_subscriptions_total',
  wsUpstreamNode: 'vixy_ws_upstream_node',
  wsUpstreamConnections: 'vixy_ws_upstream_connections',
  wsNotifications: 'vixy_ws_notifications_total',
  elHeadLogHeight: 'vixy_el_head_log_height',
  elHeadLogReorgs: 'vixy_el_head_log_reorgs_total',
  elHeadLogBackfilled: 'vixy_el_head_log_backfilled_blocks_total',
  elFiltersActive: 'vixy_el_filters_active',
  clEventStreamsActive: 'vixy_cl_event_streams_active',
  clEventStreamMoves: 'vixy_cl_event_stream_moves_total',
  clEvents: 'vixy_cl_events_total',
  clEventsFilled: 'vixy_cl_events_filled_total',
  clEventResumes: 'vixy_cl_event_resumes_total',
  clEventStreamsRejected: 'vixy_cl_event_streams_rejected_total',
  clEventStreamsClosed: 'vixy_cl_event_streams_closed_total',
  clEventUpstreamNode: 'vixy_cl_event_upstream_node',
  redisUp: 'vixy_redis_up',
  redisFallbacks: 'vixy_redis_fallbacks_total',
  healthRole: 'vixy_health_role',
  cacheRequests: 'vixy_cache_requests_total',
  cacheBytes: 'vixy_cache_bytes',
  cacheFinalizedBlock: 'vixy_cache_finalized_block',
  buildInfo: 'vixy_build_info',
  httpResponses: 'vixy_http_responses_total',
} as const;

export const metricProviders = [
  makeCounterProvider({
    name: M.elRequests,
    help: 'EL HTTP requests sent to a node',
    labelNames: ['node', 'tier'],
  }),
  makeHistogramProvider({
    name: M.elRequestDuration,
    help: 'Seconds from sending an EL request to a node until its response',
    labelNames: ['node', 'tier'],
    buckets: [...LATENCY_BUCKETS],
  }),
  makeGaugeProvider({
    name: M.elNodeBlockNumber,
    help: 'Latest block number reported by the node',
    labelNames: ['node', 'tier'],
  }),
  makeGaugeProvider({
    name: M.elNodeLag,
    help: 'Blocks behind the EL chain head',
    labelNames: ['node', 'tier'],
  }),
  makeGaugeProvider({
    name: M.elNodeHealthy,
    help: '1 if the EL node is healthy',
    labelNames: ['node', 'tier'],
  }),
  makeGaugeProvider({ name: M.elChainHead, help: 'EL chain head used to measure lag' }),
  makeGaugeProvider({ name: M.elHealthyNodes, help: 'Healthy EL nodes' }),
  makeGaugeProvider({
    name: M.elFailoverActive,
    help: '1 while no primary EL node is healthy and a backup serves',
  }),
  makeCounterProvider({ name: M.elFailovers, help: 'Times EL traffic failed over to backups' }),
  makeCounterProvider({
    name: M.elRpcRequests,
    help: 'EL JSON-RPC calls by method (exotic methods fold into "other")',
    labelNames: ['method'],
  }),
  makeCounterProvider({
    name: M.clRequests,
    help: 'CL HTTP requests sent to a node',
    labelNames: ['node'],
  }),
  makeHistogramProvider({
    name: M.clRequestDuration,
    help: 'Seconds from sending a CL request to a node until its response headers',
    labelNames: ['node'],
    buckets: [...LATENCY_BUCKETS],
  }),
  makeGaugeProvider({ name: M.clNodeSlot, help: 'Head slot of the CL node', labelNames: ['node'] }),
  makeGaugeProvider({
    name: M.clNodeLag,
    help: 'Slots behind the CL chain head',
    labelNames: ['node'],
  }),
  makeGaugeProvider({
    name: M.clNodeHealthy,
    help: '1 if the CL node is healthy',
    labelNames: ['node'],
  }),
  makeGaugeProvider({ name: M.clChainHead, help: 'CL chain head slot used to measure lag' }),
  makeGaugeProvider({ name: M.clHealthyNodes, help: 'Healthy CL nodes' }),
  makeCounterProvider({
    name: M.upstreamErrors,
    help: `Failed upstream requests by kind (${UPSTREAM_ERROR_KINDS.join(', ')})`,
    labelNames: ['layer', 'node', 'kind'],
  }),
  makeCounterProvider({
    name: M.retries,
    help: 'Upstream attempts repeated on another node after a failure',
    labelNames: ['layer'],
  }),
  makeCounterProvider({
    name: M.rateLimited,
    help: 'Requests answered 429 because every eligible node was out of budget',
    labelNames: ['layer'],
  }),
  makeHistogramProvider({
    name: M.healthCheckDuration,
    help: 'Seconds taken by one health check of a node (timeouts included)',
    labelNames: ['layer', 'node'],
    buckets: [...LATENCY_BUCKETS],
  }),
  makeGaugeProvider({
    name: M.nodeDrained,
    help: '1 while an operator has drained the node',
    labelNames: ['layer', 'node'],
  }),
  makeGaugeProvider({ name: M.wsConnectionsActive, help: 'Open client WebSocket sessions' }),
  makeCounterProvider({ name: M.wsConnections, help: 'Client WebSocket sessions opened' }),
  makeCounterProvider({
    name: M.wsMessages,
    help: `WebSocket messages by direction (${WS_DIRECTIONS.join(', ')})`,
    labelNames: ['direction'],
  }),
  makeCounterProvider({
    name: M.wsReconnections,
    help: 'Completed moves of a session to another upstream node',
  }),
  makeCounterProvider({
    name: M.wsReconnectionAttempts,
    help: `Attempts to connect a session to an upstream node, by status (${WS_ATTEMPT_STATUSES.join(', ')})`,
    labelNames: ['status'],
  }),
  makeGaugeProvider({ name: M.wsSubscriptionsActive, help: 'Active client subscriptions' }),
  makeCounterProvider({ name: M.wsSubscriptions, help: 'Client subscriptions created' }),
  makeGaugeProvider({
    name: M.wsUpstreamNode,
    help: 'Client sessions currently served by each EL node',
    labelNames: ['node'],
  }),
  makeGaugeProvider({
    name: M.wsUpstreamConnections,
    help: 'Open WebSocket connections to each EL node, shared by every client session',
    labelNames: ['node'],
  }),
  makeCounterProvider({
    name: M.wsNotifications,
    help: `Subscription notifications sent to clients, by type (${WS_NOTIFICATION_TYPES.join(', ')})`,
    labelNames: ['type'],
  }),
  makeGaugeProvider({
    name: M.elHeadLogHeight,
    help: 'Number of the newest block of the head log (the canonical chain Vixy follows)',
  }),
  makeCounterProvider({
    name: M.elHeadLogReorgs,
    help: 'Reorganisations of the chain seen by the head log',
  }),
  makeCounterProvider({
    name: M.elHeadLogBackfilled,
    help: 'Blocks the head log fetched over HTTP (holes, parents of a reorg)',
  }),
  makeGaugeProvider({
    name: M.elFiltersActive,
    help: `Installed filters, by type (${FILTER_TYPES.join(', ')})`,
    labelNames: ['type'],
  }),
  makeGaugeProvider({
    name: M.clEventStreamsActive,
    help: 'Open client event streams (GET /cl/eth/v1/events)',
  }),
  makeCounterProvider({
    name: M.clEventStreamMoves,
    help: `Changes of the CL node serving event streams, by reason (${CL_EVENT_MOVE_REASONS.join(', ')})`,
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: M.clEvents,
    help: 'Events written to client event streams, by topic',
    labelNames: ['topic'],
  }),
  makeCounterProvider({
    name: M.clEventsFilled,
    help: 'Events rebuilt from the beacon API after a change of serving node, by topic',
    labelNames: ['topic'],
  }),
  makeCounterProvider({
    name: M.clEventResumes,
    help: 'Event streams opened with a Last-Event-ID that Vixy resumed from',
  }),
  makeCounterProvider({
    name: M.clEventStreamsRejected,
    help: `Event streams refused, by reason (${CL_EVENT_REJECT_REASONS.join(', ')})`,
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: M.clEventStreamsClosed,
    help: `Event streams ended, by reason (${CL_EVENT_CLOSE_REASONS.join(', ')})`,
    labelNames: ['reason'],
  }),
  makeGaugeProvider({
    name: M.clEventUpstreamNode,
    help: '1 for the CL node serving event streams, 0 for the others',
    labelNames: ['node'],
  }),
  makeGaugeProvider({
    name: M.redisUp,
    help: '1 while Redis answers and replicas share state through it (0: alone, or not configured)',
  }),
  makeCounterProvider({
    name: M.redisFallbacks,
    help: `Times this replica did without Redis and used its own state (${REDIS_FALLBACK_KINDS.join(', ')})`,
    labelNames: ['what'],
  }),
  makeGaugeProvider({
    name: M.healthRole,
    help: `1 for this replica's part in the health checks (${HEALTH_ROLES.join(', ')})`,
    labelNames: ['role'],
  }),
  makeCounterProvider({
    name: M.cacheRequests,
    help: `Cacheable EL calls by method and result (${CACHE_RESULTS.join(', ')})`,
    labelNames: ['method', 'result'],
  }),
  makeGaugeProvider({
    name: M.cacheBytes,
    help: 'Bytes of cached answers held in memory (keys and result texts)',
  }),
  makeGaugeProvider({
    name: M.cacheFinalizedBlock,
    help: 'Finalized block number the answer cache relies on (0 until a node reported one)',
  }),
  makeGaugeProvider({
    name: M.buildInfo,
    help: 'Always 1: the version of Vixy and of Node.js this process runs',
    labelNames: ['version', 'node_version'],
  }),
  makeCounterProvider({
    name: M.httpResponses,
    help: `Answers to clients by route (${CLIENT_ROUTES.join(', ')}) and HTTP status`,
    labelNames: ['route', 'status'],
  }),
];
