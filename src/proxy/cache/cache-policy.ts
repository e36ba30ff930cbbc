import { cacheKey } from './cache-key';

// Which EL calls have an answer that can never change, and when a node's answer may be
// kept. Pure functions, no I/O: `finalized` is the finalized block number the nodes
// reported (undefined while unknown). Immutable means: named by a block hash (its
// content cannot change), or at a block number at or below finalized (it cannot be
// reorganised away). Tags (latest, pending, safe, finalized, earliest) are never cached:
// what they name moves. A block number above finalized is never cached, so a cached
// block can never disagree with the chain after a reorg.

/** What a node's result must be for the answer to be kept. */
export type StoreRule =
  /** Anything but null (null: the node does not know it, yet). */
  | 'value'
  /** An array, empty or not (eth_getLogs over a finalized range). */
  | 'array'
  /** A non-empty array (eth_getLogs by block hash: [] may be a node that has not seen the block). */
  | 'nonEmptyArray'
  /** A transaction or receipt whose blockNumber is at or below finalized (null: pending or unknown). */
  | 'finalInclusion';

/** A cacheable call: where its answer is kept, and what the result must be to keep it. */
export interface CachePlan {
  readonly method: string;
  readonly key: string;
  readonly store: StoreRule;
}

type Finalized = number | undefined;
type Params = readonly unknown[];
/** Checks a call's params; true when the answer they ask for is immutable. */
type ParamsRule = (params: Params, finalized: Finalized) => boolean;

const HASH = /^0x[0-9a-fA-F]{64}$/;
const QUANTITY = /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]{0,12})$/;

function isHash(value: unknown): boolean {
  return typeof value === 'string' && HASH.test(value);
}

/** A hex quantity (no leading zeros, below 2^52), as a number; undefined otherwise. */
function quantity(value: unknown): number | undefined {
  return typeof value === 'string' && QUANTITY.test(value) ? Number(value) : undefined;
}

function finalNumber(value: unknown, finalized: Finalized): boolean {
  const n = quantity(value);
  return n !== undefined && finalized !== undefined && n <= finalized;
}

/**
 * A block parameter (a number, a hash, EIP-1898 `{blockHash}` / `{blockNumber}`) that
 * names an immutable block. `{blockHash, requireCanonical: true}` is not: its answer
 * turns into an error if the block leaves the canonical chain.
 */
function immutableBlock(value: unknown, finalized: Finalized): boolean {
  if (typeof value === 'string') return isHash(value) || finalNumber(value, finalized);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const ref = value as Record<string, unknown>;
  const keys = Object.keys(ref);
  if ('blockHash' in ref) {
    if (keys.some((k) => k !== 'blockHash' && k !== 'requireCanonical')) return false;
    return (
      isHash(ref.blockHash) &&
      (ref.requireCanonical === undefined || ref.requireCanonical === false)
    );
  }
  return keys.length === 1 && finalNumber(ref.blockNumber, finalized);
}

const noParams: ParamsRule = (p) => p.length === 0;
const byHash: ParamsRule = (p) => p.length >= 1 && p.length <= 2 && isHash(p[0]);
const byFinalNumber: ParamsRule = (p, f) => p.length >= 1 && p.length <= 2 && finalNumber(p[0], f);
const hashAndIndex: ParamsRule = (p) =>
  p.length === 2 && isHash(p[0]) && quantity(p[1]) !== undefined;
const numberAndIndex: ParamsRule = (p, f) =>
  p.length === 2 && finalNumber(p[0], f) && quantity(p[1]) !== undefined;
const txHash: ParamsRule = (p) => p.length === 1 && isHash(p[0]);
const blockRef: ParamsRule = (p, f) => p.length === 1 && immutableBlock(p[0], f);
/**
 * State at a block: the leading params have the right kinds (`lead`), then the block
 * parameter, required (its default is latest), then up to `extra` more (overrides).
 */
const stateAt =
  (lead: readonly ((v: unknown) => boolean)[], extra = 0): ParamsRule =>
  (p, f) =>
    p.length > lead.length &&
    p.length <= lead.length + 1 + extra &&
    lead.every((ok, i) => ok(p[i])) &&
    immutableBlock(p[lead.length], f);
const isString = (v: unknown): boolean => typeof v === 'string';
const isArray = (v: unknown): boolean => Array.isArray(v);
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

interface MethodRule {
  readonly params: ParamsRule;
  readonly store: StoreRule;
}

