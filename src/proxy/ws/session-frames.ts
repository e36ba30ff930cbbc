// Frame-level helpers of the session core: pure functions over the bytes of upstream
// frames, no I/O.
//
// The hot path of a WebSocket session is upstream -> client: answers and subscription
// notifications. Nodes (geth, anvil, erigon, reth...) write them in one canonical form,
// `{"jsonrpc":"2.0","id":<n>,...` and
// `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"<id>","result":...`,
// so the session finds the id with a prefix scan on the received bytes and splices the
// client's id in (or forwards the frame untouched when the ids are equal), without
// decoding, parsing and re-encoding a block header or a 10 MB eth_getLogs answer.
// Anything not in that form takes the slow path (JSON.parse), with the same result.

const ANSWER_PREFIX = Buffer.from('{"jsonrpc":"2.0","id":');
const NOTE_PREFIX = Buffer.from(
  '{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"',
);
const NOTE_RESULT = Buffer.from(',"result":');
const HASH_KEY = Buffer.from('"hash":"');
const MAX_ID_DIGITS = 15;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;

function startsWith(buf: Buffer, prefix: Buffer, at = 0): boolean {
  return (
    buf.length >= at + prefix.length &&
    buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0
  );
}

/** Where the numeric id of a canonical answer ends; -1 when the frame is not one. */
export function scanAnswerIdEnd(buf: Buffer): number {
  if (!startsWith(buf, ANSWER_PREFIX)) return -1;
  const start = ANSWER_PREFIX.length;
  let i = start;
  for (; i < buf.length && i - start <= MAX_ID_DIGITS; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) break;
  }
  if (i === start || i - start > MAX_ID_DIGITS || buf[i] !== COMMA) return -1;
  return i;
}

/** The proxy id of a canonical answer whose id ends at `end` (from `scanAnswerIdEnd`). */
export function answerId(buf: Buffer, end: number): number {
  let n = 0;
  for (let i = ANSWER_PREFIX.length; i < end; i++) n = n * 10 + (buf[i] - 48);
  return n;
}

/** Where the id of a canonical answer whose id ends at `end` sits. */
export function answerIdSpan(end: number): { start: number; end: number } {
  return { start: ANSWER_PREFIX.length, end };
}

/** Position of a canonical notification's subscription id. */
export interface NoteScan {
  /** The upstream subscription id (no escapes in it). */
  readonly subscription: string;
  /** Index of the first byte of the id (after the opening quote). */
  readonly start: number;
  /** Index of the closing quote of the id. */
  readonly end: number;
}

/** Scans a canonical `eth_subscription` notification; undefined when the frame is not one. */
export function scanNotification(buf: Buffer): NoteScan | undefined {
  if (!startsWith(buf, NOTE_PREFIX)) return undefined;
  const start = NOTE_PREFIX.length;
  const end = buf.indexOf(QUOTE, start);
  if (end < 0 || !startsWith(buf, NOTE_RESULT, end + 1)) return undefined;
  const backslash = buf.indexOf(BACKSLASH, start);
  if (backslash >= 0 && backslash < end) return undefined;
  return { subscription: buf.toString('utf8', start, end), start, end };
}

/** The canonical notification with its subscription id replaced by `id` (no escapes). */
export function spliceNotification(buf: Buffer, scan: NoteScan, id: Buffer): Buffer {
  return Buffer.concat([buf.subarray(0, scan.start), id, buf.subarray(scan.end)]);
}

/** The block hash of a canonical newHeads notification (first `"hash"` key of its result). */
export function headHashOf(buf: Buffer, scan: NoteScan): string | undefined {
  const at = buf.indexOf(HASH_KEY, scan.end);
  if (at < 0) return undefined;
  const from = at + HASH_KEY.length;
  const to = buf.indexOf(QUOTE, from);
  return to < 0 ? undefined : buf.toString('latin1', from, to);
}

/** `{"jsonrpc":"2.0","id":<pid>,"method":...,"params":...}` for the upstream. */
export function requestText(pid: number, method: string, params: unknown): string {
  const head = `{"jsonrpc":"2.0","id":${pid},"method":${JSON.stringify(method)}`;
  return params === undefined ? `${head}}` : `${head},"params":${JSON.stringify(params)}}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
