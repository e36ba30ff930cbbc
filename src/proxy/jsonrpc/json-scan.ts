// Byte-level scans of JSON documents, so that ids are never taken through a JSON number
// round trip (9007199254740993, 1.0 and "\u0041" come back as the client wrote them)
// and large answers are never decoded and re-encoded to change one member. Structural
// characters are ASCII, so UTF-8 input is scanned byte by byte. The input may come from
// a node: a malformed document gives `undefined`, never an exception or a wrong span.

/** A byte range [start, end) of a buffer. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A top-level object, or an element of a top-level array. */
export interface ValueScan {
  readonly span: Span;
  /** The value of its `"id"` member, when it is an object that has one. */
  readonly id: Span | null;
  readonly isObject: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const I = 0x69;
const D = 0x64;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(buf: Buffer, i: number): number {
  while (i < buf.length && isWs(buf[i])) i++;
  return i;
}

/** `i` at an opening quote: the index after the closing one, or -1. */
function skipString(buf: Buffer, i: number): number {
  for (let j = i + 1; j < buf.length; j++) {
    const c = buf[j];
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

/** `i` at the first byte of a value: the index after it, or -1. */
function skipValue(buf: Buffer, i: number): number {
  const c = buf[i];
  if (c === QUOTE) return skipString(buf, i);
  if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
    let j = i;
    while (j < buf.length) {
      const d = buf[j];
      if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isWs(d)) break;
      j++;
    }
    return j > i ? j : -1;
  }
  let depth = 0;
  for (let j = i; j < buf.length; j++) {
    const d = buf[j];
    if (d === QUOTE) {
      j = skipString(buf, j) - 1;
      if (j < 0) return -1;
    } else if (d === OPEN_OBJECT || d === OPEN_ARRAY) {
      depth++;
    } else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}

function isIdKey(buf: Buffer, start: number, end: number): boolean {
  // start..end spans the key with its quotes.
  if (end - start === 4 && buf[start + 1] === I && buf[start + 2] === D) return true;
  if (buf.indexOf(BACKSLASH, start) < 0 || buf.indexOf(BACKSLASH, start) >= end) return false;
  try {
    return JSON.parse(buf.toString('utf8', start, end)) === 'id';
  } catch {
    return false;
  }
}

/** The key between quotes at start..end, decoded only when it holds an escape. */
function keyOf(buf: Buffer, start: number, end: number): string | undefined {
  const backslash = buf.indexOf(BACKSLASH, start);
  if (backslash < 0 || backslash >= end) return buf.toString('utf8', start + 1, end - 1);
  try {
    return JSON.parse(buf.toString('utf8', start, end)) as string;
  } catch {
    return undefined;
  }
}

/**
 * `i` at `{`: where it ends, and the span of the value of each member in `keys` (the
 * last one of a name, as JSON.parse keeps).
 */
function scanObject(
  buf: Buffer,
  i: number,
  keys: readonly string[],
): { end: number; spans: Map<string, Span> } | undefined {
  const spans = new Map<string, Span>();
  let j = skipWs(buf, i + 1);
  if (buf[j] === CLOSE_OBJECT) return { end: j + 1, spans };
  for (;;) {
    if (buf[j] !== QUOTE) return undefined;
    const keyEnd = skipString(buf, j);
    if (keyEnd < 0) return undefined;
    const key =
      keys.length === 1 && keys[0] === 'id'
        ? isIdKey(buf, j, keyEnd)
          ? 'id'
          : ''
        : keyOf(buf, j, keyEnd);
    j = skipWs(buf, keyEnd);
    if (buf[j] !== COLON) return undefined;
    const valueStart = skipWs(buf, j + 1);
    const valueEnd = skipValue(buf, valueStart);
    if (valueEnd < 0) return undefined;
    if (key !== undefined && keys.includes(key))
      spans.set(key, { start: valueStart, end: valueEnd });
    j = skipWs(buf, valueEnd);
    if (buf[j] === CLOSE_OBJECT) return { end: j + 1, spans };
    if (buf[j] !== COMMA) return undefined;
    j = skipWs(buf, j + 1);
  }
}

const ID_KEY = ['id'];

/**
 * The spans of the values of `keys` in the top-level object of `buf` (e.g. `result`
 * and `error` of an answer); undefined when `buf` is not one object.
 */
export function objectMembers(buf: Buffer, keys: readonly string[]): Map<string, Span> | undefined {
  const start = skipWs(buf, 0);
  if (buf[start] !== OPEN_OBJECT) return undefined;
  const scan = scanObject(buf, start, keys);
  return scan && skipWs(buf, scan.end) === buf.length ? scan.spans : undefined;
}

function scanValue(buf: Buffer, i: number): ValueScan | undefined {
  if (buf[i] === OPEN_OBJECT) {
    const object = scanObject(buf, i, ID_KEY);
    const id = object?.spans.get('id') ?? null;
    return object && { span: { start: i, end: object.end }, id, isObject: true };
  }
  const end = skipValue(buf, i);
  return end < 0 ? undefined : { span: { start: i, end }, id: null, isObject: false };
}

/** A top-level value that is not an array (an object: its id span). */
export function scanSingle(buf: Buffer): ValueScan | undefined {
  const start = skipWs(buf, 0);
  if (start >= buf.length || buf[start] === OPEN_ARRAY) return undefined;
  const scan = scanValue(buf, start);
  return scan && skipWs(buf, scan.span.end) === buf.length ? scan : undefined;
}

/** The elements of a top-level array, in order; undefined when it is not one. */
export function scanArray(buf: Buffer): ValueScan[] | undefined {
  let j = skipWs(buf, 0);
  if (buf[j] !== OPEN_ARRAY) return undefined;
  const elements: ValueScan[] = [];
  j = skipWs(buf, j + 1);
  if (buf[j] === CLOSE_ARRAY) return skipWs(buf, j + 1) === buf.length ? elements : undefined;
  for (;;) {
    const element = scanValue(buf, j);
    if (element === undefined) return undefined;
    elements.push(element);
    j = skipWs(buf, element.span.end);
    if (buf[j] === CLOSE_ARRAY) return skipWs(buf, j + 1) === buf.length ? elements : undefined;
    if (buf[j] !== COMMA) return undefined;
    j = skipWs(buf, j + 1);
  }
}

/** `buf` with the bytes of `span` replaced by `text`. */
export function splice(buf: Buffer, span: Span, text: string | Buffer): Buffer {
  const middle = typeof text === 'string' ? Buffer.from(text) : text;
  return Buffer.concat([buf.subarray(0, span.start), middle, buf.subarray(span.end)]);
}

/**
 * Whether every node echoes this id exactly: null, a string without escapes, or an
 * integer written plainly that a 64-bit integer holds (geth and erigon echo any id
 * byte for byte; others parse it: anvil turns "\u0041" into "A" and refuses 1.0).
 */
export function isPlainId(raw: string): boolean {
  if (raw === 'null') return true;
  if (raw.charCodeAt(0) === QUOTE) return !raw.includes('\\');
  return /^(?:0|-?[1-9][0-9]{0,14})$/.test(raw);
}
