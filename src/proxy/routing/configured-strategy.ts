import { type Observable } from 'rxjs';
import { type Config, type ConfigChange, type RoutingStrategyName } from '../../config';
import { type NodeState } from '../../health/node-state';
import { type LatencyTracker } from './latency-tracker.service';
import { type RoutingRequest, type RoutingStrategy } from './routing-strategy';
import { createRoutingStrategy } from './routing-strategy.factory';

/**
 * The built-in strategy a config key names (`[proxy].el_routing` or `cl_routing`),
 * following config reloads: when the name changes, the next selection uses the new
 * strategy.
 */
export class ConfiguredStrategy<N extends NodeState> implements RoutingStrategy<N> {
  private name: RoutingStrategyName;
  private current: RoutingStrategy<N>;

  constructor(
    private readonly nameOf: (config: Config) => RoutingStrategyName,
    config: Config,
    changes$: Observable<ConfigChange>,
    private readonly tracker: LatencyTracker,
  ) {
    this.name = nameOf(config);
    this.current = createRoutingStrategy<N>(this.name, tracker);
    changes$.subscribe(({ next }) => this.follow(next));
  }

  select(candidates: readonly Readonly<N>[], request: RoutingRequest): Readonly<N> | undefined {
    return this.current.select(candidates, request);
  }

  private follow(config: Config): void {
    const name = this.nameOf(config);
    if (name === this.name) return;
    this.name = name;
    this.current = createRoutingStrategy<N>(name, this.tracker);
  }
}
