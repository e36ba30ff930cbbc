import { Injectable } from '@nestjs/common';
import { type Config, InjectConfig } from '../config';
import {
  CL_EVENT_CLOSE_REASONS,
  CL_EVENT_FILLED_TOPICS,
  CL_EVENT_MOVE_REASONS,
  CL_EVENT_REJECT_REASONS,
  LAYERS,
  REDIS_FALLBACK_KINDS,
  UPSTREAM_ERROR_KINDS,
  WS_ATTEMPT_STATUSES,
  WS_DIRECTIONS,
  WS_NOTIFICATION_TYPES,
  FILTER_TYPES,
} from './metrics.labels';
import { VIXY_VERSION } from '../version';
import { VixyMetrics } from './metrics.service';

/**
 * Creates, at zero, every series whose labels are known at start-up (one per
 * configured node, kind, direction...). Prometheus cannot see the first increment of
 * a series that appears at 1, so without this `increase(vixy_upstream_errors_total[5m])`
 * would miss the first error of each node, and panels would say "No data" instead of 0.
 *
 * Runs while the application is being built, before anything records. Counters and
 * gauges are touched with `inc(0)`, which never changes a value already there. Gauges
 * that have no meaningful zero (block number, lag, slot) are left absent until known.
 */
@Injectable()
export class MetricsSeeder {
  constructor(@InjectConfig() config: Config, metrics: VixyMetrics) {
    const el = [
      ...config.el.primary.map((n) => ({ node: n.name, tier: 'primary' })),
      ...config.el.backup.map((n) => ({ node: n.name, tier: 'backup' })),
    ];
    const cl = config.cl.map((n) => ({ node: n.name }));
    const nodes = [
      ...el.map(({ node }) => ({ layer: 'el', node })),
      ...cl.map(({ node }) => ({ layer: 'cl', node })),
    ];

    for (const labels of el) {
      // Request counts and durations are created by each node's upstream object (bound
      // children: a zero() here would replace the series they write into).
      metrics.wsUpstreamNode.inc({ node: labels.node }, 0);
      metrics.wsUpstreamConnections.inc({ node: labels.node }, 0);
    }
    for (const labels of cl) {
      metrics.clEventUpstreamNode.inc(labels, 0);
    }
    for (const labels of nodes) {
      metrics.healthCheckDuration.zero(labels);
      metrics.nodeDrained.inc(labels, 0);
      for (const kind of UPSTREAM_ERROR_KINDS) metrics.upstreamErrors.inc({ ...labels, kind }, 0);
    }
    for (const layer of LAYERS) {
      metrics.retries.inc({ layer }, 0);
      metrics.rateLimited.inc({ layer }, 0);
    }
    for (const direction of WS_DIRECTIONS) metrics.wsMessages.inc({ direction }, 0);
    for (const type of WS_NOTIFICATION_TYPES) metrics.wsNotifications.inc({ type }, 0);
    for (const type of FILTER_TYPES) metrics.elFiltersActive.set({ type }, 0);
    for (const status of WS_ATTEMPT_STATUSES) metrics.wsReconnectionAttempts.inc({ status }, 0);
    for (const reason of CL_EVENT_MOVE_REASONS) metrics.clEventStreamMoves.inc({ reason }, 0);
    for (const reason of CL_EVENT_REJECT_REASONS) metrics.clEventStreamsRejected.inc({ reason }, 0);
    for (const reason of CL_EVENT_CLOSE_REASONS) metrics.clEventStreamsClosed.inc({ reason }, 0);
    for (const topic of CL_EVENT_FILLED_TOPICS) {
      metrics.clEvents.inc({ topic }, 0);
      metrics.clEventsFilled.inc({ topic }, 0);
    }
    for (const what of REDIS_FALLBACK_KINDS) metrics.redisFallbacks.inc({ what }, 0);
    metrics.buildInfo.set({ version: VIXY_VERSION, node_version: process.version }, 1);
  }
}
