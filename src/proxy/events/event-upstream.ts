import { Logger } from '@nestjs/common';
import { type CoreEvent } from './beacon-event';
import { type BeaconNodes } from './beacon-nodes';
import { ChainLog } from './chain-log';
import {
  type EventsClock,
  MAX_PENDING_EVENTS,
  RESUME_BUFFER_EVENTS,
  TICK_MS,
  type TimerHandle,
} from './events.constants';
import { GapFiller } from './gap-filler';
import { NodeFeed } from './node-feed';
import { TopicFeeds } from './topic-feeds';
import { type CoreTopic } from './topics';

/** Why the serving node changed (`reason` label of vixy_cl_event_stream_moves_total). */
export type MoveReason = 'unavailable' | 'stall' | 'closed' | 'failback';

export interface EventUpstreamDeps {
  readonly nodes: BeaconNodes;
  readonly clock: EventsClock;
  readonly stallMs: () => number | undefined;
  readonly requestTimeoutMs: () => number;
  readonly moved: (reason: MoveReason) => void;
  /** The serving node changed (either may be null). */
  readonly served: (from: string | null, to: string | null) => void;
  readonly filled: (topic: CoreTopic) => void;
}

/**
 * Where Vixy's event streams come from. Every CL node gets an internal stream
 * (NodeFeed) once the first client stream opens; one of them, the serving node, feeds
 * the chain log and the non-core topic streams. The serving node is the first
 * available node (config order) whose stream is live; it is replaced when it leaves
 * rotation, when its stream ends, or when it has been silent for the stall time while
 * another node is live, and given back to a preferred node that has been live for a
 * stall time. After every change the gap is filled from the new node's beacon API
 * before its own events are appended (they wait, bounded, meanwhile).
 */
