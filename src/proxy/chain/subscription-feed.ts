import { type ChainEntry } from './chain-entry';
import { type ChainLog } from './chain-log';
import { ChainCursor, type CursorStep, isGap } from './chain-cursor';
import { type ChainGap } from './chain.types';
import { type HeadLog } from './head-log';
import { type LogCriteria } from './log-criteria';
import { LogFilter } from './log-filter';

// What each client subscription (`newHeads`, `logs`) gets, read from the head log.
//
// API:
//   const feed = new SubscriptionFeed(headLog);
//   const sub = feed.newHeads();          // or feed.logs(parseLogCriteria(params, 1))
//   sub.pull(maxBlocks?) -> { suffixes, end }   // call after each head log `changed`
//   sub.close();                                // on eth_unsubscribe or session end
// A frame is NOTIFICATION_PREFIX + <subscription id bytes> + suffix (notification.ts);
// suffixes are built once per block / log and shared by every subscription.
//
// newHeads: every canonical block after the subscription's start, once, in order; after
// a reorg, the new chain from the fork point (headers already sent are not un-sent).
// logs: the matching logs of those blocks in log index order; on a reorg first the logs
// it was given from the removed blocks, with "removed":true, oldest block first and in
// log index order within a block (geth's order), then the new chain's logs. A block whose
// logs may match is delivered once its logs are fetched (later blocks wait behind it).
// `end` is set when the subscription cannot go on without a gap (chain.types ChainGap);
// the I/O side closes the client (see chain.constants.ts) and later pulls return it again.

export interface FeedPull {
  /** Notification suffixes in delivery order. */
  readonly suffixes: readonly Buffer[];
  /** Why the subscription ended; undefined while it goes on. */
  readonly end: ChainGap | undefined;
}

export interface FeedSubscription {
  readonly kind: 'newHeads' | 'logs';
  /** What the subscription gets now: at most `maxBlocks` more blocks (default: all). */
  pull(maxBlocks?: number): FeedPull;
  /** Forgets the subscription (its cursor holds no block, so this only updates counts). */
  close(): void;
}

const NOTHING: FeedPull = { suffixes: [], end: undefined };

export class SubscriptionFeed {
  private heads = 0;
  private logCount = 0;

  constructor(private readonly log: HeadLog) {}

  /** Subscriptions open now, by kind (for metrics). */
  get active(): { readonly newHeads: number; readonly logs: number } {
    return { newHeads: this.heads, logs: this.logCount };
  }

  newHeads(): FeedSubscription {
    const cursor = new ChainCursor(this.log);
    this.heads++;
    let open = true;
    return {
      kind: 'newHeads',
      pull: (maxBlocks) => {
        const step = cursor.advance(maxBlocks);
        if (isGap(step)) return { suffixes: [], end: step };
        if (step.added.length === 0) return NOTHING;
        return { suffixes: step.added.map((b) => b.headsNotification()), end: undefined };
      },
      close: () => {
        if (open) this.heads--;
        open = false;
      },
    };
  }

  logs(criteria: LogCriteria): FeedSubscription {
    const cursor = new ChainCursor(this.log);
    const filter = new LogFilter(criteria);
    const ready = (b: ChainEntry) => skips(filter, b) || this.log.requestLogs(b);
    this.logCount++;
    let open = true;
    return {
      kind: 'logs',
      pull: (maxBlocks) => {
        const step = cursor.advance(maxBlocks, ready);
        if (isGap(step)) return { suffixes: [], end: step };
        const suffixes: Buffer[] = [];
        collectLogs(filter, step, (log, removed) => suffixes.push(log.notification(removed)));
        return suffixes.length === 0 ? NOTHING : { suffixes, end: undefined };
      },
      close: () => {
        if (open) this.logCount--;
        open = false;
      },
    };
  }
}

/** True when no log of the block can match the filter (so its logs are not needed). */
export function skips(filter: LogFilter, block: ChainEntry): boolean {
  return filter.skipsBlock(block.number, block.hash, () => block.bloom());
}

/** The matching logs of a cursor step, removed ones first, in delivery order. */
export function collectLogs(
  filter: LogFilter,
  step: CursorStep,
  take: (log: ChainLog, removed: boolean) => void,
): void {
  for (const [blocks, removed] of [
    [step.removed, true],
    [step.added, false],
  ] as const) {
    for (const block of blocks) {
      if (skips(filter, block)) continue;
      for (const log of block.logs ?? []) if (filter.matches(log)) take(log, removed);
    }
  }
}
