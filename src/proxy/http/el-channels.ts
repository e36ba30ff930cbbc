import { type Counter, type Histogram } from 'prom-client';
import { type ClNodeState, type ElNodeState, type NodeState } from '../../health/node-state';
import { type UpstreamErrorKind, UPSTREAM_ERROR_KINDS } from '../../metrics/metrics.labels';
import { type VixyMetrics } from '../../metrics/metrics.service';
import { type NodeBudget } from '../rate-limit/node-budget';
import { type RateLimiter } from '../rate-limit/rate-limiter.service';
import { type UpstreamChannel, type UpstreamPools } from '../upstream/upstream-pools.service';

/**
 * Everything a request to one node needs, built once per node (and again after a
 * config reload changes the node list): the pool and target, the budget and the
 * node's metric children, so that the hot path never builds label sets.
 */
export interface NodeChannel<N> {
  readonly node: Readonly<N>;
  readonly upstream: UpstreamChannel;
  readonly budget: NodeBudget;
  readonly requests: Counter.Internal;
  readonly duration: Histogram.Internal<string>;
  readonly errors: Readonly<Record<UpstreamErrorKind, Counter.Internal>>;
  /** EL: the request headers for `application/json`, built once. */
  readonly jsonHeaders: string[];
}

interface Built<N> {
  /** The node's metric labels, joined. */
  readonly labels: string;
  readonly channel: NodeChannel<N>;
}

/**
 * The channels of one layer, in the registry's order. The registry replaces its node
 * list on a config reload; the next request then rebuilds the channels (reusing those
 * of unchanged nodes) and removes the request metrics of nodes that are gone.
 */
export class ChannelSet<N extends NodeState> {
  private nodes: readonly Readonly<N>[] = [];
  private built: Built<N>[] = [];

  constructor(
    private readonly source: () => readonly Readonly<N>[],
    private readonly pools: UpstreamPools,
    private readonly limiter: RateLimiter,
    private readonly metrics: VixyMetrics,
  ) {}

  /** The channel of a node of the current list. */
  of(node: Readonly<N>): NodeChannel<N> {
    const nodes = this.source();
    if (nodes !== this.nodes) this.rebuild(nodes);
    return this.built[this.nodes.indexOf(node)].channel;
  }

  private rebuild(nodes: readonly Readonly<N>[]): void {
    const previous = new Map(this.built.map((b) => [b.labels, b]));
    this.built = nodes.map((node) => {
      const upstream = this.pools.channel(node.layer, node.name);
      const labels = labelsOf(node).join('/');
      const kept = previous.get(labels);
      // Same node, labels and pool (a changed URL gets a new pool): reuse. Its budget
      // object follows limit changes by itself.
      if (kept !== undefined && kept.channel.upstream === upstream && kept.channel.node === node) {
        return kept;
      }
      return { labels, channel: this.build(node, upstream) };
    });
    const live = new Set(this.built.map((b) => b.labels));
    for (const old of previous.values()) {
      if (!live.has(old.labels)) this.dropSeries(old.channel.node);
    }
    this.nodes = nodes;
  }

  private build(node: Readonly<N>, upstream: UpstreamChannel): NodeChannel<N> {
    const { metrics } = this;
    const labels = labelsOf(node);
    const requests =
      node.layer === 'el'
        ? metrics.elRequests.labels(labels[0], labels[1])
        : metrics.clRequests.labels(labels[0]);
    const duration =
      node.layer === 'el'
        ? metrics.elRequestDuration.labels(labels[0], labels[1])
        : metrics.clRequestDuration.labels(labels[0]);
    requests.inc(0);
    if (node.layer === 'el') metrics.elRequestDuration.zero({ node: labels[0], tier: labels[1] });
    else metrics.clRequestDuration.zero({ node: labels[0] });
    const errors = {} as Record<UpstreamErrorKind, Counter.Internal>;
    for (const kind of UPSTREAM_ERROR_KINDS) {
      errors[kind] = metrics.upstreamErrors.labels(node.layer, node.name, kind);
      errors[kind].inc(0);
    }
    const { authorization } = upstream.target;
    const jsonHeaders =
      authorization === undefined
        ? ['content-type', 'application/json']
        : ['content-type', 'application/json', 'authorization', authorization];
    return {
      node,
      upstream,
      budget: this.limiter.budget(node.layer, node.name),
      requests,
      duration,
      errors,
      jsonHeaders,
    };
  }

  private dropSeries(node: Readonly<N>): void {
    const { metrics } = this;
    const labels = labelsOf(node);
    if (node.layer === 'el') {
      metrics.elRequests.remove(labels[0], labels[1]);
      metrics.elRequestDuration.remove(labels[0], labels[1]);
    } else {
      metrics.clRequests.remove(labels[0]);
      metrics.clRequestDuration.remove(labels[0]);
    }
    for (const kind of UPSTREAM_ERROR_KINDS)
      metrics.upstreamErrors.remove(node.layer, node.name, kind);
  }
}

function labelsOf(node: Readonly<NodeState>): string[] {
  return node.layer === 'el' ? [node.name, node.tier] : [node.name];
}

export type ElChannelSet = ChannelSet<ElNodeState>;
export type ClChannelSet = ChannelSet<ClNodeState>;
