import { type ChainLog } from './chain-log';
import { toQuantity } from './chain-hex';
import { type BlockTag, type LogCriteria } from './log-criteria';
import { type BloomBits, bloomBits, bloomHas } from './log-bloom';

// Matching of logs against criteria, with geth's rules (eth/filters/filter.go filterLogs):
// - a numeric fromBlock / toBlock bounds the log's block number; a tag (latest,
//   earliest, safe, finalized) does not bound it;
// - any of the addresses, when some are given;
// - a log needs at least as many topics as the criteria have positions, and each
//   position matches any of its hashes (null: any topic).
// One deliberate difference: criteria with a blockHash match only logs of that block
// (geth's live filters ignore blockHash; EIP-234 says the criteria name that one block).
//
// `skipsBlock` answers from the header alone (number, hash, logs bloom) whether no log of
// a block can match, so that a block's logs are fetched only when some filter may want
// them (geth's bloomFilter).

export class LogFilter {
  private readonly addresses: ReadonlySet<string> | undefined;
  private readonly topics: readonly (ReadonlySet<string> | null)[];
  private readonly from: number | undefined;
  private readonly to: number | undefined;
  private addressBits: readonly BloomBits[] | undefined;
  private topicBits: readonly (readonly BloomBits[] | null)[] | undefined;

  constructor(readonly criteria: LogCriteria) {
    const { addresses, topics, fromBlock, toBlock } = criteria;
    this.addresses = addresses.length > 0 ? new Set(addresses) : undefined;
    this.topics = topics.map((t) => (t === null ? null : new Set(t)));
    this.from = typeof fromBlock === 'number' ? fromBlock : undefined;
    this.to = typeof toBlock === 'number' ? toBlock : undefined;
  }

  /** True when the block (by number and hash) is inside the criteria's range. */
  coversBlock(number: number, hash: string): boolean {
    if (this.from !== undefined && number < this.from) return false;
    if (this.to !== undefined && number > this.to) return false;
    return this.criteria.blockHash === undefined || this.criteria.blockHash === hash;
  }

  matches(log: ChainLog): boolean {
    if (!this.coversBlock(log.blockNumber, log.blockHash)) return false;
    if (this.addresses !== undefined && !this.addresses.has(log.address)) return false;
    if (this.topics.length > log.topics.length) return false;
    for (let i = 0; i < this.topics.length; i++) {
      const any = this.topics[i];
      if (any !== null && !any.has(log.topics[i])) return false;
    }
    return true;
  }

  /** True when no log of the block can match (out of range, or absent from its bloom). */
  skipsBlock(number: number, hash: string, bloom: () => Buffer): boolean {
    if (!this.coversBlock(number, hash)) return true;
    const { addressBits, topicBits } = this.bits();
    if (addressBits.length === 0 && topicBits.every((t) => t === null)) return false;
    const b = bloom();
    if (addressBits.length > 0 && !addressBits.some((bits) => bloomHas(b, bits))) return true;
    return topicBits.some((any) => any !== null && !any.some((bits) => bloomHas(b, bits)));
  }

  /** The criteria as eth_getLogs parameters (for eth_getFilterLogs). */
  toQuery(): Record<string, unknown> {
    const { addresses, topics, blockHash, fromBlock, toBlock } = this.criteria;
    const query: Record<string, unknown> = {};
    if (blockHash !== undefined) query.blockHash = blockHash;
    if (fromBlock !== undefined) query.fromBlock = tagText(fromBlock);
    if (toBlock !== undefined) query.toBlock = tagText(toBlock);
    if (addresses.length > 0) query.address = [...addresses];
    if (topics.length > 0) query.topics = topics.map((t) => (t === null ? null : [...t]));
    return query;
  }

  private bits(): {
    addressBits: readonly BloomBits[];
    topicBits: readonly (readonly BloomBits[] | null)[];
  } {
    this.addressBits ??= this.criteria.addresses.map(bloomBits);
    this.topicBits ??= this.criteria.topics.map((t) => (t === null ? null : t.map(bloomBits)));
    return { addressBits: this.addressBits, topicBits: this.topicBits };
  }
}

function tagText(tag: BlockTag): string {
  return typeof tag === 'number' ? toQuantity(tag) : tag;
}
