import { type Counter } from 'prom-client';
import { type NodeState } from '../../health/node-state';
import {
  type BoundCounter,
  type BoundHistogram,
  boundCounter,
  boundHistogram,
} from '../../metrics/bound-children';
import { type UpstreamErrorKind, UPSTREAM_ERROR_KINDS } from '../../metrics/metrics.labels';
import { type VixyMetrics } from '../../metrics/metrics.service';

/**
 * The metric children of one node, bound once (the hot path never builds label sets):
 * requests and their duration (`{node,tier}` for EL, `{node}` for CL) and failed
 * attempts by kind.
 */
export interface UpstreamMetrics {
  /** The label values these children were bound with (`name/tier`, or `name`). */
  readonly key: string;
  readonly requests: BoundCounter;
  readonly duration: BoundHistogram;
  readonly errors: Readonly<Record<UpstreamErrorKind, Counter.Internal>>;
}

export function labelKey(node: Readonly<NodeState>): string {
  return node.layer === 'el' ? `${node.name}/${node.tier}` : node.name;
}

/** Binds (and seeds at zero) the children of a node's series. */
export function bindUpstreamMetrics(
  metrics: VixyMetrics,
  node: Readonly<NodeState>,
): UpstreamMetrics {
  const requests =
    node.layer === 'el'
      ? boundCounter(metrics.elRequests, { node: node.name, tier: node.tier })
      : boundCounter(metrics.clRequests, { node: node.name });
  const duration =
    node.layer === 'el'
      ? boundHistogram(metrics.elRequestDuration, { node: node.name, tier: node.tier })
      : boundHistogram(metrics.clRequestDuration, { node: node.name });
  const errors = {} as Record<UpstreamErrorKind, Counter.Internal>;
  for (const kind of UPSTREAM_ERROR_KINDS) {
    errors[kind] = metrics.upstreamErrors.labels(node.layer, node.name, kind);
    errors[kind].inc(0);
  }
  return { key: labelKey(node), requests, duration, errors };
}

/** Removes the request series of a node that is gone (or whose tier label changed). */
export function dropUpstreamMetrics(
  metrics: VixyMetrics,
  layer: NodeState['layer'],
  key: string,
): void {
  const [name, tier] = key.split('/');
  if (layer === 'el') {
    metrics.elRequests.remove(name, tier);
    metrics.elRequestDuration.remove(name, tier);
  } else {
    metrics.clRequests.remove(name);
    metrics.clRequestDuration.remove(name);
  }
}

/** Removes the error series of a node that is gone. */
export function dropErrorMetrics(metrics: VixyMetrics, layer: NodeState['layer'], name: string) {
  for (const kind of UPSTREAM_ERROR_KINDS) metrics.upstreamErrors.remove(layer, name, kind);
}
