import { type CoreEvent, eventKey } from './beacon-event';
import {
  comparePositions,
  eventId,
  ORIGIN_ID,
  parseEventId,
  type Position,
  RANKS,
} from './event-id';
import { formatEvent } from './sse-format';
import { type CoreTopic } from './topics';

/** One event of the log, formatted once for every client. */
export interface LogEntry {
  readonly id: string;
  readonly topic: CoreTopic;
  readonly position: Position;
  readonly key: string;
  /** `id:`, `event:` and `data:` lines and the blank line. */
  readonly wire: string;
  /** Rebuilt from the beacon API after a node change (not seen on a stream). */
  readonly filled: boolean;
}

/** Where the log stands on the chain: what a fill after a node change starts from. */
export interface Cursor {
  readonly blockSlot: number | null;
  readonly headSlot: number | null;
  readonly headRoot: string | null;
  readonly finalizedEpoch: number | null;
}

export interface Replay {
  /** The id the client resumed from (the part before any `.n`). */
  readonly base: string;
  readonly entries: readonly LogEntry[];
  /** Set when the id was not found: later entries at or before it are skipped too. */
  readonly floor: Position | null;
}

/**
 * Vixy's own record of the `block`, `head` and `finalized_checkpoint` events of the
 * chain, as delivered to clients: a ring of the last `capacity` events, each with its
 * chain-derived id. An event already in the ring (same topic, slot or epoch, and
 * root) is not appended again, whichever node sends it; nor is a finalized checkpoint
 * that is not newer than the last one, nor a head the log has gone past (`passHeads`).
 * Clients subscribe to appends and replay from a Last-Event-ID.
 */
export class ChainLog {
  private readonly ring: LogEntry[] = [];
  private start = 0;
  private readonly byKey = new Map<string, LogEntry>();
  /** Roots of blocks below a delivered head, oldest first: their heads come too late. */
  private readonly passed = new Set<string>();
  private readonly listeners = new Set<(entry: LogEntry) => void>();
  private state: Cursor = { blockSlot: null, headSlot: null, headRoot: null, finalizedEpoch: null };
  private maxSlot = 0;
  private last = ORIGIN_ID;

  constructor(private readonly capacity: number) {}

  get cursor(): Cursor {
    return this.state;
  }

  /** The id of the newest event, or of the position the log was seeded at. */
  get lastId(): string {
    return this.last;
  }

  get size(): number {
    return this.ring.length;
  }

  /** Starts from a node's head and finality without delivering them (no client missed them). */
  seed(slot: number, root: string, finalizedEpoch: number): void {
    this.state = { blockSlot: slot, headSlot: slot, headRoot: root, finalizedEpoch };
    this.maxSlot = Math.max(this.maxSlot, slot);
    if (this.ring.length === 0) this.last = eventId({ slot, rank: RANKS.head }, root);
  }

  /**
   * Blocks that a fill found below the head it delivered: a `head` event for one of
   * them (from a stream behind the node's API, or a node sending a backlog) would take
   * the head back to an ancestor, and is not appended. The last `capacity` are kept.
   */
  passHeads(roots: readonly string[]): void {
    for (const root of roots) {
      this.passed.delete(root);
      this.passed.add(root);
    }
    for (const oldest of this.passed) {
      if (this.passed.size <= this.capacity) break;
      this.passed.delete(oldest);
    }
  }

  hasBlock(slot: number, root: string): boolean {
    return this.byKey.has(`block:${slot}:${root}`);
  }

  /** Appends and announces the event; undefined when it is a duplicate or too old. */
  append(event: CoreEvent, filled: boolean): LogEntry | undefined {
    const key = eventKey(event);
    if (this.byKey.has(key)) return undefined;
    if (event.topic === 'head' && this.passed.has(event.root)) return undefined;
    const s = this.state;
    let slot: number;
    if (event.topic === 'finalized_checkpoint') {
      if (s.finalizedEpoch !== null && event.epoch <= s.finalizedEpoch) return undefined;
      slot = this.maxSlot;
      this.state = { ...s, finalizedEpoch: event.epoch };
    } else {
      slot = event.slot;
      // Past the ring's reach a duplicate can no longer be told apart.
      if (this.ring.length === this.capacity && slot < this.ring[this.start].position.slot) {
        return undefined;
      }
      this.state =
        event.topic === 'block'
          ? { ...s, blockSlot: Math.max(s.blockSlot ?? slot, slot) }
          : { ...s, headSlot: slot, headRoot: event.root };
      this.maxSlot = Math.max(this.maxSlot, slot);
    }
    const position = { slot, rank: RANKS[event.topic] };
    const id = eventId(position, event.root);
    const entry: LogEntry = {
      id,
      topic: event.topic,
      position,
      key,
      wire: formatEvent(id, event.topic, event.data),
      filled,
    };
    this.push(entry);
    this.last = id;
    for (const listener of this.listeners) listener(entry);
    return entry;
  }

  /** What a client that last saw `lastEventId` missed, as far as the ring still holds it. */
  replayAfter(lastEventId: string): Replay | undefined {
    const parsed = parseEventId(lastEventId);
    if (parsed === undefined) return undefined;
    const entries = this.entries();
    const at = entries.findIndex((e) => e.id === parsed.base);
    const { base } = parsed;
    if (at >= 0) return { base, entries: entries.slice(at + 1), floor: null };
    const floor = parsed.position;
    const after = entries.filter((e) => comparePositions(e.position, floor) > 0);
    return { base, entries: after, floor };
  }

  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private push(entry: LogEntry): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(entry);
    } else {
      this.byKey.delete(this.ring[this.start].key);
      this.ring[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
    this.byKey.set(entry.key, entry);
  }

  private entries(): LogEntry[] {
    return [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
  }
}
