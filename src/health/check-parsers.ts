// Strict parsing of the numbers nodes report. A malformed or absurd value is a failed
// check, never block 0: a node answering garbage must not look like a node at genesis.

/** A JSON-RPC QUANTITY: `0x` then the shortest hex form (`0x0`, `0x1a`), at most 16 digits. */
const HEX_QUANTITY = /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]{0,15})$/;
/** A beacon API uint64 as the decimal string it is sent as: no sign, no leading zeros. */
const DECIMAL_UINT = /^(?:0|[1-9][0-9]{0,19})$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The number, or null when `value` is not a canonical hex quantity <= MAX_SAFE_INTEGER. */
export function parseHexQuantity(value: unknown): number | null {
  if (typeof value !== 'string' || !HEX_QUANTITY.test(value)) return null;
  return bounded(BigInt(value));
}

/** The number, or null when `value` is not a canonical decimal string <= MAX_SAFE_INTEGER. */
export function parseDecimalUint(value: unknown): number | null {
  if (typeof value !== 'string' || !DECIMAL_UINT.test(value)) return null;
  return bounded(BigInt(value));
}

function bounded(value: bigint): number | null {
  return value <= MAX_SAFE ? Number(value) : null;
}
