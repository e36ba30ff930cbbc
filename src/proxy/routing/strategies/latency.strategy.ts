import { type NodeState } from '../../../health/node-state';
import { bestTier } from '../best-tier';
import { type LatencyTracker } from '../latency-tracker.service';
import { type RoutingStrategy } from '../routing-strategy';

/**
 * The candidate of the best tier with the lowest recent latency (see LatencyTracker);
 * ties, and nodes without any measurement yet, go by config order.
 */
export class LatencyStrategy implements RoutingStrategy {
  constructor(private readonly tracker: LatencyTracker) {}

  select<N extends NodeState>(candidates: readonly Readonly<N>[]): Readonly<N> | undefined {
    const tier = bestTier(candidates);
    let best: Readonly<N> | undefined;
    let bestMs = Infinity;
    for (let i = 0; i < tier.length; i++) {
      const ms = this.tracker.latencyMs(tier[i]);
      if (best === undefined || ms < bestMs) {
        best = tier[i];
        bestMs = ms;
      }
    }
    return best;
  }
}
