import { Logger } from '@nestjs/common';

/**
 * Asks a node for its finalized block: `eth_getBlockByNumber("finalized", false)`.
 * Resolves the block number, or null when the node has none (pre-merge chains, dev
 * chains younger than two epochs); rejects when the node cannot be asked.
 */
export type FinalizedFetch = () => Promise<number | null>;

export interface FinalizedTrackerOptions {
  /** Refresh period (default 12 s: finalization moves once an epoch, 6.4 min on mainnet). */
  readonly refreshMs?: number;
  /** `headMoved()` refreshes at most this often (default 1 s). */
  readonly minIntervalMs?: number;
  /** Shows the height, e.g. the `vixy_cache_finalized_block` gauge. */
  readonly gauge?: { set(value: number): void };
  /** Monotonic milliseconds (default performance.now). */
  readonly now?: () => number;
}

const DEFAULT_REFRESH_MS = 12_000;
const DEFAULT_MIN_INTERVAL_MS = 1_000;

/**
 * The finalized block number the answer cache relies on, as the nodes report it:
 * unknown (undefined) until the first answer, never guessed. It never goes back: a
 * lower answer (a lagging or misconfigured node; finality cannot be undone on a real
 * chain) is ignored with one warning until the answers agree again, and only
 * `reorgBeyond()` (an operator's decision, never automatic) lowers it. Refreshed every
 * `refreshMs` and, at most every `minIntervalMs`, when told the head moved. One fetch
 * at a time; a failed fetch keeps the known height.
 */
export class FinalizedTracker {
  private readonly logger = new Logger(FinalizedTracker.name);
  private known: number | undefined;
  private inflight: Promise<number | undefined> | undefined;
  private lastFetchAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private failing = false;
  private behind = false;
  private readonly refreshMs: number;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetch: FinalizedFetch,
    private readonly options: FinalizedTrackerOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    this.now = options.now ?? (() => performance.now());
  }

  /** The finalized block number, or undefined while no node has reported one. */
  get height(): number | undefined {
    return this.known;
  }

  /** Fetches now, then every `refreshMs`, until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A new head was seen: refresh unless one ran within `minIntervalMs`. */
  headMoved(): void {
    if (this.now() - this.lastFetchAt >= this.minIntervalMs) void this.refresh();
  }

  /** Fetches once (joining a fetch in flight); resolves the height afterwards. Never rejects. */
  refresh(): Promise<number | undefined> {
    this.inflight ??= this.fetchOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /**
   * Lowers the height after a reorganisation below finality (which a real chain does
   * not have). Cached answers above `height` must be dropped by the caller.
   */
  reorgBeyond(height: number): void {
    if (this.known === undefined || height >= this.known) return;
    this.logger.warn(
      { from: this.known, to: height },
      'finalized block lowered by a reorg beyond it',
    );
    this.set(height);
  }

  private async tick(): Promise<void> {
    await this.refresh();
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), this.refreshMs);
    this.timer.unref();
  }

  private async fetchOnce(): Promise<number | undefined> {
    this.lastFetchAt = this.now();
    let reported: number | null;
    try {
      reported = await this.fetch();
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        this.logger.warn({ reason: String(err) }, 'cannot read the finalized block from the nodes');
      }
      return this.known;
    }
    if (this.failing) {
      this.failing = false;
      this.logger.log('finalized block readable again');
    }
    if (reported === null || !Number.isSafeInteger(reported) || reported < 0) return this.known;
    if (this.known !== undefined && reported < this.known) {
      if (!this.behind) {
        this.behind = true;
        this.logger.warn(
          { reported, known: this.known },
          'a node reported an older finalized block: keeping the higher one',
        );
      }
      return this.known;
    }
    this.behind = false;
    if (reported !== this.known) this.set(reported);
    return this.known;
  }

  private set(height: number): void {
    this.known = height;
    this.options.gauge?.set(height);
  }
}

/**
 * The block number in the result of `eth_getBlockByNumber("finalized", false)` (the
 * parsed result value): null for a null result; throws for anything that is not a block.
 */
export function finalizedNumberOf(result: unknown): number | null {
  if (result === null) return null;
  const n = typeof result === 'object' ? (result as Record<string, unknown>).number : undefined;
  if (typeof n !== 'string' || !/^0x[0-9a-fA-F]{1,13}$/.test(n)) {
    throw new Error('not a block: no hex "number"');
  }
  return Number(n);
}
