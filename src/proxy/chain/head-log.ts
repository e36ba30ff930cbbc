import { type BlockHeader } from './block-header';
import { type ChainEntry } from './chain-entry';
import { StallError } from './chain-link';
import { type ChainRestart, ChainWindow } from './chain-window';
import {
  type ChainSource,
  type HeadLogListener,
  type HeadLogOptions,
  type HeadLogStats,
  type ObservationSource,
} from './chain.types';
import { decide, type Outcome } from './head-log-rules';
import { LogsFetcher } from './logs-fetcher';

// The canonical EL chain as Vixy follows it: the last `depth` blocks, linked by parent
// hash, fed with every header any node announces (newHeads notifications, polls). The
// rules of one observation are in head-log-rules.ts; this is their plumbing.
//
// Work is serialised: one observation at a time, queued (at most `maxQueued`; a header
// already queued moves to the end, keeping an authoritative sighting; the oldest is
// dropped first). A node's observations must be fed in the order the node made them. A
// failed fetch changes nothing; the last authoritative observation that failed is tried
// again after the next observation, or on retry().
//
// Events, in order, to every listener: `added(block)` for each block that extends the
// chain, oldest first; `reorg({ removed, added })` (both oldest first, the order in which
// geth emits removed logs) when canonical blocks were replaced; `gap(gap)` on a restart,
// then `added` of the block it restarts at; `logs(block)` when a block's logs arrive;
// `changed()` once after each of these batches. Listeners run synchronously and must not
// throw (a throw is reported as a problem and ignored).
//
// Logs are fetched on demand: readers call `requestLogs(block)` for a block whose bloom
// may hold a log they want (log-filter.ts); never for an all-zero bloom, once per block,
// cached in the entry (kept when a reorg removes the block).

interface Observation {
  readonly header: BlockHeader;
  readonly source: ObservationSource;
}

export class HeadLog {
  private readonly window: ChainWindow;
  private readonly fetcher: LogsFetcher;
  private readonly listeners = new Set<HeadLogListener>();
  private readonly queue: Observation[] = [];
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
    this.window = new ChainWindow(checkedDepth(options.depth));
    this.fetcher = new LogsFetcher(
      source,
      options.concurrency ?? 4,
      () => this.generation,
      (entry) => {
        this.emit((l) => l.logs?.(entry));
        this.emit((l) => l.changed?.());
      },
      (p) => this.options.onProblem?.(p),
    );
  }

  // ---- what readers see (chain-cursor.ts) ------------------------------------------

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

  stats(): HeadLogStats {
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
      if (this.queue[twin].source.authoritative) source = this.queue[twin].source;
      this.queue.splice(twin, 1);
    }
    this.queue.push({ header, source });
    if (this.queue.length > (this.options.maxQueued ?? 64)) this.queue.shift();
    if (!this.running) void this.run();
  }

  /** Tries again what failed (a stalled observation, failed logs fetches): for a timer. */
  retry(): void {
    if (this.closed) return;
    this.generation++;
    const stalled = this.stalled;
    this.stalled = undefined;
    if (stalled !== undefined) this.queue.push(stalled);
    if (this.running) return;
    if (this.queue.length > 0) void this.run();
    else this.fetcher.retryFailed();
  }

  /** A new depth (config reload); a smaller one drops the oldest blocks at once. */
  configure(options: { depth: number }): void {
    this.window.setDepth(checkedDepth(options.depth));
  }

  /** Resolves when no observation and no logs fetch is pending. */
  async idle(): Promise<void> {
    while (this.running || this.fetcher.busy) {
      if (this.running) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      else await this.fetcher.idle();
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
    let outcome: Outcome;
    try {
      outcome = await decide(
        {
          window: this.window,
          source: this.source,
          concurrency: this.options.concurrency ?? 4,
          counted: () => void this.blockFetches++,
        },
        obs.header,
        obs.source,
      );
    } catch (err) {
      const stall = err instanceof StallError;
      if (stall && obs.source.authoritative) this.stalled = obs;
      const detail = stall ? err.message : `observation failed: ${(err as Error).message}`;
      this.options.onProblem?.({
        kind: stall ? 'stall' : 'internal',
        node: obs.source.node,
        detail,
      });
      return;
    }
    if (!this.closed) this.apply(outcome);
  }

  private apply(outcome: Outcome): void {
    switch (outcome.kind) {
      case 'none':
        return;
      case 'change': {
        const { ancestor, chain } = outcome;
        const removed = this.window.replaceAbove(ancestor, chain);
        if (removed.length === 0) for (const block of chain) this.emit((l) => l.added?.(block));
        else this.emit((l) => l.reorg?.({ removed, added: chain }));
        break;
      }
      case 'restart': {
        const { entry, gap } = outcome;
        this.window.restart(entry, gap);
        this.emit((l) => l.gap?.(gap));
        this.emit((l) => l.added?.(entry));
        break;
      }
      default: {
        const never: never = outcome;
        throw new Error(`unknown outcome ${JSON.stringify(never)}`);
      }
    }
    this.emit((l) => l.changed?.());
  }

  private emit(call: (listener: HeadLogListener) => void): void {
    for (const listener of [...this.listeners]) {
      try {
        call(listener);
      } catch (err) {
        this.options.onProblem?.({ kind: 'listener', detail: (err as Error).message });
      }
    }
  }
}

function checkedDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 1)
    throw new Error(`head log depth must be >= 1, not ${depth}`);
  return depth;
}
