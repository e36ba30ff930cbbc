import { ChainRpcError, type FilterStore, parseLogCriteria } from '../chain';
import {
  type BatchElement,
  type BatchPayload,
  type SinglePayload,
  type WireCall,
} from '../jsonrpc/jsonrpc.payload';
import { scanSingle } from '../jsonrpc/json-scan';
import { type ElAnswer, JSON_CONTENT_TYPE } from './el-answer';

// Vixy's own filters on POST /el and /el/ws (both answer through ElProxy): the filter
// methods are answered from the FilterStore over the head log, so a filter lives on
// whatever node serves the next poll, under any routing strategy. eth_getFilterLogs
// becomes the filter's eth_getLogs query, sent to the nodes like any call.

/** What the filter layer needs: the store, and a hook for pending-transaction filters. */
export interface FilterHost {
  readonly filters: FilterStore;
  /** A filter was installed: the head log must be followed. */
  follow(): void;
  /** A pending-transaction filter was installed: start feeding the store. */
  followPendingTransactions(): void;
}

export const FILTER_METHODS: ReadonlySet<string> = new Set([
  'eth_newFilter',
  'eth_newBlockFilter',
  'eth_newPendingTransactionFilter',
  'eth_getFilterChanges',
  'eth_getFilterLogs',
  'eth_uninstallFilter',
]);

/** A payload after the filter layer: answered, or what is left to forward. */
export type FilterStep =
  | { readonly kind: 'answered'; readonly answer: ElAnswer }
  | { readonly kind: 'forward'; readonly payload: SinglePayload | BatchPayload };

/** True when some call of the payload is a filter method (the usual request has none). */
export function hasFilterCall(payload: SinglePayload | BatchPayload): boolean {
  if (payload.kind === 'single') return FILTER_METHODS.has(payload.call.call.method);
  for (const c of payload.calls) if (FILTER_METHODS.has(c.call.method)) return true;
  return false;
}

/** Answers or rewrites the filter calls of a payload (see hasFilterCall first). */
export function filterStep(host: FilterHost, payload: SinglePayload | BatchPayload): FilterStep {
  if (payload.kind === 'single') {
    const out = take(host, payload.call);
    if (typeof out === 'string') return { kind: 'answered', answer: answered(out) };
    if (out === undefined) return { kind: 'answered', answer: answered('') };
    return { kind: 'forward', payload: { kind: 'single', call: out } };
  }
  const local = new Map<WireCall, string>();
  const rewritten = new Map<WireCall, WireCall>();
  const calls: WireCall[] = [];
  for (const call of payload.calls) {
    if (!FILTER_METHODS.has(call.call.method)) {
      calls.push(call);
      continue;
    }
    const out = take(host, call);
    if (typeof out === 'string') local.set(call, out);
    else if (out !== undefined) {
      rewritten.set(call, out);
      calls.push(out);
    }
  }
  const elements: BatchElement[] = payload.elements.map((e) => {
    if (e.call === undefined) return e;
    const text = local.get(e.call);
    if (text !== undefined) return { local: text, ok: true };
    const call = rewritten.get(e.call);
    return call === undefined ? e : { call };
  });
  if (calls.length === 0) {
    const parts = elements.map((e) => e.local).filter((t) => t !== undefined && t !== '');
    return { kind: 'answered', answer: answered(parts.length === 0 ? '' : `[${parts.join(',')}]`) };
  }
  return {
    kind: 'forward',
    payload: { ...payload, calls, elements, locals: payload.locals + local.size },
  };
}

/**
 * One filter call: its answer text ('' for a notification), or the eth_getLogs call that
 * answers eth_getFilterLogs (with the caller's id).
 */
function take(host: FilterHost, wire: WireCall): string | WireCall | undefined {
  const idJson = wire.idRaw;
  const { method, params } = wire.call;
  const args = Array.isArray(params) ? params : [];
  let resultJson: string;
  try {
    switch (method) {
      case 'eth_newFilter':
        host.follow();
        resultJson = `"${host.filters.newLogFilter(parseLogCriteria(params, 0))}"`;
        break;
      case 'eth_newBlockFilter':
        host.follow();
        resultJson = `"${host.filters.newBlockFilter()}"`;
        break;
      case 'eth_newPendingTransactionFilter':
        host.follow();
        resultJson = `"${host.filters.newPendingTransactionFilter()}"`;
        host.followPendingTransactions();
        break;
      case 'eth_getFilterChanges':
        resultJson = host.filters.changes(filterId(args));
        break;
      case 'eth_uninstallFilter':
        resultJson = String(host.filters.uninstall(filterId(args)));
        break;
      case 'eth_getFilterLogs':
        return getLogsCall(wire, host.filters.criteriaOf(filterId(args)));
      default:
        return wire;
    }
  } catch (err) {
    if (!(err instanceof ChainRpcError)) throw err;
    return idJson === undefined ? undefined : err.answerText(idJson);
  }
  if (idJson === undefined) return undefined;
  return `{"jsonrpc":"2.0","id":${idJson},"result":${resultJson}}`;
}

function filterId(args: readonly unknown[]): string {
  const id = args[0];
  if (typeof id !== 'string')
    throw new ChainRpcError(-32602, 'invalid argument 0: expected a filter id');
  return id.toLowerCase();
}

/** The eth_getLogs call that answers eth_getFilterLogs, carrying the caller's id as written. */
function getLogsCall(wire: WireCall, criteria: Record<string, unknown>): WireCall {
  const idRaw = wire.idRaw;
  const text = `{"jsonrpc":"2.0","id":${idRaw ?? 'null'},"method":"eth_getLogs","params":[${JSON.stringify(criteria)}]}`;
  const bytes = Buffer.from(text);
  const scan = scanSingle(bytes);
  const call = { jsonrpc: '2.0', id: wire.call.id, method: 'eth_getLogs', params: [criteria] };
  return { call, idRaw, bytes, idSpan: idRaw === undefined ? null : (scan?.id ?? null) };
}

function answered(body: string): ElAnswer {
  return { status: 200, contentType: JSON_CONTENT_TYPE, body };
}
