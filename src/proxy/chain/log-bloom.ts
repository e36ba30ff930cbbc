import { keccak256 } from '../jsonrpc/keccak';

// The 2048-bit logs bloom of a block header (yellow paper section 4.3.1, geth
// core/types/bloom9.go): an address or topic sets 3 bits, taken from the first 6 bytes
// of its keccak-256. A bloom has false positives, never false negatives, so a block whose
// bloom lacks every address (or every topic of one position) of a filter has no log that
// matches it, and its logs need not be fetched for that filter.

/** The 3 bits of one item: pairs of (byte index into the 256-byte bloom, bit mask). */
export type BloomBits = readonly [number, number, number, number, number, number];

/** The bloom bits of an address or topic given as 0x-prefixed hex. */
export function bloomBits(hex: string): BloomBits {
  const h = keccak256(Buffer.from(hex.slice(2), 'hex'));
  const index = (i: number) => 255 - ((((h[i] << 8) | h[i + 1]) & 0x7ff) >> 3);
  const mask = (i: number) => 1 << (h[i + 1] & 7);
  return [index(0), mask(0), index(2), mask(2), index(4), mask(4)];
}

/** The bloom's 256 bytes. */
export function bloomBytes(logsBloom: string): Buffer {
  return Buffer.from(logsBloom.slice(2), 'hex');
}

export function bloomHas(bloom: Buffer, bits: BloomBits): boolean {
  return (
    (bloom[bits[0]] & bits[1]) !== 0 &&
    (bloom[bits[2]] & bits[3]) !== 0 &&
    (bloom[bits[4]] & bits[5]) !== 0
  );
}

/** Sets an item's bits (to build blooms in tests and fakes). */
export function bloomAdd(bloom: Buffer, bits: BloomBits): void {
  bloom[bits[0]] |= bits[1];
  bloom[bits[2]] |= bits[3];
  bloom[bits[4]] |= bits[5];
}
