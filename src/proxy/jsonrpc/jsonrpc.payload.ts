import { rpcErrorText, type RpcErrorKind } from './jsonrpc.errors';
import { isPlainId, scanArray, scanSingle, type Span, type ValueScan } from './json-scan';

// Parsing and validation of a JSON-RPC payload (one message of any transport), done
// once per message. The result says what to forward and what to answer locally, and
// keeps every call's bytes and its id exactly as the client wrote them.

export type RpcId = string | number | null;

/** A valid JSON-RPC call, as parsed (the object itself, not a copy). */
export interface RpcCall {
  readonly jsonrpc?: unknown;
  readonly method: string;
  readonly id?: RpcId;
  readonly params?: unknown;
}

/** A call with its bytes: what is forwarded, and the id the answer must carry. */
export interface WireCall {
  readonly call: RpcCall;
  /** The id as the client wrote it (JSON text), byte for byte; undefined: a notification. */
  readonly idRaw: string | undefined;
  /** The call's bytes as the client sent them (the element of a batch). */
  readonly bytes: Buffer;
  /** Where its id value sits in `bytes`, when it has one. */
  readonly idSpan: Span | null;
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
  /** The caller's id where one can be read, else `null`, as the client wrote it. */
  readonly idJson: string;
  readonly detail: string;
}

/** One call, to forward as it came. */
export interface SinglePayload {
  readonly kind: 'single';
  readonly call: WireCall;
}

/** An element of a batch, in the client's order: a call to forward, or a local answer. */
export type BatchElement =
  | { readonly call: WireCall; readonly local?: undefined; readonly ok?: undefined }
  /** `ok`: a successful answer (from the cache), not an error Vixy gave. */
  | { readonly local: string; readonly call?: undefined; readonly ok?: boolean };

/**
 * A batch. `calls` are the calls to forward (with or without an id), in order;
 * `elements` every element in the client's order, answered ones (invalid: -32600, with
 * their id where readable; denied: -32601) holding their answer text. Notifications
 * get no element of the answer.
 */
export interface BatchPayload {
  readonly kind: 'batch';
  readonly calls: readonly WireCall[];
  readonly elements: readonly BatchElement[];
  /** Elements answered locally. */
  readonly locals: number;
  /** Some element was not a valid call (as opposed to only denied ones). */
  readonly hasInvalid: boolean;
  /** Every forwarded id is one every node echoes exactly (see isPlainId). */
  readonly plainIds: boolean;
}

export type Payload = RejectedPayload | SinglePayload | BatchPayload;

const NULL_ID = 'null';

/** Parses and classifies one payload. Never throws. */
export function parsePayload(body: Buffer, limits: PayloadLimits): Payload {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return rejected('parse', NULL_ID);
  }
  if (!Array.isArray(value)) {
    const scan = scanSingle(body);
    const idJson = idRawOf(body, value, scan);
    const problem = callProblem(value);
    if (problem !== undefined) return rejected('invalid', idJson ?? NULL_ID, problem);
    const call = value as RpcCall;
    if (limits.isDenied(call.method)) return rejected('denied', idJson ?? NULL_ID, call.method);
    return { kind: 'single', call: wire(call, body, scan, idJson, 0) };
  }
  if (value.length === 0) return rejected('empty-batch', NULL_ID);
  if (limits.maxBatchSize > 0 && value.length > limits.maxBatchSize) {
    return rejected('batch-too-large', NULL_ID, String(limits.maxBatchSize));
  }
  const scans = scanArray(body);
  if (scans === undefined || scans.length !== value.length) return rejected('parse', NULL_ID);
  return classifyBatch(value, body, scans, limits);
}

function classifyBatch(
  values: readonly unknown[],
  body: Buffer,
  scans: readonly ValueScan[],
  limits: PayloadLimits,
): BatchPayload {
  const calls: WireCall[] = [];
  const elements: BatchElement[] = [];
  let locals = 0;
  let hasInvalid = false;
  let plainIds = true;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const scan = scans[i];
    const idJson = idRawOf(body, value, scan);
    const problem = callProblem(value);
    if (problem !== undefined) {
      hasInvalid = true;
      locals++;
      elements.push({ local: rpcErrorText(idJson ?? NULL_ID, 'invalid', problem) });
      continue;
    }
    const call = value as RpcCall;
    if (limits.isDenied(call.method)) {
      locals++;
      if (idJson !== undefined)
        elements.push({ local: rpcErrorText(idJson, 'denied', call.method) });
      continue;
    }
    const wired = wire(call, body, scan, idJson, scan.span.start);
    if (idJson !== undefined && !isPlainId(idJson)) plainIds = false;
    calls.push(wired);
    if (idJson !== undefined) elements.push({ call: wired });
  }
  return { kind: 'batch', calls, elements, locals, hasInvalid, plainIds };
}

/** The raw text of a value's id, when it is an object with a valid JSON-RPC id. */
function idRawOf(body: Buffer, value: unknown, scan: ValueScan | undefined): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const id = (value as Record<string, unknown>).id;
  if (id === undefined || !isRpcId(id)) return undefined;
  if (scan?.id) return body.toString('utf8', scan.id.start, scan.id.end);
  return JSON.stringify(id);
}

function wire(
  call: RpcCall,
  body: Buffer,
  scan: ValueScan | undefined,
  idRaw: string | undefined,
  offset: number,
): WireCall {
  const bytes = scan ? body.subarray(scan.span.start, scan.span.end) : body;
  const idSpan =
    scan?.id && idRaw !== undefined
      ? { start: scan.id.start - offset, end: scan.id.end - offset }
      : null;
  return { call, idRaw, bytes, idSpan };
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

/** The methods of a payload's forwarded calls, in order (what a routing strategy sees). */
export function methodsOf(payload: SinglePayload | BatchPayload): string[] {
  return payload.kind === 'single'
    ? [payload.call.call.method]
    : payload.calls.map((c) => c.call.method);
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
