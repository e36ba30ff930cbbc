import { randomBytes } from 'node:crypto';
import { ChainCursor, isGap } from './chain-cursor';
import { CHAIN_DEFAULTS, describeGap } from './chain.constants';
import { filterNotFound, invalidParams, tooManyFilters } from './chain-errors';
import { isHash } from './chain-hex';
import { type HeadLog } from './head-log';
import { type LogCriteria } from './log-criteria';
import { LogFilter } from './log-filter';
import { collectLogs, skips } from './subscription-feed';

// Vixy's own filters (eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter,
// eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter), kept over the head log,
// so they survive any node change and any routing strategy.
//
// API (every method is synchronous; errors are ChainRpcError, answered as JSON-RPC errors):
//   newBlockFilter() / newLogFilter(criteria) / newPendingTransactionFilter() -> id
//   changes(id) -> JSON text of the eth_getFilterChanges result
//   criteriaOf(id) -> eth_getLogs parameters of a log filter (for eth_getFilterLogs)
//   uninstall(id) -> boolean;  pendingTransaction(hash): from the followed node
//   sweep(): drop expired filters (call it on a timer);  configure({ maxFilters })
//
// - Ids: 0x + 32 hex digits from crypto random bytes (as long as geth's, unguessable).
// - Block filter: hashes of the canonical blocks added since the last poll, reorged-in
//   blocks included. Log filter: the matching logs since the last poll, removed ones with
//   "removed":true first (as subscriptions get them), within fromBlock/toBlock.
//   Pending filter: the transaction hashes fed by pendingTransaction() since the last poll.
// - A filter not polled by eth_getFilterChanges for `timeoutMs` (5 minutes, as geth) is
//   removed; eth_getFilterLogs does not keep it alive (as geth).
// - At most `maxFilters` filters (-32005 beyond). A filter holds at most `maxChanges`
//   unpolled results: one more ends it, and so does a gap in the chain (beyond the head
//   log's depth). An ended filter still answers the results it holds; the poll after
//   answers "filter not found (<why>)" and removes it: nothing is skipped silently.
//   Clients that reinstall a filter on "filter not found" (most libraries do) recover.

export interface FilterStoreOptions {
  /** `[proxy] max_filters`; default 10,000. */
  readonly maxFilters?: number;
  /** Default 300,000 ms (geth's filter timeout). */
  readonly timeoutMs?: number;
  /** Unpolled results a filter may hold; default 10,000. */
  readonly maxChanges?: number;
  /** Monotonic milliseconds; default performance.now. */
  readonly now?: () => number;
}

type Kind = 'block' | 'log' | 'pending';

interface Filter {
  readonly kind: Kind;
  readonly cursor?: ChainCursor;
  readonly logFilter?: LogFilter;
  /** Unpolled results, each a JSON text. */
  items: string[];
  deadline: number;
  ended?: string;
}

