import { type BlockHeader, headerFromBlock } from './block-header';
import { toQuantity } from './chain-hex';
import { type ChainSource } from './chain.types';
import { bloomAdd, bloomBits } from './log-bloom';

// An in-memory chain for tests of the chain core and of the I/O side that feeds it: it
// mines blocks (with logs and real blooms), reorganises, and serves as a ChainSource
// answering what a node would (eth_getBlockBy*, eth_getLogs by block hash), with
// failures and delays that a test injects.

export interface FakeLog {
  readonly address: string;
  readonly topics: readonly string[];
}

export interface FakeBlock {
  readonly number: number;
  readonly hash: string;
  readonly parentHash: string;
  readonly logs: readonly FakeLog[];
  /** The eth_getBlockByNumber(…, false) result. */
  readonly result: Record<string, unknown>;
  readonly header: BlockHeader;
}

export type FakeCall = 'blockByNumber' | 'blockByHash' | 'logsOfBlock';

/** Small pools, so that filters match some logs and miss others. */
export const FAKE_ADDRESSES = ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40), '0x' + '3'.repeat(40)];
export const FAKE_TOPICS = ['0x' + 'a'.repeat(64), '0x' + 'b'.repeat(64), '0x' + 'c'.repeat(64)];

function hash32(n: number): string {
  return `0x${n.toString(16).padStart(64, '0')}`;
}

export class FakeChain implements ChainSource {
  /** Every block ever made, by hash (a reorged-out block stays known, as on a node). */
  readonly blocks = new Map<string, FakeBlock>();
  /** The true canonical chain, genesis first. */
  canonical: FakeBlock[] = [];
  /** Return true to make a call fail (reject); called before each answer. */
  fail: (call: FakeCall, key: number | string) => boolean = () => false;
  /** Awaited before each answer (microtask hops by default). */
  delay: () => Promise<void> = () => Promise.resolve();
  /** Calls made, by kind. */
  readonly calls: Record<FakeCall, number> = { blockByNumber: 0, blockByHash: 0, logsOfBlock: 0 };
  private counter = 0;

  constructor(genesisNumber = 0) {
    this.canonical.push(this.make(genesisNumber, hash32(0xdead), []));
  }

  get head(): FakeBlock {
    return this.canonical[this.canonical.length - 1];
  }

  /** Mines n blocks on the canonical chain; logsOf(i) gives the logs of the i-th. */
  mine(n = 1, logsOf: (i: number) => FakeLog[] = () => []): FakeBlock[] {
    const made: FakeBlock[] = [];
    for (let i = 0; i < n; i++) {
      const parent = this.head;
      const block = this.make(parent.number + 1, parent.hash, logsOf(i));
      this.canonical.push(block);
      made.push(block);
    }
    return made;
  }

  /** Replaces the last `depth` blocks by `length` new ones (default: as many). */
  reorg(depth: number, length = depth, logsOf: (i: number) => FakeLog[] = () => []): FakeBlock[] {
    this.canonical.splice(this.canonical.length - depth);
    return this.mine(length, logsOf);
  }

  /** The canonical block at height n. */
  at(n: number): FakeBlock | undefined {
    return this.canonical[n - this.canonical[0].number];
  }

  /** The eth_getLogs({ blockHash }) result of a block. */
  logsResult(block: FakeBlock): Record<string, unknown>[] {
    return block.logs.map((log, i) => ({
      address: log.address,
      topics: log.topics,
      data: '0x',
      blockNumber: toQuantity(block.number),
      transactionHash: hash32(0xf000000 + block.number * 16 + i),
      transactionIndex: '0x0',
      blockHash: block.hash,
      logIndex: toQuantity(i),
      removed: false,
    }));
  }

  async blockByNumber(n: number): Promise<unknown> {
    await this.answer('blockByNumber', n);
    return this.at(n)?.result ?? null;
  }

  async blockByHash(hash: string): Promise<unknown> {
    await this.answer('blockByHash', hash);
    return this.blocks.get(hash)?.result ?? null;
  }

  async logsOfBlock(hash: string): Promise<unknown> {
    await this.answer('logsOfBlock', hash);
    const block = this.blocks.get(hash);
    return block === undefined ? [] : this.logsResult(block);
  }

  private async answer(call: FakeCall, key: number | string): Promise<void> {
    this.calls[call]++;
    await this.delay();
    if (this.fail(call, key)) throw new Error(`${call}(${key}) failed`);
  }

  private make(number: number, parentHash: string, logs: readonly FakeLog[]): FakeBlock {
    const hash = hash32(++this.counter);
    const bloom = Buffer.alloc(256);
    for (const log of logs) {
      bloomAdd(bloom, bloomBits(log.address));
      for (const topic of log.topics) bloomAdd(bloom, bloomBits(topic));
    }
    const result = {
      number: toQuantity(number),
      hash,
      parentHash,
      logsBloom: `0x${bloom.toString('hex')}`,
      timestamp: toQuantity(1_700_000_000 + number * 12),
      gasUsed: '0x0',
      extraData: '0x',
      transactions: [],
      uncles: [],
    };
    const header = headerFromBlock(result) as BlockHeader;
    const block = { number, hash, parentHash, logs, result, header };
    this.blocks.set(hash, block);
    return block;
  }
}
