import { type NodeState } from '../../../health/node-state';
import { type RoutingStrategy } from '../routing-strategy';

/**
 * The Rust original's behaviour (the default): the first candidate in config order,
 * that is the first available primary, or the first backup when no primary is a
 * candidate.
 */
export class FirstHealthyStrategy implements RoutingStrategy {
  select<N extends NodeState>(candidates: readonly Readonly<N>[]): Readonly<N> | undefined {
    return candidates[0];
  }
}
