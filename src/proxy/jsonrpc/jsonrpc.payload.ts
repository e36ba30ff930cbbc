import { type RpcErrorKind, rpcErrorText } from './jsonrpc.errors';

// Parsing and validation of a JSON-RPC payload (one message of any transport), done
// once per message. The result says what to forward and what to answer locally.

export type RpcId = string | number | null;

/** A valid JSON-RPC call, as parsed (the object itself, not a copy). */
export interface RpcCall {
  readonly jsonrpc?: unknown;
  readonly method: string;
  readonly id?: RpcId;
  readonly params?: unknown;
}

export interface PayloadLimits {
  /** Most calls in one batch; 0 means no limit. */
  readonly maxBatchSize: number;
  /** True for a method refused by the deny list. */
  readonly isDenied: (method: string) => boolean;
}

/** Refused as a whole: nothing is forwarded, the client gets one error object. */
export interface RejectedPayload {
  readonly kind: 'rejected';
  readonly error: RpcErrorKind;
  /** The caller's id where one can be read, else `null`, already serialised. */
  readonly idJson: string;
  readonly detail: string;
}

/** One call, to forward as it came. */
export interface SinglePayload {
  readonly kind: 'single';
  readonly call: RpcCall;
}

/**
 * A batch. `calls` are forwarded; `answers` are error objects (texts) for the elements
 * answered locally: invalid ones (-32600, with their id where readable) and denied
 * ones (-32601, naming the method). When `answers` is empty the batch is forwarded
 * byte for byte; otherwise only `calls` are, and the answers are merged.
 */
export interface BatchPayload {
  readonly kind: 'batch';
  readonly calls: readonly RpcCall[];
  readonly answers: readonly string[];
  /** Some element was not a valid call (as opposed to only denied ones). */
  readonly hasInvalid: boolean;
}

export type Payload = RejectedPayload | SinglePayload | BatchPayload;

const NULL_ID = 'null';

/** Parses and classifies one payload. Never throws. */
export function parsePayload(text: string, limits: PayloadLimits): Payload {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return rejected('parse', NULL_ID);
  }
  if (!Array.isArray(value)) {
    const problem = callProblem(value);
    if (problem !== undefined) return rejected('invalid', idJsonOf(value), problem);
    const call = value as RpcCall;
    if (limits.isDenied(call.method)) return rejected('denied', idJsonOf(call), call.method);
    return { kind: 'single', call };
  }
  if (value.length === 0) return rejected('empty-batch', NULL_ID);
  if (limits.maxBatchSize > 0 && value.length > limits.maxBatchSize) {
    return rejected('batch-too-large', NULL_ID, String(limits.maxBatchSize));
  }
  return classifyBatch(value, limits);
}

function classifyBatch(elements: readonly unknown[], limits: PayloadLimits): BatchPayload {
  const calls: RpcCall[] = [];
  const answers: string[] = [];
  let hasInvalid = false;
  for (const element of elements) {
    const problem = callProblem(element);
    if (problem !== undefined) {
      hasInvalid = true;
      answers.push(rpcErrorText(idJsonOf(element), 'invalid', problem));
    } else if (limits.isDenied((element as RpcCall).method)) {
      const call = element as RpcCall;
      answers.push(rpcErrorText(idJsonOf(call), 'denied', call.method));
    } else {
      calls.push(element as RpcCall);
    }
  }
  return { kind: 'batch', calls, answers, hasInvalid };
}

function rejected(error: RpcErrorKind, idJson: string, detail = ''): RejectedPayload {
  return { kind: 'rejected', error, idJson, detail };
}

/** Why a value is not a JSON-RPC call; undefined when it is one. */
export function callProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'expected a JSON-RPC request object';
  }
  const call = value as Record<string, unknown>;
  if (typeof call.method !== 'string') return 'expected a string "method"';
  if (call.id !== undefined && !isRpcId(call.id)) {
    return '"id" must be a string, a number or null';
  }
  const params = call.params;
  if (params !== undefined && (typeof params !== 'object' || params === null)) {
    return '"params" must be an array or an object';
  }
  if (call.jsonrpc !== undefined && call.jsonrpc !== '2.0') return '"jsonrpc" must be "2.0"';
  return undefined;
}

function isRpcId(id: unknown): id is RpcId {
  return id === null || typeof id === 'string' || typeof id === 'number';
}

/** The id of a message where one can be read (a valid JSON-RPC id), else `null`, as JSON. */
export function idJsonOf(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return NULL_ID;
  const id = (value as Record<string, unknown>).id;
  return id !== undefined && isRpcId(id) ? JSON.stringify(id) : NULL_ID;
}

/** The methods of a payload's forwarded calls, in order (what a routing strategy sees). */
export function methodsOf(payload: SinglePayload | BatchPayload): string[] {
  return payload.kind === 'single' ? [payload.call.method] : payload.calls.map((c) => c.method);
}

/**
 * `[proxy].deny_methods` as a predicate: an entry ending in `_` is a namespace prefix
 * (`admin_`), any other entry a full method name (`eth_sign`). Case-sensitive, as
 * method names are on the wire.
 */
export function createDenyMatcher(entries: readonly string[]): (method: string) => boolean {
  const prefixes = entries.filter((e) => e.endsWith('_'));
  const names = new Set(entries.filter((e) => !e.endsWith('_')));
  if (prefixes.length === 0 && names.size === 0) return () => false;
  return (method) => {
    if (names.has(method)) return true;
    for (let i = 0; i < prefixes.length; i++) if (method.startsWith(prefixes[i])) return true;
    return false;
  };
}
