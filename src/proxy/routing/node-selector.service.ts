import { Injectable } from '@nestjs/common';
import { type ClNodeState, type ElNodeState } from '../../health/node-state';
import { type Clock, InjectRateLimitClock } from '../rate-limit/rate-limit.constants';
import { UpstreamRegistry } from '../upstream/upstream-registry.service';
import { LayerSelector } from './layer-selector';
import { type RoutingStrategy } from './routing-strategy';
import { InjectClRouting, InjectElRouting } from './routing.constants';

/**
 * Node selection for both layers: the candidates of an attempt (availability, retries,
 * budgets, the passive-report fallback) over the upstreams of the UpstreamRegistry, and
 * the configured or custom routing strategy choosing among them. Used by POST /el,
 * /cl/* and the WebSocket sessions alike.
 */
@Injectable()
export class NodeSelector {
  readonly el: LayerSelector<ElNodeState>;
  readonly cl: LayerSelector<ClNodeState>;

  constructor(
    upstreams: UpstreamRegistry,
    @InjectRateLimitClock() clock: Clock,
    @InjectElRouting() elStrategy: RoutingStrategy<ElNodeState>,
    @InjectClRouting() clStrategy: RoutingStrategy<ClNodeState>,
  ) {
    const now = () => clock.now();
    this.el = new LayerSelector('el', () => upstreams.el(), elStrategy, now);
    this.cl = new LayerSelector('cl', () => upstreams.cl(), clStrategy, now);
  }
}
