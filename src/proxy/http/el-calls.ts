import {
  isAlreadyKnownMessage,
  rawTransactionHash,
  SEND_RAW_TRANSACTION,
} from '../jsonrpc/already-known';
import { type WireCall } from '../jsonrpc/jsonrpc.payload';
import { scanArray, scanSingle, splice } from '../jsonrpc/json-scan';

// Requests that Vixy assembles itself (a share of a batch, a batch with local answers,
// ids a node would not echo exactly) and the answers taken apart again: the calls go
// upstream with proxy-owned ids (their position: 0, 1, ...), and each answer comes
// back with the client's id spliced in as the client wrote it. Nothing else of a call
// or an answer is re-encoded.

const COMMA = Buffer.from(',');
const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');

/** The upstream body for `calls`: one call as an object, several as a batch. */
export function upstreamBody(calls: readonly WireCall[]): Buffer {
  if (calls.length === 1) return withProxyId(calls[0], 0);
  const parts: Buffer[] = [OPEN];
  calls.forEach((call, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(withProxyId(call, i));
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

function withProxyId(call: WireCall, id: number): Buffer {
  return call.idSpan ? splice(call.bytes, call.idSpan, String(id)) : call.bytes;
}

/**
 * The node's answer to `upstreamBody(calls)`, one per call (undefined for a
 * notification, or a call the node did not answer), each carrying the client's id. A
 * single error object answering a whole batch (a node that refuses batches) answers
 * every call of it.
 */
export function answersOf(body: Buffer, calls: readonly WireCall[]): (Buffer | undefined)[] {
  const answers = new Array<Buffer | undefined>(calls.length).fill(undefined);
  const elements = calls.length > 1 ? scanArray(body) : undefined;
  if (elements === undefined) {
    const single = scanSingle(body);
    if (single?.id) {
      calls.forEach((call, i) => {
        if (call.idRaw !== undefined) answers[i] = splice(body, single.id!, call.idRaw);
      });
    }
    return answers;
  }
  for (const element of elements) {
    if (!element.id) continue;
    const index = Number(body.toString('latin1', element.id.start, element.id.end));
    const call = Number.isInteger(index) ? calls[index] : undefined;
    if (call?.idRaw === undefined || answers[index] !== undefined) continue;
    const bytes = body.subarray(element.span.start, element.span.end);
    const id = {
      start: element.id.start - element.span.start,
      end: element.id.end - element.span.start,
    };
    answers[index] = splice(bytes, id, call.idRaw);
  }
  return answers;
}

/**
 * A retried eth_sendRawTransaction answered "already known" by the node that took the
 * retry: the first attempt got the transaction in, so the client gets its hash as the
 * result. Undefined when the answer is anything else.
 */
export function alreadyKnownAnswer(answer: Buffer, call: WireCall): string | undefined {
  if (call.call.method !== SEND_RAW_TRANSACTION || call.idRaw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const error = (parsed as { error?: { message?: unknown } }).error;
  if (typeof error !== 'object' || error === null || !isAlreadyKnownMessage(error.message)) {
    return undefined;
  }
  const params = call.call.params;
  const hash = Array.isArray(params) ? rawTransactionHash(params[0]) : undefined;
  return hash && `{"jsonrpc":"2.0","id":${call.idRaw},"result":"${hash}"}`;
}

/**
 * The "already known" rewrite on an answer passed through as the node sent it (the
 * client's bytes went upstream unchanged, ids included); undefined when nothing changes.
 */
export function rewriteAlreadyKnown(
  body: Buffer,
  calls: readonly WireCall[],
  batch: boolean,
): Buffer | undefined {
  const sends = calls.filter(
    (c) => c.call.method === SEND_RAW_TRANSACTION && c.idRaw !== undefined,
  );
  if (sends.length === 0) return undefined;
  if (!batch) {
    const known = alreadyKnownAnswer(body, sends[0]);
    return known === undefined ? undefined : Buffer.from(known);
  }
  const elements = scanArray(body);
  if (elements === undefined) return undefined;
  let changed = false;
  const parts: Buffer[] = [OPEN];
  elements.forEach((element, i) => {
    if (i > 0) parts.push(COMMA);
    const bytes = body.subarray(element.span.start, element.span.end);
    const idText = element.id && body.toString('utf8', element.id.start, element.id.end);
    const call = idText === null ? undefined : sends.find((c) => c.idRaw === idText);
    const known = call && alreadyKnownAnswer(bytes, call);
    if (known !== undefined) changed = true;
    parts.push(known === undefined ? bytes : Buffer.from(known));
  });
  parts.push(CLOSE);
  return changed ? Buffer.concat(parts) : undefined;
}
