import { ChainRpcCode, ChainRpcError, invalidArgument, invalidParams } from './chain-errors';

// Log filter criteria, parsed and validated as geth accepts them for
// eth_subscribe("logs", crit) and eth_newFilter(crit) (eth/filters/api.go
// FilterCriteria.UnmarshalJSON, then EventSystem.SubscribeLogs), with geth's messages:
// - `address`: one address or an array of them (null or [] = any);
// - `topics`: at most 4 positions; per position null or [] = any, a hash, or an array of
//   hashes (OR; a null inside the array makes the position a wildcard, as in geth);
// - `blockHash`, or `fromBlock`/`toBlock` (a hex number or earliest, latest, pending,
//   safe, finalized), never both;
// - pending logs are refused; a range must be latest..latest, n..latest or n..m (n <= m);
// - at most 1000 addresses and 1000 topics per position.
// Unknown members are ignored, as geth ignores them. Parameter errors are -32602
// `invalid argument <i>: ...`; the range errors are -32602 too, the address limit -32000.

export type BlockTag = number | 'earliest' | 'latest' | 'pending' | 'safe' | 'finalized';

export interface LogCriteria {
  /** Lowercase; empty: any address. */
  readonly addresses: readonly string[];
  /** Per position, lowercase hashes (any of them), or null for any topic. At most 4. */
  readonly topics: readonly (readonly string[] | null)[];
  /** Lowercase, when the criteria name one block. */
  readonly blockHash: string | undefined;
  readonly fromBlock: BlockTag | undefined;
  readonly toBlock: BlockTag | undefined;
}

const MAX_TOPICS = 4;
const MAX_SUB_TOPICS = 1000;
const LOG_QUERY_LIMIT = 1000;
const TAGS = new Set(['earliest', 'latest', 'pending', 'safe', 'finalized']);

function goType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v;
}

/** hexutil.Decode plus a length check, with geth's messages; the lowercase hex when valid. */
function decodeFixed(s: string, bytes: number, what: string): string {
  if (s.length === 0) throw new Error('empty hex string');
  if (s[0] !== '0' || (s[1] !== 'x' && s[1] !== 'X'))
    throw new Error('hex string without 0x prefix');
  const digits = s.slice(2);
  if (/[^0-9a-fA-F]/.test(digits)) throw new Error('invalid hex string');
  if (digits.length % 2 === 1) throw new Error('hex string of odd length');
  if (digits.length !== bytes * 2) {
    throw new Error(
      `hex has invalid length ${digits.length / 2} after decoding; expected ${bytes} for ${what}`,
    );
  }
  return `0x${digits.toLowerCase()}`;
}

/** rpc.BlockNumber.UnmarshalJSON. */
function blockTag(v: unknown): BlockTag {
  const input = typeof v === 'string' ? v.trim() : JSON.stringify(v);
  if (TAGS.has(input)) return input as BlockTag;
  if (input.length === 0) throw new Error('empty hex string');
  if (input[0] !== '0' || (input[1] !== 'x' && input[1] !== 'X')) {
    throw new Error('hex string without 0x prefix');
  }
  const digits = input.slice(2);
  if (digits.length === 0) throw new Error('hex string "0x"');
  if (digits.length > 1 && digits[0] === '0')
    throw new Error('hex number with leading zero digits');
  if (/[^0-9a-fA-F]/.test(digits)) throw new Error('invalid hex string');
  const n = BigInt(`0x${digits}`);
  if (n >= 1n << 64n) throw new Error('hex number > 64 bits');
  if (n >= 1n << 63n) throw new Error('block number larger than int64');
  return Number(n);
}

/** common.Hash.UnmarshalJSON (hexutil.UnmarshalFixedJSON), with its messages. */
function blockHashOf(v: unknown): string {
  const typeError = (what: string) =>
    new Error(`json: cannot unmarshal ${what} into Go value of type common.Hash`);
  if (typeof v !== 'string') throw typeError('non-string');
  let digits = v;
  if (v[0] === '0' && (v[1] === 'x' || v[1] === 'X')) digits = v.slice(2);
  else if (v.length > 0) throw typeError('hex string without 0x prefix');
  if (digits.length % 2 === 1) throw typeError('hex string of odd length');
  if (digits.length !== 64) {
    throw new Error(`hex string has length ${digits.length}, want 64 for common.Hash`);
  }
  if (/[^0-9a-fA-F]/.test(digits)) throw typeError('invalid hex string');
  return `0x${digits.toLowerCase()}`;
}

