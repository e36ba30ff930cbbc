import { isAlreadyKnownMessage, rawTransactionHash } from '../jsonrpc/already-known';
import { callProblem } from '../jsonrpc/jsonrpc.payload';
import { isRecord } from './session-frames';

// The records the session core keeps (subscriptions, connections, calls, pending
// requests) and the small pure rules it applies to them.

/** newHeads block hashes remembered per subscription to drop a block delivered twice. */
export const HEADS_KEPT = 8;

export type Role = 'current' | 'next' | 'draining';

export interface Sub {
  readonly clientId: string;
  readonly idJson: string;
  /** The client id as it sits between the quotes of a frame (JSON-escaped). */
  readonly idRaw: Buffer;
  readonly params: unknown;
  /** newHeads only: hashes of the last blocks delivered. */
  readonly heads: string[] | null;
  live: boolean;
  /**
   * Notifications held until the client has the subscription's id: its eth_subscribe
   * answer waits in a batch whose other calls are not answered yet. Null once announced.
   */
  early: { data: Frame; key: string | undefined }[] | null;
  /** Upstream subscription id on each connection where it exists. */
  readonly upstream: Map<number, string>;
}

export interface Conn {
  readonly gen: number;
  role: Role;
  readonly drainOld: boolean;
  /** Upstream subscription id -> subscription. */
  readonly subs: Map<string, Sub>;
  inflight: number;
  /** `next` only: re-subscribes not answered yet. */
  awaiting: number;
  /** `next` only: notifications that arrived before the cut-over. */
  held: { sub: Sub; data: Frame; key: string | undefined }[];
}

export interface Batch {
  readonly parts: string[];
  remaining: number;
  /** Subscriptions created by this batch, announced when the batch answer is sent. */
  created: Sub[] | null;
}

export interface Call {
  readonly idJson: string;
  readonly id: unknown;
  readonly method: string;
  readonly params: unknown;
  readonly batch: Batch | null;
  readonly slot: number;
  readonly subscribe: boolean;
  attempts: number;
}

export type Pending =
  | { readonly kind: 'call'; readonly call: Call; readonly gen: number; readonly at: number }
  | { readonly kind: 'resub'; readonly sub: Sub; readonly gen: number; readonly at: number }
  | { readonly kind: 'cleanup'; readonly gen: number; readonly at: number }
  /** A client eth_subscribe that timed out: if it is answered after all, undo it upstream. */
  | { readonly kind: 'orphan'; readonly gen: number; readonly at: number };

/** A queued client message: a call, or the text of a client notification (no answer). */
export type Queued = Call | string;

/** A frame for the client: built text, or upstream bytes forwarded or spliced. */
export type Frame = string | Buffer;

/**
 * Why a client message is not a JSON-RPC call (the rules of /el), or undefined. Unlike
 * /el, any JSON value is accepted as an id: the session never sends it upstream.
 */
export function problemOf(el: unknown): string | undefined {
  return callProblem(isRecord(el) && 'id' in el ? { ...el, id: null } : el);
}

/** Whether a batch element gets an element in the batch answer (all but valid notifications). */
export function expectsAnswer(el: unknown, problem: string | undefined): boolean {
  return problem !== undefined || (isRecord(el) && 'id' in el);
}

/** A retried eth_sendRawTransaction answered "already known": the transaction is in, say so. */
export function alreadyKnownText(call: Call, ans: unknown): string | undefined {
  if (!isRecord(ans) || !isRecord(ans.error) || !isAlreadyKnownMessage(ans.error.message)) {
    return undefined;
  }
  const hash = rawTransactionHash(Array.isArray(call.params) ? call.params[0] : undefined);
  return hash && `{"jsonrpc":"2.0","id":${call.idJson},"result":"${hash}"}`;
}

export function isNewHeads(params: unknown): boolean {
  return Array.isArray(params) && params[0] === 'newHeads';
}

export function parseOrUndefined(data: Buffer | undefined): unknown {
  if (data === undefined) return undefined;
  try {
    return JSON.parse(data.toString()) as unknown;
  } catch {
    return undefined;
  }
}
