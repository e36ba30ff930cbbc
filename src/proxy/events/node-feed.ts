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
 * How a node's internal stream is doing. `connecting`: no answer yet (Lodestar sends
 * its headers with the first event); `live`: events within the stall time; `stalled`:
 * silent longer than that; `down`: failed or ended, reconnecting.
 */
export type Liveness = 'connecting' | 'live' | 'stalled' | 'down';

export interface NodeFeedDeps {
  readonly nodes: BeaconNodes;
  readonly clock: EventsClock;
  /** `[proxy] cl_event_stall_ms` now (undefined: two slots of the node). */
  readonly configuredStallMs: () => number | undefined;
  /** Timeout of the node's /eth/v1/config/spec read. */
  readonly requestTimeoutMs: () => number;
  readonly onEvent: (feed: NodeFeed, event: CoreEvent) => void;
  /** Liveness changed. */
  readonly onChange: (feed: NodeFeed, reason: string) => void;
}

/** Silence after which a stalled connection is dropped and opened again, in stall times. */
const RESTART_AFTER_STALLS = 5;

/**
 * The internal `head`, `block` and `finalized_checkpoint` stream of one CL node,
 * never forwarded as such: it tells whether the node is live (a head every slot)
 * whatever topics clients chose, and it is where the chain log reads its events while
 * the node serves. Keeps the node's latest head event (a fill after a move uses it as
 * it is) and its slot length from /eth/v1/config/spec.
 */
export class NodeFeed {
  private readonly stream: UpstreamStream;
  private lastActivity = 0;
  private since: number | null = null;
  private stalled = false;
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
        this.activity();
        const event = parseCoreEvent(sse);
        if (event === undefined) return;
        if (event.topic === 'head') this.lastHead = event;
        deps.onEvent(this, event);
      },
      onDown: (reason) => {
        this.since = null;
        this.stalled = false;
        deps.onChange(this, reason);
      },
    });
  }

  get liveness(): Liveness {
    switch (this.stream.state) {
      case 'stopped':
      case 'down':
        return 'down';
      case 'connecting':
        return this.stalled ? 'stalled' : 'connecting';
      case 'open':
        return this.stalled ? 'stalled' : 'live';
      default: {
        const never: never = this.stream.state;
        throw new Error(`unknown stream state ${String(never)}`);
      }
    }
  }

  /** Since when the feed has been live without a break (null when it is not). */
  get liveSince(): number | null {
    return this.liveness === 'live' ? this.since : null;
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
    this.lastActivity = this.deps.clock.now();
    this.stream.start();
    this.loadSpec();
  }

  stop(): void {
    this.stream.stop();
    this.since = null;
    this.stalled = false;
  }

  /** Checks for silence; called on every tick of the event upstream. */
  tick(now: number): void {
    const state = this.stream.state;
    if (state !== 'open' && state !== 'connecting') return;
    const silent = now - this.lastActivity;
    if (silent > this.stallMs * RESTART_AFTER_STALLS) {
      this.lastActivity = now;
      this.since = null;
      this.stream.restart();
      return;
    }
    if (!this.stalled && silent > this.stallMs) {
      this.stalled = true;
      this.since = null;
      this.deps.onChange(this, `no event for ${Math.round(silent)} ms`);
    }
  }

  private opened(): void {
    this.activity();
    if (this.secondsPerSlot === undefined) this.loadSpec();
  }

  private activity(): void {
    const now = this.deps.clock.now();
    this.lastActivity = now;
    if (this.stream.state !== 'open') return;
    const wasLive = !this.stalled && this.since !== null;
    this.stalled = false;
    this.since ??= now;
    if (!wasLive) this.deps.onChange(this, 'live');
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
