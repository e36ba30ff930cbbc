import { keccak256 } from './keccak';

// eth_sendRawTransaction is idempotent by transaction hash. When a send is retried on
// another node after the first attempt failed in a way that leaves its fate unknown
// (a timeout, a reset connection), the node that takes the retry may already have the
// transaction, from the first node through the p2p network, and answer "already known".
// The client's transaction is in the mempool: it gets the hash as a success.
//
// The hash is computed from the raw transaction (Keccak-256 of its bytes), because the
// attempt that accepted it is exactly the one whose answer was lost.

/** Error messages of the main clients for a transaction already in their pool. */
const ALREADY_KNOWN = /already known|known transaction|alreadyknown|already_exists/i;

export const SEND_RAW_TRANSACTION = 'eth_sendRawTransaction';

/** True when a node's error message says it already has the transaction. */
export function isAlreadyKnownMessage(message: unknown): boolean {
  return typeof message === 'string' && ALREADY_KNOWN.test(message);
}

const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})+$/;
const BLOB_TX_TYPE = 0x03;

/**
 * The transaction hash of a raw transaction (`0x` hex), or undefined when it is not
 * one. Legacy and EIP-2718 typed transactions hash their bytes as sent; a blob
 * transaction in its network form (`0x03 || rlp([tx, blobs, commitments, proofs])`)
 * hashes `0x03 || rlp(tx)`.
 */
export function rawTransactionHash(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || !HEX_BYTES.test(raw)) return undefined;
  const bytes = Buffer.from(raw.slice(2), 'hex');
  let signed: Uint8Array = bytes;
  if (bytes[0] === BLOB_TX_TYPE) {
    const outer = rlpHeader(bytes, 1);
    if (outer === undefined || !outer.list) return undefined;
    const first = rlpHeader(bytes, 1 + outer.headerLength);
    if (first === undefined) return undefined;
    if (first.list) {
      const end = 1 + outer.headerLength + first.headerLength + first.payloadLength;
      if (end > bytes.length) return undefined;
      signed = Buffer.concat([bytes.subarray(0, 1), bytes.subarray(1 + outer.headerLength, end)]);
    }
  }
  return `0x${keccak256(signed).toString('hex')}`;
}

interface RlpHeader {
  readonly list: boolean;
  readonly headerLength: number;
  readonly payloadLength: number;
}

function rlpHeader(bytes: Uint8Array, offset: number): RlpHeader | undefined {
  if (offset >= bytes.length) return undefined;
  const b = bytes[offset];
  if (b < 0x80) return { list: false, headerLength: 0, payloadLength: 1 };
  if (b <= 0xb7) return { list: false, headerLength: 1, payloadLength: b - 0x80 };
  if (b <= 0xbf) return longHeader(bytes, offset, b - 0xb7, false);
  if (b <= 0xf7) return { list: true, headerLength: 1, payloadLength: b - 0xc0 };
  return longHeader(bytes, offset, b - 0xf7, true);
}

function longHeader(
  bytes: Uint8Array,
  offset: number,
  lengthOfLength: number,
  list: boolean,
): RlpHeader | undefined {
  if (offset + 1 + lengthOfLength > bytes.length || lengthOfLength > 6) return undefined;
  let payloadLength = 0;
  for (let i = 1; i <= lengthOfLength; i++) payloadLength = payloadLength * 256 + bytes[offset + i];
  return { list, headerLength: 1 + lengthOfLength, payloadLength };
}
