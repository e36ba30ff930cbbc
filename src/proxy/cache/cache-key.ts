import { createHash } from 'node:crypto';

// Cache keys: the method and its params in one canonical form, so that calls asking the
// same thing share an entry: object members sorted, 0x-hex strings lowercased (hashes,
// addresses and data are case-insensitive). Long keys are hashed.

const HEX = /^0x[0-9a-fA-F]*$/;
/** Keys longer than this (large eth_call data) become a SHA-256 of the canonical text. */
export const MAX_KEY_LENGTH = 256;

/** JSON text of `value` with sorted object keys and lowercased 0x-hex strings. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && HEX.test(value)) return JSON.stringify(value.toLowerCase());
    return value === undefined ? 'null' : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

/** `method:canonical params`, or `method:#<sha256>` when that is longer than MAX_KEY_LENGTH. */
export function cacheKey(method: string, params: unknown): string {
  const key = `${method}:${canonicalJson(params ?? [])}`;
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `${method}:#${createHash('sha256').update(key).digest('base64url')}`;
}
