// The raw text of a JSON-RPC answer's parts, found by scanning, never by parsing and
// serialising again: a cached result is the node's own bytes, and an answer from the
// cache is the client's id and those bytes. The scanner trusts the node's JSON to be
// well formed as far as it goes; anything it cannot follow gives `undefined`.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The index after the string starting at `i` (a quote), or -1. */
function skipString(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return -1;
    let slashes = 0;
    for (let k = q - 1; k > i && text.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** The index after the JSON value starting at `i`, or -1. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return skipString(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === QUOTE) {
        j = skipString(text, j) - 1;
        if (j < 0) return -1;
      } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
    j++;
  }
  return j > i ? j : -1;
}

/** The members of the object at `start`, as raw key text -> raw value text; undefined if malformed. */
function members(text: string, start: number): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let i = skipSpace(text, start);
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return out;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = skipString(text, i);
    if (keyEnd < 0) return undefined;
    const key = text.slice(i + 1, keyEnd - 1);
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return undefined;
    i = skipSpace(text, i + 1);
    const valueEnd = skipValue(text, i);
    if (valueEnd < 0) return undefined;
    out.set(key, text.slice(i, valueEnd));
    i = skipSpace(text, valueEnd);
    const c = text.charCodeAt(i);
    if (c === CLOSE_BRACE) return out;
    if (c !== COMMA) return undefined;
    i = skipSpace(text, i + 1);
  }
}

/**
 * The raw text of `result` in one JSON-RPC response object; undefined when the answer
 * is an error, has no result, or cannot be read.
 */
export function resultText(response: string): string | undefined {
  const m = members(response, 0);
  if (m === undefined || m.has('error')) return undefined;
  return m.get('result');
}

/** The raw text of `id` in one JSON-RPC response object (`null` when absent or unreadable). */
export function idText(response: string): string {
  return members(response, 0)?.get('id') ?? 'null';
}

/** The raw texts of a batch answer's elements, in order; undefined when it is not an array. */
export function batchElements(response: string): string[] | undefined {
  let i = skipSpace(response, 0);
  if (response.charCodeAt(i) !== OPEN_BRACKET) return undefined;
  const out: string[] = [];
  i = skipSpace(response, i + 1);
  if (response.charCodeAt(i) === CLOSE_BRACKET) return out;
  for (;;) {
    const end = skipValue(response, i);
    if (end < 0) return undefined;
    out.push(response.slice(i, end));
    i = skipSpace(response, end);
    const c = response.charCodeAt(i);
    if (c === CLOSE_BRACKET) return out;
    if (c !== COMMA) return undefined;
    i = skipSpace(response, i + 1);
  }
}

/** A JSON-RPC answer from a cached result: the caller's id (`idJson`, as sent) and the node's bytes. */
export function cachedAnswer(idJson: string, result: string): string {
  return `{"jsonrpc":"2.0","id":${idJson},"result":${result}}`;
}