/** Every cacheable method. Anything else is never cached. */
const RULES: ReadonlyMap<string, MethodRule> = new Map<string, MethodRule>([
  ['eth_chainId', { params: noParams, store: 'value' }],
  ['net_version', { params: noParams, store: 'value' }],
  ['eth_getBlockByHash', { params: byHash, store: 'value' }],
  ['eth_getBlockByNumber', { params: byFinalNumber, store: 'value' }],
  ['eth_getHeaderByHash', { params: byHash, store: 'value' }],
  ['eth_getHeaderByNumber', { params: byFinalNumber, store: 'value' }],
  ['eth_getBlockReceipts', { params: blockRef, store: 'value' }],
  ['eth_getBlockTransactionCountByHash', { params: byHash, store: 'value' }],
  ['eth_getBlockTransactionCountByNumber', { params: byFinalNumber, store: 'value' }],
  ['eth_getUncleCountByBlockHash', { params: byHash, store: 'value' }],
  ['eth_getUncleCountByBlockNumber', { params: byFinalNumber, store: 'value' }],
  ['eth_getTransactionByBlockHashAndIndex', { params: hashAndIndex, store: 'value' }],
  ['eth_getTransactionByBlockNumberAndIndex', { params: numberAndIndex, store: 'value' }],
  ['eth_getUncleByBlockHashAndIndex', { params: hashAndIndex, store: 'value' }],
  ['eth_getUncleByBlockNumberAndIndex', { params: numberAndIndex, store: 'value' }],
  ['eth_getTransactionByHash', { params: txHash, store: 'finalInclusion' }],
  ['eth_getTransactionReceipt', { params: txHash, store: 'finalInclusion' }],
  ['eth_getBalance', { params: stateAt([isString]), store: 'value' }],
  ['eth_getCode', { params: stateAt([isString]), store: 'value' }],
  ['eth_getTransactionCount', { params: stateAt([isString]), store: 'value' }],
  ['eth_getStorageAt', { params: stateAt([isString, isString]), store: 'value' }],
  ['eth_getProof', { params: stateAt([isString, isArray]), store: 'value' }],
  // eth_call(tx, block, stateOverrides?, blockOverrides?): the overrides are in the key.
  ['eth_call', { params: stateAt([isObject], 2), store: 'value' }],
]);

/** The methods whose answers may be cached (eth_getLogs included). */
export const CACHEABLE_METHODS: readonly string[] = [...RULES.keys(), 'eth_getLogs'];

/**
 * The plan for a call when its answer can never change (look it up, and keep the
 * node's answer if `mayStore` agrees); undefined when it must go to a node every time.
 */
export function cachePolicy(
  method: string,
  params: unknown,
  finalized: Finalized,
): CachePlan | undefined {
  const list: Params | undefined =
    params === undefined ? [] : Array.isArray(params) ? params : undefined;
  if (list === undefined) return undefined;
  if (method === 'eth_getLogs') {
    const store = logsRule(list, finalized);
    return store && { method, key: cacheKey(method, list), store };
  }
  const rule = RULES.get(method);
  if (rule === undefined || !rule.params(list, finalized)) return undefined;
  return { method, key: cacheKey(method, list), store: rule.store };
}

/** eth_getLogs: by block hash, or from and to both numbers at or below finalized. */
function logsRule(params: Params, finalized: Finalized): StoreRule | undefined {
  if (params.length !== 1) return undefined;
  const filter = params[0];
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) return undefined;
  const f = filter as Record<string, unknown>;
  if (f.blockHash !== undefined) {
    if (f.fromBlock !== undefined || f.toBlock !== undefined) return undefined;
    return isHash(f.blockHash) ? 'nonEmptyArray' : undefined;
  }
  return finalNumber(f.fromBlock, finalized) && finalNumber(f.toBlock, finalized)
    ? 'array'
    : undefined;
}

/**
 * Whether a node's result (its raw JSON text, from a successful answer: never an
 * error) may be kept under `plan`. `finalized` is read again now: a transaction's
 * block must be final when the answer is stored.
 */
export function mayStore(plan: CachePlan, resultText: string, finalized: Finalized): boolean {
  const text = resultText.trim();
  if (text === '' || text === 'null') return false;
  switch (plan.store) {
    case 'value':
      return true;
    case 'array':
      return text.startsWith('[');
    case 'nonEmptyArray':
      return text.startsWith('[') && !/^\[\s*\]$/.test(text);
    case 'finalInclusion':
      return finalInclusion(text, finalized);
    default: {
      const never: never = plan.store;
      throw new Error(`unknown store rule ${String(never)}`);
    }
  }
}

function finalInclusion(text: string, finalized: Finalized): boolean {
  if (finalized === undefined || !text.startsWith('{')) return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  const n = quantity((value as Record<string, unknown>).blockNumber);
  return n !== undefined && n <= finalized;
}
