import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type Subscription } from 'rxjs';
import { NodeRegistry } from '../../health/node-registry.service';
import { type Layer, type NodeState } from '../../health/node-state';

/** Weight of a new sample in the moving average. */
const ALPHA = 0.3;

/**
 * Recent latency of every node: an exponentially weighted moving average of the
 * durations of the requests proxied to it and of its successful health checks (so
 * that a node that gets no traffic still has a current figure). Before any sample,
 * the last health-check latency; Infinity when there is none.
 */
@Injectable()
export class LatencyTracker implements OnModuleInit, OnModuleDestroy {
  /** By node state object: a node a reload replaces (or removes) takes its figure along. */
  private readonly averages = new WeakMap<Readonly<NodeState>, number>();
  private subscription: Subscription | undefined;

  constructor(private readonly registry: NodeRegistry) {}

  onModuleInit(): void {
    this.subscription = this.registry.events$.subscribe((event) => {
      if (event.type === 'cycle') this.recordChecks(event.layer);
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** Adds one sample (milliseconds) for a node. */
  record(node: Readonly<NodeState>, ms: number): void {
    const previous = this.averages.get(node);
    this.averages.set(node, previous === undefined ? ms : previous + ALPHA * (ms - previous));
  }

  /** The node's recent latency in milliseconds (Infinity when nothing is known). */
  latencyMs(node: Readonly<NodeState>): number {
    return this.averages.get(node) ?? node.lastLatencyMs ?? Infinity;
  }

  private recordChecks(layer: Layer): void {
    const nodes = layer === 'el' ? this.registry.el() : this.registry.cl();
    for (const node of nodes) {
      if (node.checkOk && node.lastLatencyMs !== null) this.record(node, node.lastLatencyMs);
    }
  }
}
