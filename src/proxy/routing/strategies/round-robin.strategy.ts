import { type NodeState } from '../../../health/node-state';
import { bestTier } from '../best-tier';
import { type RoutingStrategy } from '../routing-strategy';

/** Spreads requests evenly over the candidates of the best tier. */
export class RoundRobinStrategy implements RoutingStrategy {
  private next = 0;

  select<N extends NodeState>(candidates: readonly Readonly<N>[]): Readonly<N> | undefined {
    const tier = bestTier(candidates);
    if (tier.length === 0) return undefined;
    const turn = this.next;
    this.next = turn >= Number.MAX_SAFE_INTEGER ? 0 : turn + 1;
    return tier[turn % tier.length];
  }
}