export class FilterStore {
  private readonly filters = new Map<string, Filter>();
  private maxFilters: number;
  private readonly timeoutMs: number;
  private readonly maxChanges: number;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly log: HeadLog,
    options: FilterStoreOptions = {},
  ) {
    this.maxFilters = options.maxFilters ?? CHAIN_DEFAULTS.maxFilters;
    this.timeoutMs = options.timeoutMs ?? CHAIN_DEFAULTS.filterTimeoutMs;
    this.maxChanges = options.maxChanges ?? CHAIN_DEFAULTS.maxFilterChanges;
    this.now = options.now ?? (() => performance.now());
    this.unsubscribe = log.subscribe({ changed: () => this.advanceAll() });
  }

  /** Installed filters by kind (for metrics). */
  counts(): Record<Kind, number> {
    const counts = { block: 0, log: 0, pending: 0 };
    for (const f of this.filters.values()) counts[f.kind]++;
    return counts;
  }

  get size(): number {
    return this.filters.size;
  }

  /** A new `[proxy] max_filters` (config reload); installed filters stay. */
  configure(options: { maxFilters: number }): void {
    this.maxFilters = options.maxFilters;
  }

  newBlockFilter(): string {
    return this.install({
      kind: 'block',
      cursor: new ChainCursor(this.log),
      items: [],
      deadline: 0,
    });
  }

  newLogFilter(criteria: LogCriteria): string {
    const cursor = new ChainCursor(this.log);
    const logFilter = new LogFilter(criteria);
    return this.install({ kind: 'log', cursor, logFilter, items: [], deadline: 0 });
  }

  newPendingTransactionFilter(): string {
    return this.install({ kind: 'pending', items: [], deadline: 0 });
  }

  /** eth_getFilterChanges: the JSON text of the result; resets the filter's timeout. */
  changes(id: string): string {
    const f = this.live(id);
    this.advance(f);
    if (f.ended !== undefined && f.items.length === 0) {
      this.filters.delete(id);
      throw filterNotFound(f.ended);
    }
    f.deadline = this.now() + this.timeoutMs;
    const text = `[${f.items.join(',')}]`;
    f.items = [];
    return text;
  }

  /** The eth_getLogs parameters of a log filter, for eth_getFilterLogs. */
  criteriaOf(id: string): Record<string, unknown> {
    const f = this.live(id);
    if (f.logFilter === undefined) throw filterNotFound();
    return f.logFilter.toQuery();
  }

  uninstall(id: string): boolean {
    const f = this.filters.get(id);
    if (f === undefined) return false;
    this.filters.delete(id);
    return !this.expired(f);
  }

  /** A transaction hash the followed node announced (its newPendingTransactions). */
  pendingTransaction(hash: string): void {
    if (!isHash(hash)) throw invalidParams('pending transaction hash is not a hash');
    const item = `"${hash.toLowerCase()}"`;
    for (const f of this.filters.values()) if (f.kind === 'pending') this.add(f, [item]);
  }

  /** Removes expired filters; returns how many. */
  sweep(): number {
    let removed = 0;
    for (const [id, f] of this.filters) {
      if (this.expired(f)) {
        this.filters.delete(id);
        removed++;
      }
    }
    return removed;
  }

  close(): void {
    this.unsubscribe();
    this.filters.clear();
  }

  private install(f: Filter): string {
    if (this.filters.size >= this.maxFilters) this.sweep();
    if (this.filters.size >= this.maxFilters) throw tooManyFilters(this.maxFilters);
    let id: string;
    do id = `0x${randomBytes(16).toString('hex')}`;
    while (this.filters.has(id));
    f.deadline = this.now() + this.timeoutMs;
    this.filters.set(id, f);
    return id;
  }

  private live(id: string): Filter {
    const f = typeof id === 'string' ? this.filters.get(id) : undefined;
    if (f === undefined) throw filterNotFound();
    if (this.expired(f)) {
      this.filters.delete(id);
      throw filterNotFound();
    }
    return f;
  }

  private expired(f: Filter): boolean {
    return this.now() >= f.deadline;
  }

  private advanceAll(): void {
    for (const [id, f] of this.filters) {
      if (this.expired(f)) this.filters.delete(id);
      else this.advance(f);
    }
  }

  private advance(f: Filter): void {
    if (f.cursor === undefined || f.ended !== undefined) return;
    const logFilter = f.logFilter;
    const step = logFilter
      ? f.cursor.advance(Infinity, (b) => skips(logFilter, b) || this.log.requestLogs(b))
      : f.cursor.advance();
    if (isGap(step)) {
      f.ended = describeGap(step);
      return;
    }
    const items: string[] = [];
    if (logFilter)
      collectLogs(logFilter, step, (l, removed) => items.push(removed ? l.removedJson : l.json));
    else for (const b of step.added) items.push(`"${b.header.hash}"`);
    this.add(f, items);
  }

  private add(f: Filter, items: readonly string[]): void {
    if (f.ended !== undefined || items.length === 0) return;
    for (const item of items) {
      if (f.items.length >= this.maxChanges) {
        f.ended = `more than ${this.maxChanges} changes were not polled`;
        return;
      }
      f.items.push(item);
    }
  }
}