function addressesOf(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') {
    return [wrap(() => decodeFixed(raw, 20, 'address'), 'invalid address: ')];
  }
  if (!Array.isArray(raw)) throw new Error('invalid addresses in query');
  return raw.map((a: unknown, i) => {
    if (typeof a !== 'string') throw new Error(`non-string address at index ${i}`);
    return wrap(() => decodeFixed(a, 20, 'address'), `invalid address at index ${i}: `);
  });
}

function wrap<T>(f: () => T, prefix: string): T {
  try {
    return f();
  } catch (err) {
    throw new Error(prefix + (err as Error).message, { cause: err });
  }
}

function topicsOf(raw: unknown): (string[] | null)[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw new Error(
      `json: cannot unmarshal ${goType(raw)} into Go struct field input.topics of type []interface {}`,
    );
  }
  if (raw.length > MAX_TOPICS) throw new Error('exceed max topics');
  return raw.map((t: unknown) => {
    if (t === null) return null;
    if (typeof t === 'string') return [decodeFixed(t, 32, 'topic')];
    if (!Array.isArray(t)) throw new Error('invalid topic(s)');
    if (t.length > MAX_SUB_TOPICS) throw new Error('exceed max topics');
    const any: string[] = [];
    for (const sub of t as unknown[]) {
      if (sub === null) return null;
      if (typeof sub !== 'string') throw new Error('invalid topic(s)');
      any.push(decodeFixed(sub, 32, 'topic'));
    }
    return any.length === 0 ? null : any;
  });
}

function decode(raw: unknown): LogCriteria {
  if (raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`json: cannot unmarshal ${goType(raw)} into Go value of type filters.input`);
  }
  const o = raw as Record<string, unknown>;
  const present = (v: unknown) => v !== undefined && v !== null;
  const blockHash = present(o.blockHash) ? blockHashOf(o.blockHash) : undefined;
  const fromBlock = present(o.fromBlock) ? blockTag(o.fromBlock) : undefined;
  const toBlock = present(o.toBlock) ? blockTag(o.toBlock) : undefined;
  if (blockHash !== undefined && (fromBlock !== undefined || toBlock !== undefined)) {
    throw new Error('cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other');
  }
  return {
    addresses: addressesOf(o.address),
    topics: topicsOf(o.topics),
    blockHash,
    fromBlock,
    toBlock,
  };
}

/** EventSystem.SubscribeLogs: what is refused after parsing. */
function check(c: LogCriteria): ChainRpcError | undefined {
  if (c.addresses.length > LOG_QUERY_LIMIT) {
    return new ChainRpcError(
      ChainRpcCode.server,
      'exceed max addresses or topics per search position',
    );
  }
  if (c.fromBlock === 'pending' || c.toBlock === 'pending') {
    return invalidParams('pending logs are not supported');
  }
  const from = c.fromBlock === 'earliest' ? 0 : (c.fromBlock ?? 'latest');
  const to = c.toBlock ?? 'latest';
  if (from === 'latest' && to === 'latest') return undefined;
  if (typeof from === 'number' && (to === 'latest' || (typeof to === 'number' && to >= from))) {
    return undefined;
  }
  return invalidParams('invalid block range params');
}

/**
 * The criteria at `params[index]` (1 for eth_subscribe("logs", crit), 0 for
 * eth_newFilter(crit)); throws a ChainRpcError with geth's code and message.
 */
export function parseLogCriteria(params: unknown, index: number): LogCriteria {
  const args = params === undefined || params === null ? [] : params;
  if (!Array.isArray(args)) throw invalidParams('non-array args');
  if (args.length > index + 1) throw invalidParams(`too many arguments, want at most ${index + 1}`);
  if (args.length <= index) throw invalidParams(`missing value for required argument ${index}`);
  let criteria: LogCriteria;
  try {
    criteria = decode(args[index]);
  } catch (err) {
    throw invalidArgument(index, (err as Error).message);
  }
  const refused = check(criteria);
  if (refused) throw refused;
  return criteria;
}
