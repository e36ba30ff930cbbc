import { scanArray, scanSingle, type ValueScan } from '../jsonrpc/json-scan';
import { isRecord } from './session-frames';
import { type Batch, type Call, expectsAnswer, problemOf } from './session-core.model';
import { type SessionLimits } from './session-core.types';
import { rpcErrorText } from './ws-errors';

// A client frame as the session core takes it in: validated like /el (except that any
// JSON value is a valid id), batch answers prepared in request order, and everything
// the session answers by itself (invalid calls, denied methods, eth_unsubscribe,
// subscription limit) answered here. Calls that need a node go to `accept`.

/** What the intake needs from the session core. */
export interface IntakeTarget {
  /** Sends or queues a call; returns the error text when a limit refuses it. */
  accept(call: Call): string | undefined;
  /** Client subscriptions, live or being created. */
  subscriptionsInUse(): number;
  /** The client's eth_unsubscribe: true when it ended a live subscription. */
  unsubscribe(params: unknown): boolean;
  /** A client notification (no id), forwarded as is. */
  forward(text: string): void;
  /** Answers a call (or a batch element) without the upstream. */
  answer(batch: Batch | null, slot: number, data: string): void;
}

/**
 * `raw` is the frame's bytes: ids are answered as the client wrote them (never through
 * a JSON number round trip).
 */
export function takeClientMessage(
  msg: unknown,
  raw: Buffer,
  limits: SessionLimits,
  target: IntakeTarget,
): void {
  if (!Array.isArray(msg)) {
    const id = rawId(raw, scanSingle(raw), msg);
    return takeCall(msg, id, problemOf(msg), null, 0, limits, target);
  }
  if (msg.length === 0) return target.answer(null, 0, rpcErrorText('null', 'empty-batch'));
  const max = limits.maxBatchSize;
  if (max > 0 && msg.length > max) {
    return target.answer(null, 0, rpcErrorText('null', 'batch-too-large', String(max)));
  }
  const problems = msg.map(problemOf);
  const answered = msg.filter((el, i) => expectsAnswer(el, problems[i])).length;
  const batch: Batch = { parts: new Array<string>(answered), remaining: answered, created: null };
  const scans = scanArray(raw);
  let slot = 0;
  msg.forEach((el, i) => {
    const id = rawId(raw, scans?.[i], el);
    if (expectsAnswer(el, problems[i]))
      takeCall(el, id, problems[i], batch, slot++, limits, target);
    else takeCall(el, id, undefined, null, 0, limits, target);
  });
}

/** The id's JSON text as the client wrote it (any JSON value: it never goes upstream). */
function rawId(raw: Buffer, scan: ValueScan | undefined, el: unknown): string | undefined {
  if (!isRecord(el) || !('id' in el)) return undefined;
  if (scan?.id) return raw.toString('utf8', scan.id.start, scan.id.end);
  return JSON.stringify(el.id) ?? 'null';
}

/** A JSON-RPC id (string, number, null) is echoed in an error; anything else is not. */
function echoedId(el: unknown, id: string | undefined): string {
  if (!isRecord(el) || id === undefined) return 'null';
  const value = el.id;
  return value === null || typeof value === 'string' || typeof value === 'number' ? id : 'null';
}

function takeCall(
  el: unknown,
  id: string | undefined,
  problem: string | undefined,
  batch: Batch | null,
  slot: number,
  limits: SessionLimits,
  target: IntakeTarget,
): void {
  if (problem !== undefined || !isRecord(el) || typeof el.method !== 'string') {
    // Not a call: its id is echoed only when it is a JSON-RPC id (string, number, null).
    return target.answer(batch, slot, rpcErrorText(echoedId(el, id), 'invalid', problem));
  }
  const method = el.method;
  if (!('id' in el)) {
    const internal = method === 'eth_subscribe' || method === 'eth_unsubscribe';
    if (!internal && !limits.isDenied(method)) target.forward(JSON.stringify(el));
    return;
  }
  const idJson = id ?? 'null';
  if (limits.isDenied(method)) {
    return target.answer(batch, slot, rpcErrorText(idJson, 'denied', method));
  }
  if (method === 'eth_unsubscribe') {
    const ok = target.unsubscribe(el.params);
    return target.answer(batch, slot, `{"jsonrpc":"2.0","id":${idJson},"result":${ok}}`);
  }
  const subscribe = method === 'eth_subscribe';
  const maxSubs = limits.maxSubscriptions;
  if (subscribe && target.subscriptionsInUse() >= maxSubs) {
    return target.answer(batch, slot, rpcErrorText(idJson, 'subscription-limit', `${maxSubs}`));
  }
  const call: Call = {
    idJson,
    id: el.id,
    method,
    params: el.params,
    batch,
    slot,
    subscribe,
    attempts: 0,
  };
  const refused = target.accept(call);
  if (refused !== undefined) target.answer(batch, slot, refused);
}
