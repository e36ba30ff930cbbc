import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { type Counter, type Gauge, type Histogram } from 'prom-client';
import { M } from './metrics.providers';

/**
 * Every Vixy metric in one injectable. Modules record into these fields; label values
 * come from the closed sets of `metrics.labels.ts` (`UpstreamErrorKind`, `WsDirection`,
 * ...) and `methodLabel()` for `elRpcRequests`. On the hot path, bind label values
 * once per node (`const child = elRequests.labels(node, tier)`, kept beside the node's
 * pool) and call `child.inc()`: `labels()` allocates on every call.
 */
@Injectable()
export class VixyMetrics {
  constructor(
    @InjectMetric(M.elRequests) readonly elRequests: Counter<'node' | 'tier'>,
    @InjectMetric(M.elRequestDuration) readonly elRequestDuration: Histogram<'node' | 'tier'>,
    @InjectMetric(M.elNodeBlockNumber) readonly elNodeBlockNumber: Gauge<'node' | 'tier'>,
    @InjectMetric(M.elNodeLag) readonly elNodeLag: Gauge<'node' | 'tier'>,
    @InjectMetric(M.elNodeHealthy) readonly elNodeHealthy: Gauge<'node' | 'tier'>,
    @InjectMetric(M.elChainHead) readonly elChainHead: Gauge,
    @InjectMetric(M.elHealthyNodes) readonly elHealthyNodes: Gauge,
    @InjectMetric(M.elFailoverActive) readonly elFailoverActive: Gauge,
    @InjectMetric(M.elFailovers) readonly elFailovers: Counter,
    @InjectMetric(M.elRpcRequests) readonly elRpcRequests: Counter<'method'>,
    @InjectMetric(M.clRequests) readonly clRequests: Counter<'node'>,
    @InjectMetric(M.clRequestDuration) readonly clRequestDuration: Histogram<'node'>,
    @InjectMetric(M.clNodeSlot) readonly clNodeSlot: Gauge<'node'>,
    @InjectMetric(M.clNodeLag) readonly clNodeLag: Gauge<'node'>,
    @InjectMetric(M.clNodeHealthy) readonly clNodeHealthy: Gauge<'node'>,
    @InjectMetric(M.clChainHead) readonly clChainHead: Gauge,
    @InjectMetric(M.clHealthyNodes) readonly clHealthyNodes: Gauge,
    @InjectMetric(M.upstreamErrors) readonly upstreamErrors: Counter<'layer' | 'node' | 'kind'>,
    @InjectMetric(M.retries) readonly retries: Counter<'layer'>,
    @InjectMetric(M.rateLimited) readonly rateLimited: Counter<'layer'>,
    @InjectMetric(M.healthCheckDuration) readonly healthCheckDuration: Histogram<'layer' | 'node'>,
    @InjectMetric(M.nodeDrained) readonly nodeDrained: Gauge<'layer' | 'node'>,
    @InjectMetric(M.wsConnectionsActive) readonly wsConnectionsActive: Gauge,
    @InjectMetric(M.wsConnections) readonly wsConnections: Counter,
    @InjectMetric(M.wsMessages) readonly wsMessages: Counter<'direction'>,
    @InjectMetric(M.wsReconnections) readonly wsReconnections: Counter,
    @InjectMetric(M.wsReconnectionAttempts) readonly wsReconnectionAttempts: Counter<'status'>,
    @InjectMetric(M.wsSubscriptionsActive) readonly wsSubscriptionsActive: Gauge,
    @InjectMetric(M.wsSubscriptions) readonly wsSubscriptions: Counter,
    @InjectMetric(M.wsUpstreamNode) readonly wsUpstreamNode: Gauge<'node'>,
    @InjectMetric(M.wsUpstreamConnections) readonly wsUpstreamConnections: Gauge<'node'>,
    @InjectMetric(M.wsNotifications) readonly wsNotifications: Counter<'type'>,
    @InjectMetric(M.elHeadLogHeight) readonly elHeadLogHeight: Gauge,
    @InjectMetric(M.elHeadLogReorgs) readonly elHeadLogReorgs: Counter,
    @InjectMetric(M.elHeadLogBackfilled) readonly elHeadLogBackfilled: Counter,
    @InjectMetric(M.elFiltersActive) readonly elFiltersActive: Gauge<'type'>,
    @InjectMetric(M.clEventStreamsActive) readonly clEventStreamsActive: Gauge,
    @InjectMetric(M.clEventStreamMoves) readonly clEventStreamMoves: Counter<'reason'>,
    @InjectMetric(M.clEvents) readonly clEvents: Counter<'topic'>,
    @InjectMetric(M.clEventsFilled) readonly clEventsFilled: Counter<'topic'>,
    @InjectMetric(M.clEventResumes) readonly clEventResumes: Counter,
    @InjectMetric(M.clEventStreamsRejected) readonly clEventStreamsRejected: Counter<'reason'>,
    @InjectMetric(M.clEventStreamsClosed) readonly clEventStreamsClosed: Counter<'reason'>,
    @InjectMetric(M.clEventUpstreamNode) readonly clEventUpstreamNode: Gauge<'node'>,
    @InjectMetric(M.redisUp) readonly redisUp: Gauge,
    @InjectMetric(M.redisFallbacks) readonly redisFallbacks: Counter<'what'>,
    @InjectMetric(M.healthRole) readonly healthRole: Gauge<'role'>,
    @InjectMetric(M.cacheRequests) readonly cacheRequests: Counter<'method' | 'result'>,
    @InjectMetric(M.cacheBytes) readonly cacheBytes: Gauge,
    @InjectMetric(M.cacheFinalizedBlock) readonly cacheFinalizedBlock: Gauge,
    @InjectMetric(M.buildInfo) readonly buildInfo: Gauge<'version' | 'node_version'>,
    @InjectMetric(M.httpResponses) readonly httpResponses: Counter<'route' | 'status'>,
  ) {}
}
