import { type BlockHeader } from './block-header';
import { type ChainLog } from './chain-log';
import { isZeroBloom } from './chain-hex';
import { bloomBytes } from './log-bloom';
import { notificationSuffix } from './notification';

/** Where the logs of a block stand: none asked for yet, being fetched, known, or failed. */
export type LogsState = 'unfetched' | 'fetching' | 'ready' | 'failed';

/**
 * One block the head log knows: canonical or not (a block removed by a reorg, a header
 * seen on a side chain, a parent fetched to fill a hole). Readers (subscriptions, filters,
 * listeners) treat it as read-only; only the head log changes it.
 */
export class ChainEntry {
  /** True while the block is part of the canonical chain. */
  canonical = false;
  /** The block's logs in log index order, once known (empty for an all-zero bloom). */
  logs: readonly ChainLog[] | undefined;
  logsState: LogsState;
  /** The head log's generation when a logs fetch last failed (retried in a later one). */
  failedAt = 0;
  private bloomCache: Buffer | undefined;
  private headsSuffix: Buffer | undefined;

  constructor(readonly header: BlockHeader) {
    const empty = isZeroBloom(header.logsBloom);
    this.logs = empty ? [] : undefined;
    this.logsState = empty ? 'ready' : 'unfetched';
  }

  get number(): number {
    return this.header.number;
  }

  get hash(): string {
    return this.header.hash;
  }

  /** The logs bloom as 256 bytes (decoded on first use). */
  bloom(): Buffer {
    return (this.bloomCache ??= bloomBytes(this.header.logsBloom));
  }

  /** The newHeads notification suffix of this block, built once (see notification.ts). */
  headsNotification(): Buffer {
    return (this.headsSuffix ??= notificationSuffix(this.header.json));
  }
}
