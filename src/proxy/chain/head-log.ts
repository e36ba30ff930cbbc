import { type BlockHeader } from './block-header';
import { type ChainEntry } from './chain-entry';
import { linkToChain, prefetchByNumber, StallError } from './chain-link';
import { type ChainRestart, ChainWindow } from './chain-window';
import {
  type ChainGap,
  type ChainProblem,
  type ChainSource,
  type ObservationSource,
} from './chain.types';
import { LogsFetcher } from './logs-fetcher';

// The canonical EL chain as Vixy follows it: the last `depth` blocks, linked by parent
// hash, fed with every header any node announces (newHeads notifications, polling).
//
// Rules, for one observation of header H from a source (node, authoritative or not):
// 1. H already canonical: nothing (duplicates from several nodes are free).
// 2. Empty log: H is the first block.
// 3. H.number <= head: only an authoritative source changes anything: H with another hash
//    than the canonical block at its height is a reorg to H (the chain may get shorter).
// 4. H.number > head (any source: the highest number wins): H is linked to the chain by
//    walking its parents by hash, known blocks first, then fetched from the ChainSource
//    (eth_getBlockByHash); a hole is first fetched by number, in parallel, for an
//    authoritative H. The walk ends at the first canonical ancestor: if that is the head
//    the chain grows, otherwise the blocks above the ancestor are removed (a reorg).
// 5. H more than `depth` blocks above the head: a gap. From an authoritative source the
//    log restarts at H (event `gap`, then `added(H)`); from another source H is ignored.
//    Likewise a chain that forks below the oldest block of the log restarts the log
//    (authoritative: `gap` with reason `reorg`) or is ignored.
// Work is serialised: one observation at a time, queued (at most `maxQueued`, duplicates
// merged, the oldest dropped first). A walk fetches at most `depth` blocks by hash (plus
// up to `depth` by number for a hole), whatever number a node announces. A failed fetch
// changes nothing: the blocks fetched so far are kept, and an authoritative observation
// is tried again after the next one.
//
// Events, in order, to every listener: `added(block)` for each block that extends the
// chain, oldest first; `reorg({ removed, added })` (both oldest first, as geth emits
// removed logs) when canonical blocks were replaced; `gap(gap)` on a restart; `logs(block)`
// when a block's logs arrive; `changed()` once after each of these batches.
//
// Logs are fetched on demand: `requestLogs(block)` is called by a reader that needs the
// logs of a block whose bloom may hold a match (see log-filter.ts); never for an all-zero
// bloom, once per block, cached in the entry (kept when a reorg removes the block).

export interface HeadLogListener {
  added?(block: ChainEntry): void;
  reorg?(change: ChainReorg): void;
  gap?(gap: ChainGap): void;
  logs?(block: ChainEntry): void;
  changed?(): void;
}

export interface ChainReorg {
  /** The blocks that left the canonical chain, oldest first. */
  readonly removed: readonly ChainEntry[];
  /** The blocks that replaced them, oldest first (ending with the new head). */
  readonly added: readonly ChainEntry[];
}

export interface HeadLogOptions {
  /** Blocks kept (`[websocket] head_log_depth`). */
  readonly depth: number;
  /** Observations waiting while one is processed; default 64. */
  readonly maxQueued?: number;
  /** Fetches at once, for logs and for a hole's blocks by number; default 4. */
  readonly concurrency?: number;
  /** Transitions worth a log line (a stall, a malformed answer, a listener that threw). */
  readonly onProblem?: (problem: ChainProblem) => void;
}

interface Observation {
  readonly header: BlockHeader;
  readonly source: ObservationSource;
}

export class HeadLog {
  private readonly window: ChainWindow;
  private readonly fetcher: LogsFetcher;
  private readonly listeners = new Set<HeadLogListener>();
  private readonly queue: Observation[] = [];
  private readonly maxQueued: number;
  private readonly concurrency: number;
  private stalled: Observation | undefined;
  private running = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private observed = 0;
  /** Observations processed plus retry() calls: a failed logs fetch waits for the next. */
  private generation = 0;
  private blockFetches = 0;

  constructor(
    private readonly source: ChainSource,
    private readonly options: HeadLogOptions,
  ) {
    if (!Number.isInteger(options.depth) || options.depth < 1)
      throw new Error('depth must be >= 1');
    this.window = new ChainWindow(options.depth, 2 * options.depth + 16);
    this.maxQueued = options.maxQueued ?? 64;
    this.concurrency = options.concurrency ?? 4;
    this.fetcher = new LogsFetcher(
      source,
      this.concurrency,
      () => this.generation,
      (entry) => {
        this.emit((l) => l.logs?.(entry));
        this.emit((l) => l.changed?.());
      },
      (p) => this.problem(p),
    );
  }

  // ---- what readers see -------------------------------------------------------------

  get depth(): number {
    return this.window.depth;
  }
  get epoch(): number {
    return this.window.epoch;
  }
  get head(): ChainEntry | undefined {
    return this.window.head;
  }
  get tail(): ChainEntry | undefined {
    return this.window.tail;
  }
  /** Parent of the first block of this epoch (where readers that started empty begin). */
  get origin(): { readonly number: number; readonly hash: string } | undefined {
    return this.window.origin;
  }
  get lastRestart(): ChainRestart | undefined {
    return this.window.lastRestart;
  }
  /** The canonical block at height n, if held. */
  at(n: number): ChainEntry | undefined {
    return this.window.at(n);
  }
  /** A block held by hash, canonical or not. */
  known(hash: string): ChainEntry | undefined {
    return this.window.known(hash);
  }
  /** True when the block's logs are known; otherwise fetches them (once). */
  requestLogs(block: ChainEntry): boolean {
    return this.fetcher.request(block);
  }

