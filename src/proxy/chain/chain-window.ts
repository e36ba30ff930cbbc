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
 * The blocks the head log holds, with no I/O and no async: the canonical chain (at most
 * `depth` blocks, contiguous by number, each the parent of the next) and the non-canonical
 * blocks it still knows by hash (removed by a reorg, seen on a side chain, fetched to fill
 * a hole), at most `maxSide` of them and none below the canonical tail.
 *
 * An epoch is a stretch of continuity: a restart (a jump or a reorg beyond the window)
 * begins a new one. `origin` is the parent of the epoch's first block: a reader that
 * started before any block was known starts from there.
 */
export class ChainWindow {
  private chain: ChainEntry[] = [];
  private readonly canonical = new Map<string, ChainEntry>();
  private readonly side = new Map<string, ChainEntry>();
  epoch = 0;
  origin: { readonly number: number; readonly hash: string } | undefined;
  lastRestart: ChainRestart | undefined;

  constructor(
    readonly depth: number,
    private readonly maxSide: number,
  ) {}

  get head(): ChainEntry | undefined {
    return this.chain[this.chain.length - 1];
  }

  get tail(): ChainEntry | undefined {
    return this.chain[0];
  }

  get size(): number {
    return this.chain.length;
  }

  get sideSize(): number {
    return this.side.size;
  }

  /** The canonical block at height n. */
  at(n: number): ChainEntry | undefined {
    const tail = this.chain[0];
    return tail === undefined ? undefined : this.chain[n - tail.number];
  }

  /** Any block known by hash, canonical or not. */
  known(hash: string): ChainEntry | undefined {
    return this.canonical.get(hash) ?? this.side.get(hash);
  }

  /** The known entry of this header, or a new non-canonical one. */
  remember(header: BlockHeader): ChainEntry {
    const known = this.known(header.hash);
    if (known) return known;
    const entry = new ChainEntry(header);
    this.addSide(entry);
    return entry;
  }

  /** The first block of an empty window. */
  start(entry: ChainEntry): void {
    this.origin = { number: entry.number - 1, hash: entry.header.parentHash };
    this.replaceAbove(entry.number - 1, [entry]);
  }

  /**
   * Makes `chain` (oldest first, its first block a child of the canonical block at
   * `ancestor`, or of the tail's parent when ancestor = tail - 1) the canonical chain
   * above `ancestor`; returns the canonical blocks it replaced, oldest first.
   */
  replaceAbove(ancestor: number, chain: readonly ChainEntry[]): ChainEntry[] {
    const tail = this.chain[0];
    const keep = tail === undefined ? 0 : ancestor - tail.number + 1;
    const removed = this.chain.splice(keep);
    for (const entry of removed) {
      entry.canonical = false;
      this.canonical.delete(entry.hash);
      this.addSide(entry);
    }
    for (const entry of chain) {
      this.side.delete(entry.hash);
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
    this.side.clear();
    this.epoch++;
    this.lastRestart = { epoch: this.epoch, gap };
    this.start(entry);
  }

  private addSide(entry: ChainEntry): void {
    this.side.delete(entry.hash);
    this.side.set(entry.hash, entry);
    if (this.side.size > this.maxSide) {
      this.side.delete(this.side.keys().next().value as string);
    }
  }

  private prune(): void {
    const excess = this.chain.length - this.depth;
    if (excess <= 0) return;
    for (const entry of this.chain.splice(0, excess)) {
      entry.canonical = false;
      this.canonical.delete(entry.hash);
    }
    const tail = this.chain[0].number;
    for (const [hash, entry] of this.side) if (entry.number < tail) this.side.delete(hash);
  }
}
