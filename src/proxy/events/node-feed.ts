import { type CoreEvent, parseCoreEvent, uintOf } from './beacon-event';
import { type BeaconNodes } from './beacon-nodes';
import {
  CORE_STREAM_PATH,
  DEFAULT_SECONDS_PER_SLOT,
  DEFAULT_SLOTS_PER_EPOCH,
  type EventsClock,
} from './events.constants';
import { UpstreamStream } from './upstream-stream';

/**
 * How a node's internal stream is doing at an instant. `live`: open, with a real event
 * (head, block or finalized checkpoint; not a comment, not the opening of the stream)
 * within the stall time; `open`: answered, no event on this connection yet, the last
 * one within the stall time; `connecting`: no answer yet (Lodestar sends its headers
 * with the first event); `stalled`: open or connecting, no real event for longer than
 * the stall time (a reopened stream stays stalled until its first event); `down`:
 * failed or ended, reconnecting.
 */
export type Liveness = 'connecting' | 'open' | 'live' | 'stalled' | 'down';

export interface NodeFeedDeps {
  readonly nodes: BeaconNodes;
  readonly clock: EventsClock;
  /** `[proxy] cl_event_stall_ms` now (undefined: two slots of the node). */
  readonly configuredStallMs: () => number | undefined;
  /** Timeout of the node's /eth/v1/config/spec read. */
  readonly requestTimeoutMs: () => number;
  readonly onEvent: (feed: NodeFeed, event: CoreEvent) => void;
  /** The feed became live, or went down. */
  readonly onChange: (feed: NodeFeed, reason: string) => void;
}

/** Silence after which a stalled connection is dropped and opened again, in stall times. */
const RESTART_AFTER_STALLS = 5;

/**
 * The internal `head`, `block` and `finalized_checkpoint` stream of one CL node,
 * never forwarded as such: it tells whether the node is live (a head every slot)
 * whatever topics clients chose, and it is where the chain log reads its events while
 * the node serves. Keeps the node's latest head event (a fill after a move uses it as
 * it is) and its slot length from /eth/v1/config/spec. Liveness is a function of the
 * time: every node is judged at the same instant.
 */
export class NodeFeed {
  private readonly stream: UpstreamStream;
  /** The node's last real event (its start while it has sent none). */
  private eventAt = 0;
  /** Start of the current live period: its first event (null: not live since a break). */
  private liveFrom: number | null = null;
  /** Last event or (re)opening: the restart of a silent connection counts from here. */
  private quietSince = 0;
  private secondsPerSlot: number | undefined;
  private epochSlots: number | undefined;
  private specLoading = false;
  /** The node's latest `head` event. */
  lastHead: CoreEvent | undefined;

  constructor(
    readonly name: string,
    private readonly deps: NodeFeedDeps,
  ) {
    this.stream = new UpstreamStream(deps.nodes, name, CORE_STREAM_PATH, deps.clock, {
      onOpen: () => this.opened(),
      onEvent: (sse) => {
        const event = parseCoreEvent(sse);
        if (event === undefined) return;
        this.delivered();
        if (event.topic === 'head') this.lastHead = event;
        deps.onEvent(this, event);
      },
      onDown: (reason) => {
        this.liveFrom = null;
        deps.onChange(this, reason);
      },
    });
  }

  /** The feed's state at `now` (the clock's time by default). */
  liveness(now = this.deps.clock.now()): Liveness {
    const state = this.stream.state;
    switch (state) {
      case 'stopped':
      case 'down':
        return 'down';
      case 'connecting':
      case 'open': {
        const silent = now - this.eventAt;
        if (silent > this.stallMs) return 'stalled';
        if (state === 'connecting') return 'connecting';
        return this.liveFrom !== null ? 'live' : 'open';
      }
      default: {
        const never: never = state;
        throw new Error(`unknown stream state ${String(never)}`);
      }
    }
  }

  /** Since when the feed has been live without a break (null when it is not). */
  liveSince(now = this.deps.clock.now()): number | null {
    return this.liveness(now) === 'live' ? this.liveFrom : null;
  }

  /** When the node last sent a real event (its start, if it has sent none). */
  get lastEventAt(): number {
    return this.eventAt;
  }

  /** Silence that makes the node stalled: the configured value, or two of its slots. */
  get stallMs(): number {
    return (
      this.deps.configuredStallMs() ?? 2 * (this.secondsPerSlot ?? DEFAULT_SECONDS_PER_SLOT) * 1000
    );
  }

  get slotsPerEpoch(): number {
    return this.epochSlots ?? DEFAULT_SLOTS_PER_EPOCH;
  }

  start(): void {
    this.eventAt = this.quietSince = this.deps.clock.now();
    this.liveFrom = null;
    this.stream.start();
    this.loadSpec();
  }

  stop(): void {
    this.stream.stop();
    this.liveFrom = null;
  }

  /**
   * Reopens a connection silent for RESTART_AFTER_STALLS stall times (maybe half-open);
   * called on every tick of the event upstream. The reopened stream is not live: only
   * an event makes it so.
   */
  tick(now: number): void {
    const state = this.stream.state;
    if (state !== 'open' && state !== 'connecting') return;
    if (now - this.quietSince <= this.stallMs * RESTART_AFTER_STALLS) return;
    this.quietSince = now;
    this.liveFrom = null;
    this.stream.restart();
  }

  private opened(): void {
    this.quietSince = this.deps.clock.now();
    if (this.secondsPerSlot === undefined) this.loadSpec();
  }

  private delivered(): void {
    const now = this.deps.clock.now();
    const wasLive = this.liveness(now) === 'live';
    this.eventAt = this.quietSince = now;
    if (wasLive) return;
    this.liveFrom = now;
    this.deps.onChange(this, 'live');
  }

  private loadSpec(): void {
    if (this.specLoading) return;
    this.specLoading = true;
    this.deps.nodes
      .getJson(this.name, '/eth/v1/config/spec', this.deps.requestTimeoutMs())
      .then(({ status, body }) => {
        if (status !== 200) return;
        const data = (body as { data?: Record<string, unknown> } | undefined)?.data;
        const seconds = uintOf(data?.SECONDS_PER_SLOT);
        const slots = uintOf(data?.SLOTS_PER_EPOCH);
        if (seconds !== undefined && seconds > 0) this.secondsPerSlot = seconds;
        if (slots !== undefined && slots > 0) this.epochSlots = slots;
      })
      .catch(() => undefined)
      .finally(() => {
        this.specLoading = false;
      });
  }
}