  stats(): {
    blocks: number;
    sideBlocks: number;
    observations: number;
    blockFetches: number;
    logFetches: number;
  } {
    return {
      blocks: this.window.size,
      sideBlocks: this.window.sideSize,
      observations: this.observed,
      blockFetches: this.blockFetches,
      logFetches: this.fetcher.fetches,
    };
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: HeadLogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- what the I/O side feeds ------------------------------------------------------

  /** A header a node announced (its newHeads, or a poll of its latest block). */
  observe(header: BlockHeader, source: ObservationSource): void {
    if (this.closed) return;
    this.observed++;
    const twin = this.queue.findIndex((o) => o.header.hash === header.hash);
    if (twin >= 0) {
      // the latest arrival decides the order; an authoritative sighting stays one
      if (this.queue[twin].source.authoritative) source = this.queue[twin].source;
      this.queue.splice(twin, 1);
    }
    this.queue.push({ header, source });
    if (this.queue.length > this.maxQueued) this.queue.shift();
    if (!this.running) void this.run();
  }

  /**
   * Tries again what failed (the last stalled authoritative observation, failed logs
   * fetches), for a timer of the I/O side while no node announces anything.
   */
  retry(): void {
    if (this.closed) return;
    this.generation++;
    const stalled = this.stalled;
    this.stalled = undefined;
    if (stalled !== undefined) this.queue.push(stalled);
    if (!this.running) {
      if (this.queue.length > 0) void this.run();
      else this.fetcher.retryFailed();
    }
  }

  /** Resolves when no observation and no logs fetch is pending. */
  async idle(): Promise<void> {
    while (this.running || this.fetcher.busy) {
      await new Promise<void>((resolve) => {
        if (this.running) this.idleWaiters.push(resolve);
        else setImmediate(resolve);
      });
    }
  }

  /** Stops: later observations are ignored, answers still in flight are dropped. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.fetcher.close();
  }

  // ---- processing -------------------------------------------------------------------

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const next = this.queue.shift() as Observation;
        await this.attempt(next);
        const stalled = this.stalled;
        if (stalled !== undefined && stalled !== next) {
          this.stalled = undefined;
          await this.attempt(stalled);
        }
        this.generation++;
        this.fetcher.retryFailed();
      }
    } finally {
      this.running = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async attempt(obs: Observation): Promise<void> {
    try {
      await this.process(obs);
    } catch (err) {
      const stall = err instanceof StallError;
      if (stall && obs.source.authoritative) this.stalled = obs;
      const detail = stall ? err.message : `observation failed: ${(err as Error).message}`;
      this.problem({ kind: stall ? 'stall' : 'internal', node: obs.source.node, detail });
    }
  }

  private async process({ header, source }: Observation): Promise<void> {
    const w = this.window;
    if (w.known(header.hash)?.canonical) return;
    const head = w.head;
    if (head === undefined) {
      const first = w.remember(header);
      w.start(first);
      return this.announce([], [first]);
    }
    if (header.number - head.number > w.depth) {
      if (!source.authoritative) return;
      const gap: ChainGap = { reason: 'gap', from: head.number + 1, to: header.number - 1 };
      return this.restart(w.remember(header), gap);
    }
    const entry = w.remember(header);
    if (header.number <= head.number && !source.authoritative) return;
    const counted = () => void this.blockFetches++;
    const hole = header.number - head.number - 1;
    const prefetched =
      source.authoritative && hole >= 2
        ? await prefetchByNumber(
            this.source,
            head.number + 1,
            header.number - 1,
            this.concurrency,
            counted,
          )
        : undefined;
    const link = await linkToChain(entry, {
      window: w,
      source: this.source,
      budget: w.depth,
      prefetched,
      counted,
    });
    if (this.closed) return;
    if (link === undefined) {
      if (source.authoritative)
        this.restart(entry, { reason: 'reorg', below: (w.tail as ChainEntry).number });
      return;
    }
    this.announce(w.replaceAbove(link.ancestor, link.chain), link.chain);
  }

  private announce(removed: readonly ChainEntry[], added: readonly ChainEntry[]): void {
    if (removed.length === 0) {
      for (const block of added) this.emit((l) => l.added?.(block));
    } else {
      this.emit((l) => l.reorg?.({ removed, added }));
    }
    this.emit((l) => l.changed?.());
  }

  private restart(entry: ChainEntry, gap: ChainGap): void {
    this.window.restart(entry, gap);
    this.emit((l) => l.gap?.(gap));
    this.emit((l) => l.added?.(entry));
    this.emit((l) => l.changed?.());
  }

  private emit(call: (listener: HeadLogListener) => void): void {
    for (const listener of [...this.listeners]) {
      try {
        call(listener);
      } catch (err) {
        this.problem({ kind: 'listener', detail: (err as Error).message });
      }
    }
  }

  private problem(p: ChainProblem): void {
    this.options.onProblem?.(p);
  }
}
