import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { NodeRegistry } from './node-registry.service';
import { isAvailable, type Layer, type NodeState } from './node-state';
import { ReadinessState } from './readiness-state.service';

/**
 * Terminus indicators of readiness: a layer is up while at least one of its nodes is
 * available (healthy, not drained, not reported down); `serving` is down while the
 * instance drains for shutdown.
 */
@Injectable()
export class NodesHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly registry: NodeRegistry,
    private readonly readiness: ReadinessState,
  ) {}

  layer<const Key extends string>(key: Key, layer: Layer): HealthIndicatorResult<Key> {
    const nodes: readonly Readonly<NodeState>[] =
      layer === 'el' ? this.registry.el() : this.registry.cl();
    const available = nodes.filter((n) => isAvailable(n)).map((n) => n.name);
    const data = { available: available.length, total: nodes.length, nodes: available };
    const session = this.indicators.check(key);
    return available.length > 0
      ? session.up(data)
      : session.down({ ...data, message: `no available ${layer.toUpperCase()} node` });
  }

  serving<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    const session = this.indicators.check(key);
    const reason = this.readiness.reason;
    return reason === null ? session.up() : session.down({ message: reason });
  }
}
