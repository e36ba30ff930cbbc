// What every answer Vixy writes on /el and /el/ws must look like (used by the fuzz and
// upstream-misbehaviour specs; not a spec itself).

export interface RpcReply {
  readonly jsonrpc: '2.0';
  readonly id: string | number | null;
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string };
}

/**
 * Why `value` is not one well-formed JSON-RPC 2.0 response object, or null when it is.
 * `anyId`: /el/ws answers with the client's id whatever JSON value it is (the session
 * never sends it upstream); /el only ever answers strings, numbers and null.
 */
export function replyProblem(value: unknown, { anyId = false } = {}): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const r = value as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  if (!('id' in r)) return 'no id';
  if (!anyId && r.id !== null && typeof r.id !== 'string' && typeof r.id !== 'number') {
    return 'bad id type';
  }
  if ('result' in r === 'error' in r) return 'needs exactly one of result and error';
  if ('error' in r) {
    const e = r.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null) return 'error is not an object';
    if (!Number.isInteger(e.code)) return 'error.code is not an integer';
    if (typeof e.message !== 'string') return 'error.message is not a string';
  }
  return null;
}

/** Parses a body that must be one JSON-RPC response or a non-empty array of them. */
export function parseReplies(text: string): RpcReply[] {
  const parsed: unknown = JSON.parse(text);
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) throw new Error(`empty array answer: ${text}`);
  for (const item of list) {
    const problem = replyProblem(item);
    if (problem) throw new Error(`malformed JSON-RPC answer (${problem}): ${text.slice(0, 300)}`);
  }
  return list as RpcReply[];
}