export class EventUpstream {
  private readonly logger = new Logger(EventUpstream.name);
  readonly log = new ChainLog(RESUME_BUFFER_EVENTS);
  readonly topics: TopicFeeds;
  private readonly feeds = new Map<string, NodeFeed>();
  private leader: NodeFeed | null = null;
  /** Why the last serving node was given up while no other could take over. */
  private lostBecause: MoveReason | null = null;
  private generation = 0;
  /** The new node's events while a fill runs (null: none runs). */
  private pending: CoreEvent[] | null = null;
  private running = false;
  private ticker: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: EventUpstreamDeps) {
    this.topics = new TopicFeeds(deps.nodes, deps.clock);
  }

  /** The node serving the streams now, if any. */
  get serving(): string | null {
    return this.leader?.name ?? null;
  }

  /** Opens the node streams (idempotent); they stay open until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.deps.nodes.onChange(() => this.evaluate());
    this.ticker = this.deps.clock.setInterval(() => this.tick(), TICK_MS);
    this.syncNodes();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    if (this.ticker !== undefined) this.deps.clock.clear(this.ticker);
    for (const feed of this.feeds.values()) feed.stop();
    this.feeds.clear();
    this.topics.stop();
    if (this.leader !== null) this.deps.served(this.leader.name, null);
    this.leader = null;
    this.pending = null;
    this.generation++;
  }

  /** Follows the configured node list (after a reload): new nodes get a stream, removed ones lose it. */
  syncNodes(): void {
    if (!this.running) return;
    const names = new Set(this.deps.nodes.all());
    for (const [name, feed] of this.feeds) {
      if (names.has(name)) continue;
      feed.stop();
      this.feeds.delete(name);
    }
    for (const name of names) {
      if (this.feeds.has(name)) continue;
      const feed = new NodeFeed(name, {
        nodes: this.deps.nodes,
        clock: this.deps.clock,
        configuredStallMs: this.deps.stallMs,
        requestTimeoutMs: this.deps.requestTimeoutMs,
        onEvent: (f, event) => this.onEvent(f, event),
        onChange: () => this.evaluate(),
      });
      this.feeds.set(name, feed);
      feed.start();
    }
    this.evaluate();
  }

  /** Reopens silent node streams first, then chooses the serving node once. */
  private tick(): void {
    const now = this.deps.clock.now();
    for (const feed of this.feeds.values()) feed.tick(now);
    this.evaluate();
  }

  private onEvent(feed: NodeFeed, event: CoreEvent): void {
    if (feed !== this.leader) return;
    if (this.pending === null) {
      this.log.append(event, false);
      return;
    }
    if (this.pending.length >= MAX_PENDING_EVENTS) this.pending.shift();
    this.pending.push(event);
  }

  /**
   * Decides which node serves; cheap, called on every node change and once per tick,
   * with every node judged at the same instant.
   */
  private evaluate(): void {
    if (!this.running) return;
    const now = this.deps.clock.now();
    const available: NodeFeed[] = [];
    for (const name of this.deps.nodes.available()) {
      const feed = this.feeds.get(name);
      if (feed !== undefined) available.push(feed);
    }
    const leader = this.leader;
    const live = available.filter((f) => f.liveness(now) === 'live');
    if (leader !== null && !available.includes(leader)) {
      const reason = reasonOf(leader, now);
      if (available.length === 0) return this.lose(leader, reason);
      return this.move(live[0] ?? available[0], reason);
    }
    if (available.length === 0) return;
    if (leader === null) return this.move(live[0] ?? available[0], this.lostBecause);
    const state = leader.liveness(now);
    switch (state) {
      case 'down': {
        // Gone, not silent: a node that answered and has not stalled takes over too.
        const to = live[0] ?? available.find((f) => f.liveness(now) === 'open');
        if (to !== undefined) this.move(to, 'closed');
        return;
      }
      case 'stalled': {
        const to = live.find((f) => silentWhileLive(leader, f, now));
        if (to !== undefined) this.move(to, 'stall');
        return;
      }
      case 'connecting':
      case 'open':
      case 'live':
        break;
      default: {
        const never: never = state;
        throw new Error(`unknown liveness ${String(never)}`);
      }
    }
    const first = live[0];
    if (first === undefined || first === leader) return;
    const since = first.liveSince(now);
    const preferred = available.indexOf(first) < available.indexOf(leader);
    if (preferred && since !== null && now - since >= first.stallMs) this.move(first, 'failback');
  }

  /** The serving node left and none can take over: streams stay open and wait. */
  private lose(leader: NodeFeed, reason: MoveReason): void {
    this.logger.warn({ node: leader.name, reason }, 'CL event streams have no node to serve them');
    this.deps.served(leader.name, null);
    this.leader = null;
    this.lostBecause = reason;
    this.pending = null;
    this.generation++;
    this.topics.moveTo(null);
  }

  private move(to: NodeFeed, reason: MoveReason | null): void {
    const from = this.leader?.name ?? null;
    this.leader = to;
    this.lostBecause = null;
    const generation = ++this.generation;
    this.pending = [];
    if (reason === null) {
      this.logger.log({ node: to.name }, 'CL event streams served by node');
    } else {
      this.deps.moved(reason);
      this.logger.warn({ from, to: to.name, reason }, 'CL event stream moved');
    }
    this.deps.served(from, to.name);
    this.topics.moveTo(to.name);
    void this.fill(to, generation);
  }

  private async fill(to: NodeFeed, generation: number): Promise<void> {
    const timeoutMs = this.deps.requestTimeoutMs();
    const filler = new GapFiller((path) => this.deps.nodes.getJson(to.name, path, timeoutMs));
    try {
      const result = await filler.fill({
        cursor: this.log.cursor,
        knownBlock: (slot, root) => this.log.hasBlock(slot, root),
        cachedHead: to.lastHead,
        slotsPerEpoch: to.slotsPerEpoch,
      });
      if (generation !== this.generation) return;
      if (result.kind === 'seed') {
        this.log.seed(result.slot, result.root, result.finalizedEpoch);
      } else {
        this.log.passHeads(result.superseded);
        for (const event of result.events) {
          if (this.log.append(event, true) !== undefined) this.deps.filled(event.topic);
        }
        if (result.incomplete || result.skipped.length > 0) {
          const { incomplete, skipped } = result;
          this.logger.warn({ node: to.name, incomplete, skipped }, 'CL event fill partial');
        }
      }
    } catch (err) {
      if (generation !== this.generation) return;
      const error = err instanceof Error ? err.message : String(err);
      this.logger.warn({ node: to.name, error }, 'CL event fill failed');
    }
    const pending = this.pending ?? [];
    this.pending = null;
    for (const event of pending) this.log.append(event, false);
  }
}

function reasonOf(feed: NodeFeed, now: number): MoveReason {
  switch (feed.liveness(now)) {
    case 'down':
      return 'closed';
    case 'stalled':
      return 'stall';
    default:
      return 'unavailable';
  }
}

/**
 * A stalled serving node gives way to a live node only once it has been silent for a
 * stall time while that node was live: the other node sent real events meanwhile, newer
 * than the serving node's last one. Neither a halted chain (every node silent) nor the
 * first block after it, which one node sends a moment before the other, moves the streams.
 */
function silentWhileLive(leader: NodeFeed, other: NodeFeed, now: number): boolean {
  const since = other.liveSince(now);
  if (since === null || other.lastEventAt <= leader.lastEventAt) return false;
  return now - Math.max(leader.lastEventAt, since) >= leader.stallMs;
}
