import { type ClCheckResult, type ElCheckResult, type Layer } from './node-state';

// The wire form of a check result shared through Redis (pub/sub and the last-results
// hash). A replica trusts nothing it reads there: anything malformed is dropped.

/** Who checks the nodes: `leader` checks and publishes, `follower` applies, `alone` checks for itself. */
export type HealthRole = 'leader' | 'follower' | 'alone';

/** One node's check result, as the checking replica saw it. */
export type SharedCheck =
  | {
      readonly layer: 'el';
      readonly node: string;
      /** Epoch milliseconds when the check completed (the checking replica's clock). */
      readonly at: number;
      readonly result: ElCheckResult;
    }
  | {
      readonly layer: 'cl';
      readonly node: string;
      readonly at: number;
      readonly result: ClCheckResult;
    };

/** A SharedCheck as received, with the id of the replica that published it. */
export type ReceivedCheck = SharedCheck & { readonly from: string };

const VERSION = 1;

/** The hash field of a node's last result. */
export function fieldOf(layer: Layer, node: string): string {
  return `${layer}:${node}`;
}

export function encodeCheck(check: SharedCheck, from: string): string {
  return JSON.stringify({ v: VERSION, from, ...check });
}

/** The check in `text`, or undefined when it is not one this version understands. */
export function decodeCheck(text: string): ReceivedCheck | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.v !== VERSION) return undefined;
  const { from, layer, node, at, result } = value;
  if (typeof from !== 'string' || typeof node !== 'string' || node === '') return undefined;
  if (!isFiniteNumber(at) || !isObject(result)) return undefined;
  if (layer === 'el') {
    const el = elResult(result);
    return el && { from, layer, node, at, result: el };
  }
  if (layer === 'cl') {
    const cl = clResult(result);
    return cl && { from, layer, node, at, result: cl };
  }
  return undefined;
}

function elResult(r: Record<string, unknown>): ElCheckResult | undefined {
  if (!isFiniteNumber(r.latencyMs)) return undefined;
  if (r.ok === true && isFiniteNumber(r.blockNumber) && r.blockNumber >= 0) {
    return { ok: true, blockNumber: r.blockNumber, latencyMs: r.latencyMs };
  }
  if (r.ok === false && typeof r.reason === 'string') {
    return { ok: false, reason: r.reason, latencyMs: r.latencyMs };
  }
  return undefined;
}

function clResult(r: Record<string, unknown>): ClCheckResult | undefined {
  if (typeof r.healthOk !== 'boolean' || !isFiniteNumber(r.latencyMs)) return undefined;
  const slot = r.slot === null || (isFiniteNumber(r.slot) && r.slot >= 0) ? r.slot : undefined;
  const reason = r.reason === null || typeof r.reason === 'string' ? r.reason : undefined;
  if (slot === undefined || reason === undefined) return undefined;
  return { healthOk: r.healthOk, slot, reason, latencyMs: r.latencyMs };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
