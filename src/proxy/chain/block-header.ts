import { isBloom, isHash, isHex, quantity } from './chain-hex';

// Block headers as the chain core keeps them, read from a node's newHeads notification
// or from an eth_getBlockByNumber / eth_getBlockByHash result.
//
// API:
//   headerFromNotification(resultJson) -> BlockHeader | undefined   (the `result` of a
//       newHeads notification, as text or bytes)
//   headerFromBlock(value) -> BlockHeader | undefined   (an eth_getBlockBy* result object,
//       with or without full transactions)
//   headerProblem(value) -> string | undefined   (why a value is not a header, for logs)
//
// Both sources give the same `json`: the header fields of a geth newHeads notification,
// in geth's order (core/types gen_header_json.go), `hash` last. Anything else a node
// adds (anvil's newHeads carry the whole block: transactions, uncles, withdrawals, size,
// totalDifficulty) is dropped, so clients see one form whichever node Vixy follows.
// Values are kept as the node wrote them. A malformed header (missing or badly formed
// number, hash, parentHash or logsBloom; a header field that is not a hex string) is
// rejected with undefined; nothing here throws.

export interface BlockHeader {
  readonly number: number;
  /** Lowercase, as every comparison in the chain core uses it. */
  readonly hash: string;
  /** Lowercase. */
  readonly parentHash: string;
  /** As the node wrote it (0x + 512 hex digits). */
  readonly logsBloom: string;
  /** The block's timestamp (hex quantity) when the node gave one. */
  readonly timestamp: string | undefined;
  /** The header's JSON text exactly as a geth newHeads notification carries it. */
  readonly json: string;
}

/** The fields of a geth newHeads header, in geth's order (`hash` is written last). */
export const NEW_HEADS_FIELDS: readonly string[] = [
  'parentHash',
  'sha3Uncles',
  'miner',
  'stateRoot',
  'transactionsRoot',
  'receiptsRoot',
  'logsBloom',
  'difficulty',
  'number',
  'gasLimit',
  'gasUsed',
  'timestamp',
  'extraData',
  'mixHash',
  'nonce',
  'baseFeePerGas',
  'withdrawalsRoot',
  'blobGasUsed',
  'excessBlobGas',
  'parentBeaconBlockRoot',
  'requestsHash',
  'blockAccessListHash',
  'slotNumber',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The header, or the reason it is not one. */
function readHeader(value: unknown): BlockHeader | string {
  if (!isRecord(value)) return 'not an object';
  const number = quantity(value.number);
  if (number === undefined) return 'number is not a hex quantity';
  if (!isHash(value.hash)) return 'hash is not 32 bytes of hex';
  if (!isHash(value.parentHash)) return 'parentHash is not 32 bytes of hex';
  if (!isBloom(value.logsBloom)) return 'logsBloom is not 256 bytes of hex';
  let json = '{';
  for (const field of NEW_HEADS_FIELDS) {
    const v = value[field];
    if (v === undefined || v === null) continue;
    if (!isHex(v)) return `${field} is not a hex string`;
    json += `"${field}":"${v}",`;
  }
  json += `"hash":"${value.hash}"}`;
  return {
    number,
    hash: value.hash.toLowerCase(),
    parentHash: value.parentHash.toLowerCase(),
    logsBloom: value.logsBloom,
    timestamp: typeof value.timestamp === 'string' ? value.timestamp : undefined,
    json,
  };
}

/** Why `value` is not a block header; undefined when it is one. */
export function headerProblem(value: unknown): string | undefined {
  const read = readHeader(value);
  return typeof read === 'string' ? read : undefined;
}

/** A header from an eth_getBlockByNumber / eth_getBlockByHash result (null gives undefined). */
export function headerFromBlock(value: unknown): BlockHeader | undefined {
  const read = readHeader(value);
  return typeof read === 'string' ? undefined : read;
}

/** A header from the `result` of a newHeads notification, as JSON text or bytes. */
export function headerFromNotification(resultJson: string | Buffer): BlockHeader | undefined {
  let value: unknown;
  try {
    value = JSON.parse(typeof resultJson === 'string' ? resultJson : resultJson.toString('utf8'));
  } catch {
    return undefined;
  }
  return headerFromBlock(value);
}
