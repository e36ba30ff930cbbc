import { Module } from '@nestjs/common';
import { type Config, ConfigStore, type RoutingStrategyName } from '../../config';
import { HealthModule } from '../../health/health.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { LatencyTracker } from './latency-tracker.service';
import { NodeSelector } from './node-selector.service';
import { ConfiguredStrategy } from './configured-strategy';
import { type RoutingStrategy } from './routing-strategy';
import {
  CL_ROUTING_STRATEGY,
  CUSTOM_CL_ROUTING_STRATEGY,
  CUSTOM_EL_ROUTING_STRATEGY,
  EL_ROUTING_STRATEGY,
} from './routing.constants';

/**
 * Node selection: EL_ROUTING_STRATEGY and CL_ROUTING_STRATEGY (the built-in strategies
 * named by `[proxy].el_routing` / `cl_routing`, or the CUSTOM_*_ROUTING_STRATEGY a
 * global module of yours provides), the NodeSelector that builds each attempt's
 * candidates and the latency figures strategies use.
 */
@Module({
  imports: [HealthModule, UpstreamModule],
  providers: [
    LatencyTracker,
    {
      provide: EL_ROUTING_STRATEGY,
      useFactory: (store: ConfigStore, tracker: LatencyTracker, custom?: RoutingStrategy) =>
        custom ?? configured(store, tracker, (c) => c.proxy.el_routing),
      inject: [ConfigStore, LatencyTracker, { token: CUSTOM_EL_ROUTING_STRATEGY, optional: true }],
    },
    {
      provide: CL_ROUTING_STRATEGY,
      useFactory: (store: ConfigStore, tracker: LatencyTracker, custom?: RoutingStrategy) =>
        custom ?? configured(store, tracker, (c) => c.proxy.cl_routing),
      inject: [ConfigStore, LatencyTracker, { token: CUSTOM_CL_ROUTING_STRATEGY, optional: true }],
    },
    NodeSelector,
  ],
  exports: [EL_ROUTING_STRATEGY, CL_ROUTING_STRATEGY, NodeSelector, LatencyTracker, UpstreamModule],
})
export class RoutingModule {}

function configured(
  store: ConfigStore,
  tracker: LatencyTracker,
  nameOf: (config: Config) => RoutingStrategyName,
): RoutingStrategy {
  return new ConfiguredStrategy(nameOf, store, tracker);
}
