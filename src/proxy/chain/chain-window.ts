import { type BlockHeader } from './block-header';
import { ChainEntry } from './chain-entry';
import { type ChainGap } from './chain.types';

/** A restart of the head log: what was lost, and the epoch it began. */
export interface ChainRestart {
  /** The epoch the restart began (the one before it is `epoch - 1`). */
  readonly epoch: number;
  readonly gap: ChainGap;
}

/**
 * The blocks the head log holds, with no I/O and no async:
 * - the canonical chain: at most `depth` blocks, contiguous, each the parent of the next;
 * - removed blocks: once canonical, replaced by a reorg (readers that were given them walk
 *   back through them to the fork point), at most `depth`;
 * - candidates: headers seen on a side chain or fetched to fill a hole, never canonical
 *   yet, at most 2 x depth + 16, the oldest forgotten first. A node that announces junk
 *   can only churn these, never the blocks readers need.
 * None below the canonical tail. An epoch is a stretch of continuity: a restart (a jump or
 * a reorg beyond the window) begins a new one. `origin` is the parent of the epoch's
 * first block: a reader that started before any block was known starts from there.
 */
export class ChainWindow {
  private chain: ChainEntry[] = [];
  private readonly canonical = new Map<string, ChainEntry>();
  private readonly removed = new Map<string, ChainEntry>();
  private readonly candidates = new Map<string, ChainEntry>();
  epoch = 0;
  origin: { readonly number: number; readonly hash: string } | undefined;
  lastRestart: ChainRestart | undefined;

  constructor(public depth: number) {}

  get head(): ChainEntry | undefined {
    return this.chain[this.chain.length - 1];
  }

  get tail(): ChainEntry | undefined {
    return this.chain[0];
  }

  get size(): number {
    return this.chain.length;
  }

  /** Non-canonical blocks held (removed ones and candidates). */
  get sideSize(): number {
    return this.removed.size + this.candidates.size;
  }

  /** The canonical block at height n. */
  at(n: number): ChainEntry | undefined {
    const tail = this.chain[0];
    return tail === undefined ? undefined : this.chain[n - tail.number];
  }

  /** Any block known by hash, canonical or not. */
  known(hash: string): ChainEntry | undefined {
    return this.canonical.get(hash) ?? this.removed.get(hash) ?? this.candidates.get(hash);
  }

  /** The known entry of this header, or a new candidate. */
  remember(header: BlockHeader): ChainEntry {
    const known = this.known(header.hash);
    if (known) return known;
    const entry = new ChainEntry(header);
    this.candidates.set(entry.hash, entry);
    if (this.candidates.size > 2 * this.depth + 16) {
      this.candidates.delete(this.candidates.keys().next().value as string);
    }
    return entry;
  }

  /**
   * Makes `chain` (oldest first, its first block a child of the canonical block at
   * `ancestor`, or of the tail's parent when ancestor = tail - 1, or anything when the
   * window is empty) the canonical chain above `ancestor`; returns the canonical blocks
   * it replaced, oldest first.
   */
  replaceAbove(ancestor: number, chain: readonly ChainEntry[]): ChainEntry[] {
    const tail = this.chain[0];
    if (tail === undefined) this.origin = { number: ancestor, hash: chain[0].header.parentHash };
    const removed = this.chain.splice(tail === undefined ? 0 : ancestor - tail.number + 1);
    for (const entry of removed) {
      entry.canonical = false;
      this.canonical.delete(entry.hash);
      this.removed.delete(entry.hash);
      this.removed.set(entry.hash, entry);
    }
    for (const entry of chain) {
      this.removed.delete(entry.hash);
      this.candidates.delete(entry.hash);
      entry.canonical = true;
      this.canonical.set(entry.hash, entry);
      this.chain.push(entry);
    }
    this.prune();
    return removed;
  }

  /** Forgets every block and begins a new epoch with `entry` alone. */
  restart(entry: ChainEntry, gap: ChainGap): void {
    for (const old of this.chain) old.canonical = false;
    this.chain = [];
    this.canonical.clear();
    this.removed.clear();
    this.candidates.clear();
    this.epoch++;
    this.lastRestart = { epoch: this.epoch, gap };
    this.replaceAbove(entry.number - 1, [entry]);
  }

  /** A new depth (config reload): a smaller one drops the oldest blocks now. */
  setDepth(depth: number): void {
    this.depth = depth;
    this.prune();
  }

  private prune(): void {
    const excess = this.chain.length - this.depth;
    for (const entry of this.chain.splice(0, Math.max(0, excess))) {
      entry.canonical = false;
      this.canonical.delete(entry.hash);
    }
    const tail = this.chain[0]?.number ?? 0;
    for (const side of [this.removed, this.candidates]) {
      for (const [hash, entry] of side) if (entry.number < tail) side.delete(hash);
    }
    while (this.removed.size > this.depth) {
      this.removed.delete(this.removed.keys().next().value as string);
    }
  }
}
