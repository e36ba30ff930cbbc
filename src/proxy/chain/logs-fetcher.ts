import { type ChainEntry } from './chain-entry';
import { logsOfBlock } from './chain-log';
import { type ChainProblem, type ChainSource } from './chain.types';

/**
 * Fetches the logs of blocks on demand, once per block: a request for a block whose
 * logs are known, or being fetched, starts nothing. At most `concurrency` fetches run at
 * once; the rest wait in order. A failed fetch (rejected, or an answer that cannot be the
 * block's logs) is retried by the first request or `retryFailed()` once the generation
 * has moved on (an observation was processed, or HeadLog.retry() called), never in a loop.
 */
export class LogsFetcher {
  private readonly waiting: ChainEntry[] = [];
  private readonly failed = new Set<ChainEntry>();
  private active = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  fetches = 0;

  constructor(
    private readonly source: ChainSource,
    private readonly concurrency: number,
    /** Grows after each processed observation (and each retry). */
    private readonly generation: () => number,
    private readonly ready: (entry: ChainEntry) => void,
    private readonly problem: (p: ChainProblem) => void,
  ) {}

  /** True when the block's logs are known; otherwise starts (or keeps) fetching them. */
  request(entry: ChainEntry): boolean {
    switch (entry.logsState) {
      case 'ready':
        return true;
      case 'fetching':
        return false;
      case 'failed':
        if (entry.failedAt === this.generation()) return false;
        break;
      case 'unfetched':
        break;
      default: {
        const never: never = entry.logsState;
        return never;
      }
    }
    if (this.closed) return false;
    this.failed.delete(entry);
    entry.logsState = 'fetching';
    this.waiting.push(entry);
    this.pump();
    return false;
  }

  /** Re-requests the failed fetches of canonical blocks (after a new observation). */
  retryFailed(): void {
    for (const entry of [...this.failed]) {
      if (entry.canonical) this.request(entry);
      else this.failed.delete(entry);
    }
  }

  get busy(): boolean {
    return this.active > 0 || this.waiting.length > 0;
  }

  /** Resolves once no fetch runs or waits. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const entry of this.waiting.splice(0)) entry.logsState = 'unfetched';
    if (!this.busy) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift() as ChainEntry;
      this.active++;
      void this.fetch(entry).finally(() => {
        this.active--;
        this.pump();
        if (!this.busy) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async fetch(entry: ChainEntry): Promise<void> {
    this.fetches++;
    let logs: ReturnType<typeof logsOfBlock>;
    try {
      logs = logsOfBlock(await this.source.logsOfBlock(entry.hash), entry.header);
    } catch (err) {
      logs = `logs could not be fetched: ${(err as Error).message}`;
    }
    if (this.closed) return;
    if (typeof logs === 'string') {
      entry.logsState = 'failed';
      entry.failedAt = this.generation();
      this.failed.add(entry);
      this.problem({
        kind: 'stall',
        detail: `logs of block ${entry.number} ${entry.hash}: ${logs}`,
      });
      return;
    }
    entry.logs = logs;
    entry.logsState = 'ready';
    this.ready(entry);
  }
}
