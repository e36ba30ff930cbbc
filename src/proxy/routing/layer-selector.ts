import { isAvailable, type Layer, type NodeState } from '../../health/node-state';
import { type Upstream } from '../upstream/upstream';
import { type RoutingRequest, type RoutingStrategy } from './routing-strategy';

/** Why no node was picked for an attempt. */
export class Refusal {
  constructor(
    readonly reason: 'no_node' | 'rate_limited',
    /** rate_limited: milliseconds until some eligible node has budget again. */
    readonly retryAfterMs: number,
  ) {}
}

const NO_NODE = new Refusal('no_node', 0);

/** The `tried` of a first attempt. */
export const NOTHING_TRIED: readonly never[] = [];

/** A node picked for a share of a batch's calls. */
export interface Reservation<N extends NodeState> {
  readonly upstream: Upstream<N>;
  /** Calls of the batch this node takes (1..asked). */
  readonly granted: number;
}

/**
 * Node selection for one layer, on the hot path of every attempt (synchronous, no I/O).
 * The candidates of an attempt are the layer's upstreams, in config order (primaries
 * first), whose node is available (healthy, not drained, not reported down), that were
 * not tried for this request, and that have budget for a call; when that leaves none,
 * the healthy nodes that a failed request reported since their last checks, so that a
 * transient error on every node does not turn into 503s. The routing strategy chooses
 * among them; the chosen node's budget is charged one token per call.
 */
export class LayerSelector<N extends NodeState> {
  /** Shortest wait for budget seen by the last collect (Infinity: none was over budget). */
  private waitMs = Infinity;
  // Reused on every pick: the strategy sees `nodes`, valid during its call only.
  private readonly nodes: Readonly<N>[] = [];
  private readonly ups: Upstream<N>[] = [];

  constructor(
    readonly layer: Layer,
    private readonly upstreams: () => readonly Upstream<N>[],
    private readonly strategy: RoutingStrategy<N>,
    private readonly now: () => number,
  ) {}

  /**
   * The node for one attempt of `calls` calls (0: a WebSocket session, which takes no
   * budget itself), never one of `tried`, with its budget charged; or a Refusal:
   * `rate_limited` when the only nodes left are out of budget, `no_node` otherwise (or
   * when the strategy declines).
   */
  pick(
    request: RoutingRequest,
    tried: readonly Upstream<N>[],
    calls: number,
  ): Upstream<N> | Refusal {
    const now = this.now();
    const chosen = this.choose(request, tried, calls, now);
    if (chosen instanceof Refusal || calls === 0) return chosen;
    const granted = chosen.budget.take(now, calls);
    if (granted === calls) return chosen;
    // Not enough for all of them: whole requests are not split here (see reserve()).
    chosen.budget.refund(now, granted);
    return new Refusal('rate_limited', chosen.budget.waitMs(now) || 1);
  }

  /**
   * A node for as many of a batch's `calls` as its budget allows (at least one): the
   * caller sends the rest elsewhere. Never one of `tried`.
   */
  reserve(
    request: RoutingRequest,
    tried: readonly Upstream<N>[],
    calls: number,
  ): Reservation<N> | Refusal {
    const now = this.now();
    const chosen = this.choose(request, tried, calls, now);
    if (chosen instanceof Refusal) return chosen;
    return { upstream: chosen, granted: Math.max(1, chosen.budget.take(now, calls)) };
  }

  private choose(
    request: RoutingRequest,
    tried: readonly Upstream<N>[],
    calls: number,
    now: number,
  ): Upstream<N> | Refusal {
    const budget = calls > 0;
    this.waitMs = Infinity;
    const all = this.upstreams();
    if (!this.collect(all, tried, budget, now, false)) this.collect(all, tried, budget, now, true);
    if (this.nodes.length === 0) {
      return this.waitMs === Infinity ? NO_NODE : new Refusal('rate_limited', this.waitMs);
    }
    const node = this.strategy.select(this.nodes, request);
    // A strategy may only choose among the candidates (budgets, tiers, retries rely on it).
    const index = node === undefined ? -1 : this.nodes.indexOf(node);
    return index < 0 ? NO_NODE : this.ups[index];
  }

  /** Fills the candidate lists; true when there is at least one. */
  private collect(
    all: readonly Upstream<N>[],
    tried: readonly Upstream<N>[],
    budget: boolean,
    now: number,
    reported: boolean,
  ): boolean {
    this.nodes.length = 0;
    this.ups.length = 0;
    for (let i = 0; i < all.length; i++) {
      const upstream = all[i];
      const node = upstream.node;
      const eligible = reported
        ? node.isHealthy && !node.drained && node.passiveFailure !== null
        : isAvailable(node);
      if (!eligible || (tried.length > 0 && tried.includes(upstream))) continue;
      if (budget) {
        const wait = upstream.budget.waitMs(now);
        if (wait > 0) {
          if (wait < this.waitMs) this.waitMs = wait;
          continue;
        }
      }
      this.nodes.push(node);
      this.ups.push(upstream);
    }
    return this.nodes.length > 0;
  }
}
