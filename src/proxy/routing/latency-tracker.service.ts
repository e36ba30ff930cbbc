import { Injectable } from '@nestjs/common';
import { type NodeState } from '../../health/node-state';
import { UpstreamRegistry } from '../upstream/upstream-registry.service';

/**
 * Recent latency of every node, for routing strategies (the built-in `latency` one and
 * yours): an exponentially weighted moving average of the requests proxied to the node
 * and of its good health checks (so that a node without traffic has a current figure
 * too), kept in the node's upstream object. Infinity when nothing is known.
 */
@Injectable()
export class LatencyTracker {
  constructor(private readonly upstreams: UpstreamRegistry) {}

  /** The node's recent latency in milliseconds. */
  latencyMs(node: Readonly<NodeState>): number {
    return this.upstreams.of(node)?.latencyMs() ?? node.lastLatencyMs ?? Infinity;
  }
}
