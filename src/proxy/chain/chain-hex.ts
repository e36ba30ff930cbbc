// Strict checks of the hex values Ethereum JSON-RPC carries, shared by the chain core.
// Upstream values are checked here before the chain core trusts them; a value that does
// not match is a malformed answer, never a crash.

const HASH = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BLOOM = /^0x[0-9a-fA-F]{512}$/;
/** A quantity: `0x0`, or no leading zero digit (checked to be a safe integer). */
const QUANTITY = /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]{0,13})$/;
const HEX = /^0x[0-9a-fA-F]*$/;
const ZERO_BLOOM = `0x${'0'.repeat(512)}`;

export function isHash(value: unknown): value is string {
  return typeof value === 'string' && HASH.test(value);
}

export function isAddress(value: unknown): value is string {
  return typeof value === 'string' && ADDRESS.test(value);
}

export function isBloom(value: unknown): value is string {
  return typeof value === 'string' && BLOOM.test(value);
}

/** Any `0x`-prefixed hex string, including `0x` itself (extraData, data). */
export function isHex(value: unknown): value is string {
  return typeof value === 'string' && HEX.test(value);
}

/** A quantity as a safe integer; undefined when `value` is not a canonical hex quantity. */
export function quantity(value: unknown): number | undefined {
  if (typeof value !== 'string' || !QUANTITY.test(value)) return undefined;
  const n = Number.parseInt(value.slice(2), 16);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function toQuantity(n: number): string {
  return `0x${n.toString(16)}`;
}

/** True for a logs bloom with no bit set: the block has no log at all. */
export function isZeroBloom(bloom: string): boolean {
  return bloom === ZERO_BLOOM || /^0x0*$/.test(bloom);
}
