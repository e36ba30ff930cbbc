import { isAvailable, type Layer, type NodeState } from '../../health/node-state';
import { type NodeBudget } from '../rate-limit/node-budget';
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

export interface CandidateOptions {
  /** Leave out nodes out of rate budget or in a 429 back-off (default false: sessions ignore budgets). */
  readonly budget?: boolean;
}

/** Where a LayerSelector reads the nodes of its layer and their budgets. */
export interface LayerSource<N extends NodeState> {
  /** The registry's current list (a new array after a config reload). */
  nodes(): readonly Readonly<N>[];
  budget(node: Readonly<N>): NodeBudget;
  now(): number;
}

/**
 * Node selection for one layer. `candidates()` builds the list a strategy chooses
 * from; `pick()` chooses one node for one HTTP attempt and takes one token of its
 * budget. Synchronous, no I/O: called on the hot path for every attempt.
 */
export class LayerSelector<N extends NodeState> {
  /** Shortest wait for budget seen by the last collect (Infinity: none was over budget). */
  private waitMs = Infinity;
  /** The node list the budgets below were looked up for. */
  private nodes: readonly Readonly<N>[] = [];
  /** Budgets in the order of `nodes` (rebuilt when a reload replaces the list). */
  private budgets: NodeBudget[] = [];

  constructor(
    readonly layer: Layer,
    private readonly source: LayerSource<N>,
    private readonly strategy: RoutingStrategy<N>,
  ) {}

  /**
   * The nodes that may take a new request or session now, in config order (primaries
   * first): available ones (healthy, not drained, not reported down) minus `tried`
   * (and, with `budget`, minus those out of budget). When that leaves none, the
   * healthy nodes that a failed request reported since their last check, so that a
   * transient error on every node does not turn into 503s until the next check.
   * Takes no token.
   */
  candidates(
    tried: readonly Readonly<N>[] = NOTHING_TRIED,
    options: CandidateOptions = {},
  ): Readonly<N>[] {
    const budget = options.budget ?? false;
    return this.collect(tried, budget, budget ? this.source.now() : 0);
  }

  /**
   * The node for one attempt of an HTTP request (never one of `tried`), with one token
   * of its budget taken; or a Refusal: `rate_limited` when the only nodes left are out
   * of budget, `no_node` otherwise (or when the strategy declines).
   */
  pick(
    request: RoutingRequest,
    tried: readonly Readonly<N>[] = NOTHING_TRIED,
  ): Readonly<N> | Refusal {
    const now = this.source.now();
    const list = this.collect(tried, true, now);
    if (list.length === 0) {
      return this.waitMs === Infinity ? NO_NODE : new Refusal('rate_limited', this.waitMs);
    }
    const node = this.strategy.select(list, request);
    // A strategy may only choose among the candidates (budgets, tiers, retries rely on it).
    if (node === undefined || !list.includes(node)) return NO_NODE;
    this.budgets[this.nodes.indexOf(node)].take(now);
    return node;
  }

  private collect(tried: readonly Readonly<N>[], budget: boolean, now: number): Readonly<N>[] {
    const nodes = this.source.nodes();
    if (nodes !== this.nodes) {
      this.nodes = nodes;
      this.budgets = nodes.map((n) => this.source.budget(n));
    }
    this.waitMs = Infinity;
    const available = this.pass(tried, budget, now, false);
    return available.length > 0 ? available : this.pass(tried, budget, now, true);
  }

  private pass(
    tried: readonly Readonly<N>[],
    budget: boolean,
    now: number,
    reported: boolean,
  ): Readonly<N>[] {
    const out: Readonly<N>[] = [];
    for (let i = 0; i < this.nodes.length; i++) {
      const node = this.nodes[i];
      const eligible = reported
        ? node.isHealthy && !node.drained && node.passiveFailure !== null
        : isAvailable(node);
      if (!eligible || (tried.length > 0 && tried.includes(node))) continue;
      if (budget) {
        const wait = this.budgets[i].waitMs(now);
        if (wait > 0) {
          if (wait < this.waitMs) this.waitMs = wait;
          continue;
        }
      }
      out.push(node);
    }
    return out;
  }
}
