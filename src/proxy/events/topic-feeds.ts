import { Logger } from '@nestjs/common';
import { type BeaconNodes } from './beacon-nodes';
import { type EventsClock, MAX_TOPIC_FEEDS } from './events.constants';
import { type SseEvent } from './sse-parser';
import { topicsQuery } from './topics';
import { type Refusal, UpstreamStream } from './upstream-stream';

export type TopicListener = (event: SseEvent) => void;

/** The clients of one set of non-core topics, and its one stream on the serving node. */
class TopicGroup {
  readonly listeners = new Set<TopicListener>();
  stream: UpstreamStream | null = null;
  /** The serving node's first answer to this stream. */
  outcome: 'pending' | 'open' | Refusal = 'pending';
  readonly waiters = new Set<() => void>();

  constructor(
    readonly key: string,
    readonly topics: readonly string[],
  ) {}

  settle(outcome: 'open' | Refusal): void {
    if (this.outcome !== 'pending') return;
    this.outcome = outcome;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }
}

/** One client's place in a topic group. */
export class TopicSubscription {
  constructor(
    private readonly group: TopicGroup,
    private readonly clock: EventsClock,
    private readonly onLeave: (group: TopicGroup) => void,
    private readonly listener: TopicListener,
  ) {}

  /** Resolves with the node's refusal if it refused the topics within `waitMs`. */
  ready(waitMs: number): Promise<Refusal | undefined> {
    const { group } = this;
    const now = (): Refusal | undefined =>
      group.outcome === 'pending' || group.outcome === 'open' ? undefined : group.outcome;
    if (group.outcome !== 'pending') return Promise.resolve(now());
    return new Promise((resolve) => {
      const wake = (): void => {
        this.clock.clear(timer);
        group.waiters.delete(wake);
        resolve(now());
      };
      const timer = this.clock.setTimeout(wake, waitMs);
      group.waiters.add(wake);
    });
  }

  leave(): void {
    this.group.listeners.delete(this.listener);
    this.onLeave(this.group);
  }
}

/**
 * Streams of the topics Vixy cannot rebuild (attestations, exits, light client
 * updates...): one upstream stream per distinct topic set on the serving node, shared
 * by every client that asked for exactly that set, and moved with the serving node.
 * What a node sends while a stream moves is lost: these topics are at-most-once.
 */
export class TopicFeeds {
  private readonly logger = new Logger(TopicFeeds.name);
  private readonly groups = new Map<string, TopicGroup>();
  private node: string | null = null;

  constructor(
    private readonly nodes: BeaconNodes,
    private readonly clock: EventsClock,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  /** Joins the group of `topics` (sorted); undefined when MAX_TOPIC_FEEDS other sets are open. */
  join(topics: readonly string[], listener: TopicListener): TopicSubscription | undefined {
    const key = topics.join(',');
    let group = this.groups.get(key);
    if (group === undefined) {
      if (this.groups.size >= MAX_TOPIC_FEEDS) return undefined;
      group = new TopicGroup(key, topics);
      this.groups.set(key, group);
      this.open(group);
    }
    group.listeners.add(listener);
    return new TopicSubscription(group, this.clock, (g) => this.left(g), listener);
  }

  /** Moves every group's stream to `node` (null: no node serves; streams wait). */
  moveTo(node: string | null): void {
    if (node === this.node) return;
    this.node = node;
    for (const group of this.groups.values()) {
      group.stream?.stop();
      group.stream = null;
      group.outcome = 'pending';
      this.open(group);
    }
  }

  stop(): void {
    for (const group of this.groups.values()) group.stream?.stop();
    this.groups.clear();
    this.node = null;
  }

  private open(group: TopicGroup): void {
    const node = this.node;
    if (node === null) return;
    const path = `/eth/v1/events?${topicsQuery(group.topics)}`;
    let refused = false;
    const stream = new UpstreamStream(this.nodes, node, path, this.clock, {
      onOpen: () => {
        refused = false;
        group.settle('open');
      },
      onEvent: (event) => {
        for (const listener of group.listeners) listener(event);
      },
      onDown: (reason, refusal) => {
        if (refusal !== undefined && refusal.status >= 400 && refusal.status < 500) {
          group.settle(refusal);
          if (!refused) {
            refused = true;
            this.logger.warn({ node, topics: group.key, reason }, 'CL node refused event topics');
          }
        }
      },
    });
    group.stream = stream;
    stream.start();
  }

  private left(group: TopicGroup): void {
    if (group.listeners.size > 0 || this.groups.get(group.key) !== group) return;
    group.stream?.stop();
    this.groups.delete(group.key);
  }
}
