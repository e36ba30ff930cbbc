import { type Dispatcher } from 'undici';
import { type ClNodeState, type ElNodeState, type NodeState } from '../../health/node-state';
import { type NodeBudget } from '../rate-limit/node-budget';
import { type NodeSockets } from './node-sockets';
import { type UpstreamMetrics } from './upstream-metrics';
import { type UpstreamTarget } from './upstream-target';

/** Weight of a new sample in the latency moving average. */
const LATENCY_ALPHA = 0.3;

/** What an Upstream is built from (by the UpstreamRegistry, the only place that does). */
export interface UpstreamParts<N extends NodeState> {
  readonly node: Readonly<N>;
  /** The node's real HTTP URL (never shown: see node.httpUrl / node.url). */
  readonly url: string;
  readonly target: UpstreamTarget;
  readonly pool: Dispatcher;
  readonly budget: NodeBudget;
  readonly metrics: UpstreamMetrics;
  /** EL nodes: the shared WebSocket connections (not connected until started). */
  readonly sockets?: NodeSockets;
}

/**
 * Everything of one node that the proxy uses, in one object: its state in the node
 * registry, its HTTP connection pool and where requests go, its shared WebSocket
 * connections (EL), its call budget, its recent
 * latency and its metric children. Created, changed and closed only by the
 * UpstreamRegistry; the hot path reads its fields and never builds anything per request
 * that could live here.
 */
export class Upstream<N extends NodeState = NodeState> {
  readonly layer: N['layer'];
  readonly name: string;
  readonly url: string;
  readonly target: UpstreamTarget;
  readonly pool: Dispatcher;
  readonly budget: NodeBudget;
  readonly sockets: NodeSockets | undefined;
  /** EL: the request headers of a JSON POST (content type, authorization), built once. */
  readonly jsonHeaders: readonly string[];
  private state: Readonly<N>;
  private children: UpstreamMetrics;
  private latency: number | undefined;
  private closed = false;

  constructor(parts: UpstreamParts<N>) {
    this.state = parts.node;
    this.layer = parts.node.layer;
    this.name = parts.node.name;
    this.url = parts.url;
    this.target = parts.target;
    this.pool = parts.pool;
    this.budget = parts.budget;
    this.sockets = parts.sockets;
    this.children = parts.metrics;
    const { authorization } = parts.target;
    this.jsonHeaders =
      authorization === undefined
        ? ['content-type', 'application/json']
        : ['content-type', 'application/json', 'authorization', authorization];
  }

  /** The node's state in the registry (read-only here). */
  get node(): Readonly<N> {
    return this.state;
  }

  get metrics(): UpstreamMetrics {
    return this.children;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Adds one latency sample (milliseconds): a proxied request or a good health check. */
  recordLatency(ms: number): void {
    const previous = this.latency;
    this.latency = previous === undefined ? ms : previous + LATENCY_ALPHA * (ms - previous);
  }

  /** Recent latency in milliseconds; the last check's before any sample; Infinity when unknown. */
  latencyMs(): number {
    return this.latency ?? this.state.lastLatencyMs ?? Infinity;
  }

  /** Registry only: the node's state object or metric children after a reload. */
  rebind(node: Readonly<N>, metrics: UpstreamMetrics): void {
    this.state = node;
    this.children = metrics;
  }

  /** Registry only: marks the upstream closed (its pool is closed by the registry). */
  markClosed(): void {
    this.closed = true;
  }
}

export type ElUpstream = Upstream<ElNodeState>;
export type ClUpstream = Upstream<ClNodeState>;
