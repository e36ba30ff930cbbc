import { type Config, type ConfigStore, type RoutingStrategyName } from '../../config';
import { type NodeState } from '../../health/node-state';
import { type LatencyTracker } from './latency-tracker.service';
import { type RoutingRequest, type RoutingStrategy } from './routing-strategy';
import { createRoutingStrategy } from './routing-strategy.factory';

/**
 * The built-in strategy a config key names (`[proxy].el_routing` or `cl_routing`). It
 * reads the current config at each selection (a reference comparison): after a reload
 * that changes the name, the next selection uses the new strategy.
 */
export class ConfiguredStrategy<N extends NodeState> implements RoutingStrategy<N> {
  private seen: Config;
  private name: RoutingStrategyName;
  private current: RoutingStrategy<N>;

  constructor(
    private readonly nameOf: (config: Config) => RoutingStrategyName,
    private readonly store: ConfigStore,
    private readonly tracker: LatencyTracker,
  ) {
    this.seen = store.current;
    this.name = nameOf(this.seen);
    this.current = createRoutingStrategy<N>(this.name, tracker);
  }

  select(candidates: readonly Readonly<N>[], request: RoutingRequest): Readonly<N> | undefined {
    const config = this.store.current;
    if (config !== this.seen) this.follow(config);
    return this.current.select(candidates, request);
  }

  private follow(config: Config): void {
    this.seen = config;
    const name = this.nameOf(config);
    if (name === this.name) return;
    this.name = name;
    this.current = createRoutingStrategy<N>(name, this.tracker);
  }
}
