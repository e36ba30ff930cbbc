import { type BlockHeader } from './block-header';
import { isAddress, isHash, isHex, isZeroBloom, quantity } from './chain-hex';
import { notificationSuffix } from './notification';

// The logs of one block, read from an eth_getLogs({ blockHash }) result and checked
// against the block's header. A log's JSON is written once, in geth's field order
// (core/types gen_log_json.go), with `blockTimestamp` taken from the header when the node
// leaves it out; its `removed: true` variant and notification suffixes are built on first
// use and shared by every subscription and filter.

export class ChainLog {
  private removedText: string | undefined;
  private suffix: Buffer | undefined;
  private removedSuffix: Buffer | undefined;

  constructor(
    /** Lowercase. */
    readonly address: string,
    /** Lowercase, at most 4. */
    readonly topics: readonly string[],
    readonly blockNumber: number,
    /** Lowercase. */
    readonly blockHash: string,
    readonly logIndex: number,
    /** The JSON text with `"removed":false` (it ends with that member). */
    readonly json: string,
  ) {}

  /** The JSON text of this log as a reorg reports it (`"removed":true`). */
  get removedJson(): string {
    return (this.removedText ??= `${this.json.slice(0, -'false}'.length)}true}`);
  }

  /** The notification suffix of this log, `removed` or not (see notification.ts). */
  notification(removed: boolean): Buffer {
    if (removed) return (this.removedSuffix ??= notificationSuffix(this.removedJson));
    return (this.suffix ??= notificationSuffix(this.json));
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readLog(raw: unknown, header: BlockHeader): ChainLog | string {
  if (!isRecord(raw)) return 'a log is not an object';
  const { address, topics, data, transactionHash, blockHash } = raw;
  if (!isAddress(address)) return 'log address is not 20 bytes of hex';
  if (!Array.isArray(topics) || topics.length > 4 || !topics.every(isHash)) {
    return 'log topics are not at most 4 hashes';
  }
  if (!isHex(data)) return 'log data is not hex';
  if (!isHash(transactionHash)) return 'log transactionHash is not a hash';
  if (!isHash(blockHash) || blockHash.toLowerCase() !== header.hash) {
    return 'log of another block';
  }
  if (quantity(raw.blockNumber) !== header.number) return 'log blockNumber is not the block';
  const logIndex = quantity(raw.logIndex);
  if (logIndex === undefined || quantity(raw.transactionIndex) === undefined) {
    return 'log index or transaction index is not a quantity';
  }
  if (raw.removed === true) return 'log of a block marked removed';
  const stamp = quantity(raw.blockTimestamp) !== undefined ? raw.blockTimestamp : header.timestamp;
  const json =
    `{"address":"${address}","topics":${JSON.stringify(topics)},"data":"${data}",` +
    `"blockNumber":"${raw.blockNumber as string}","transactionHash":"${transactionHash}",` +
    `"transactionIndex":"${raw.transactionIndex as string}","blockHash":"${blockHash}",` +
    (stamp === undefined ? '' : `"blockTimestamp":"${stamp as string}",`) +
    `"logIndex":"${raw.logIndex as string}","removed":false}`;
  const lower = (topics as string[]).map((t) => t.toLowerCase());
  return new ChainLog(address.toLowerCase(), lower, header.number, header.hash, logIndex, json);
}

/**
 * The logs of `header`'s block from an eth_getLogs({ blockHash }) result, in log index
 * order; a string saying what is wrong when the result cannot be the block's logs (not
 * an array, a malformed log, a log of another block, a repeated index, or no log at all
 * while the bloom says there are some: the node does not have the block).
 */
export function logsOfBlock(result: unknown, header: BlockHeader): ChainLog[] | string {
  if (!Array.isArray(result)) return 'logs are not an array';
  const logs: ChainLog[] = [];
  for (const raw of result) {
    const log = readLog(raw, header);
    if (typeof log === 'string') return log;
    logs.push(log);
  }
  if (logs.length === 0 && !isZeroBloom(header.logsBloom)) return 'no logs but a non-empty bloom';
  logs.sort((a, b) => a.logIndex - b.logIndex);
  for (let i = 1; i < logs.length; i++) {
    if (logs[i].logIndex === logs[i - 1].logIndex) return 'two logs with one index';
  }
  return logs;
}
