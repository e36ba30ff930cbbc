import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { type Config, CONFIG_UPDATE, ConfigStore, ConfigUpdateEvent } from '../../config';
import { type Layer } from '../../health/node-state';
import { NodeBudget } from './node-budget';
import { type Clock, InjectRateLimitClock } from './rate-limit.constants';
import { TokenBucket } from './token-bucket';

interface NodeLimits {
  readonly name: string;
  readonly max_qps?: number;
  readonly max_consecutive_requests?: number;
}

interface Entry {
  readonly budget: NodeBudget;
  limits: string;
}

/**
 * One `NodeBudget` per configured node: a token bucket (refill `max_qps` a second,
 * capacity `max_consecutive_requests`, default `max_qps`) for the nodes that set
 * `max_qps`, and the 429 back-off for every node. Follows config reloads: new nodes
 * get a budget, removed ones lose theirs, changed limits start a new full bucket.
 */
@Injectable()
export class RateLimiter {
  private readonly el = new Map<string, Entry>();
  private readonly cl = new Map<string, Entry>();

  constructor(
    store: ConfigStore,
    @InjectRateLimitClock() private readonly clock: Clock,
  ) {
    this.sync(store.current);
  }

  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate({ next }: ConfigUpdateEvent): void {
    this.sync(next);
  }

  now(): number {
    return this.clock.now();
  }

  /** The budget of a configured node (throws for an unknown one: a programming error). */
  budget(layer: Layer, name: string): NodeBudget {
    const entry = (layer === 'el' ? this.el : this.cl).get(name);
    if (entry === undefined) throw new Error(`no ${layer} node named ${name}`);
    return entry.budget;
  }

  private sync(config: Config): void {
    const now = this.clock.now();
    syncLayer(this.el, [...config.el.primary, ...config.el.backup], now);
    syncLayer(this.cl, config.cl, now);
  }
}

function syncLayer(entries: Map<string, Entry>, nodes: readonly NodeLimits[], now: number): void {
  const wanted = new Map(nodes.map((n) => [n.name, n]));
  for (const name of entries.keys()) if (!wanted.has(name)) entries.delete(name);
  for (const [name, node] of wanted) {
    const limits = `${node.max_qps ?? '-'}/${node.max_consecutive_requests ?? '-'}`;
    const entry = entries.get(name);
    if (entry === undefined) {
      entries.set(name, { budget: new NodeBudget(bucketOf(node, now)), limits });
    } else if (entry.limits !== limits) {
      entry.budget.setBucket(bucketOf(node, now));
      entry.limits = limits;
    }
  }
}

function bucketOf(node: NodeLimits, now: number): TokenBucket | undefined {
  if (node.max_qps === undefined) return undefined;
  return new TokenBucket(node.max_consecutive_requests ?? node.max_qps, node.max_qps, now);
}
