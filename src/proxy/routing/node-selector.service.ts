import { Injectable } from '@nestjs/common';
import { NodeRegistry } from '../../health/node-registry.service';
import { type ClNodeState, type ElNodeState, type NodeState } from '../../health/node-state';
import { RateLimiter } from '../rate-limit/rate-limiter.service';
import { LayerSelector } from './layer-selector';
import { type RoutingStrategy } from './routing-strategy';
import { InjectClRouting, InjectElRouting } from './routing.constants';

/**
 * Node selection for both layers: the candidate list of an attempt (availability,
 * retries, budgets, the passive-report fallback) and the configured or custom routing
 * strategy choosing among it. The HTTP proxy picks a node per attempt with `el.pick()`;
 * the WebSocket proxy builds candidates with `el.candidates()` (no token taken) and
 * asks the EL_ROUTING_STRATEGY itself.
 */
@Injectable()
export class NodeSelector {
  readonly el: LayerSelector<ElNodeState>;
  readonly cl: LayerSelector<ClNodeState>;

  constructor(
    registry: NodeRegistry,
    limiter: RateLimiter,
    @InjectElRouting() elStrategy: RoutingStrategy<ElNodeState>,
    @InjectClRouting() clStrategy: RoutingStrategy<ClNodeState>,
  ) {
    const source = <N extends NodeState>(nodes: () => readonly Readonly<N>[]) => ({
      nodes,
      budget: (node: Readonly<N>) => limiter.budget(node.layer, node.name),
      now: () => limiter.now(),
    });
    this.el = new LayerSelector(
      'el',
      source(() => registry.el()),
      elStrategy,
    );
    this.cl = new LayerSelector(
      'cl',
      source(() => registry.cl()),
      clStrategy,
    );
  }
}
