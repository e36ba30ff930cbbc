import { type RoutingStrategyName } from '../../config';
import { type NodeState } from '../../health/node-state';
import { type LatencyTracker } from './latency-tracker.service';
import { type RoutingStrategy } from './routing-strategy';
import { FirstHealthyStrategy } from './strategies/first-healthy.strategy';
import { LatencyStrategy } from './strategies/latency.strategy';
import { RoundRobinStrategy } from './strategies/round-robin.strategy';

/**
 * A new instance of a built-in strategy (`[proxy].el_routing` / `cl_routing`). Custom
 * strategies use it to delegate what they do not route themselves.
 */
export function createRoutingStrategy<N extends NodeState = NodeState>(
  name: RoutingStrategyName,
  tracker: LatencyTracker,
): RoutingStrategy<N> {
  switch (name) {
    case 'first_healthy':
      return new FirstHealthyStrategy();
    case 'round_robin':
      return new RoundRobinStrategy();
    case 'latency':
      return new LatencyStrategy(tracker);
    default: {
      const never: never = name;
      throw new Error(`unknown routing strategy ${String(never)}`);
    }
  }
}
