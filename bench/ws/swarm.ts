// Many WebSocket clients in one process, for bench/ws.ts:
//   node -r ts-node/register/transpile-only bench/ws/swarm.ts <control-port>
// Controlled by JSON-RPC over HTTP on 127.0.0.1:<control-port>:
//   swarm_open [url, n]       opens n sessions, each subscribed to newHeads
//   swarm_track [from, to]    counts, from now on, the notifications of blocks from..to
//   swarm_wait [target, ms]   resolves once `target` of them arrived (or after ms)
//   swarm_stats []            what arrived: count, per-subscription order, delays
//   swarm_close []            closes every session
// A notification is read without parsing it: its block number and the node's send time
// (extraData, epoch microseconds in hex, written by fake-chain-node.ts) are found in the
// raw bytes. Delay = receipt time - send time (both epoch ms, sub-ms precision).
import { createServer } from 'node:http';
import { WebSocket } from 'ws';

const SUBSCRIBE = '{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}';
const NUMBER = Buffer.from('"number":"0x');
const EXTRA = Buffer.from('"extraData":"0x');
const MAX_SAMPLES = 2_000_000;
const OPEN_CONCURRENCY = 250;
const OPEN_TIMEOUT_MS = 30_000;

interface Session {
  readonly ws: WebSocket;
  /** The next block number expected in the tracked range. */
  next: number;
  /** Closed by swarm_close: its close is not counted. */
  closing: boolean;
}

const sessions: Session[] = [];
const closes = new Map<string, number>();
let from = Infinity;
let to = -Infinity;
let received = 0;
let outside = 0;
let duplicates = 0;
let missed = 0;
let firstSent = Infinity;
let lastReceived = 0;
let samples = new Float64Array(1024);
let sampleCount = 0;
let waiter: { target: number; resolve: () => void } | null = null;

const now = () => performance.timeOrigin + performance.now();

/** The hex digits after `pattern` in buf, as a number (NaN when absent). */
function hexAfter(buf: Buffer, pattern: Buffer): number {
  const at = buf.indexOf(pattern);
  if (at < 0) return NaN;
  let n = 0;
  for (let i = at + pattern.length; i < buf.length; i++) {
    const c = buf[i];
    const d =
      c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) break;
    n = n * 16 + d;
  }
  return n;
}

function onNote(s: Session, data: Buffer): void {
  const at = now();
  const number = hexAfter(data, NUMBER);
  if (!(number >= from && number <= to)) {
    outside++;
    return;
  }
  received++;
  if (number === s.next) s.next++;
  else if (number > s.next) {
    missed += number - s.next;
    s.next = number + 1;
  } else duplicates++;
  const sent = hexAfter(data, EXTRA) / 1000;
  if (sent > 0) {
    if (sent < firstSent) firstSent = sent;
    if (sampleCount === samples.length && samples.length < MAX_SAMPLES) {
      const bigger = new Float64Array(samples.length * 2);
      bigger.set(samples);
      samples = bigger;
    }
    if (sampleCount < samples.length) samples[sampleCount++] = at - sent;
  }
  lastReceived = at;
  if (waiter && received >= waiter.target) {
    waiter.resolve();
    waiter = null;
  }
}

function openOne(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    const session: Session = { ws, next: Infinity, closing: false };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no subscription answer in time'));
    }, OPEN_TIMEOUT_MS);
    let subscribed = false;
    ws.on('open', () => ws.send(SUBSCRIBE));
    ws.on('message', (data: Buffer) => {
      if (subscribed) return onNote(session, data);
      subscribed = true;
      clearTimeout(timer);
      if (!data.includes('"result":"0x')) {
        ws.terminate();
        return reject(new Error(`subscribe answered ${data.toString('utf8', 0, 200)}`));
      }
      sessions.push(session);
      resolve();
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('close', (code) => {
      const key = String(code);
      if (subscribed && !session.closing) closes.set(key, (closes.get(key) ?? 0) + 1);
    });
  });
}

async function open(url: string, n: number) {
  const started = performance.now();
  let opened = 0;
  const errors: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      try {
        await openOne(url);
        opened++;
      } catch (err) {
        if (errors.length < 5) errors.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, n) }, worker));
  return { opened, failed: n - opened, errors, ms: Math.round(performance.now() - started) };
}

function track(first: number, last: number): void {
  from = first;
  to = last;
  received = outside = duplicates = missed = sampleCount = 0;
  firstSent = Infinity;
  lastReceived = 0;
  for (const s of sessions) s.next = first;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats() {
  const sorted = samples.slice(0, sampleCount).sort();
  let undelivered = 0;
  for (const s of sessions) if (s.next <= to) undelivered += to + 1 - s.next;
  return {
    sessions: sessions.length,
    open: sessions.filter((s) => s.ws.readyState === WebSocket.OPEN).length,
    received,
    outside,
    duplicates,
    missed,
    undelivered,
    firstSent: Number.isFinite(firstSent) ? firstSent : null,
    lastReceived: lastReceived || null,
    delay: { n: sampleCount, p50: percentile(sorted, 50), p99: percentile(sorted, 99) },
    closes: Object.fromEntries(closes),
  };
}

function wait(target: number, ms: number): Promise<void> {
  if (received >= target) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiter = null;
      resolve();
    }, ms);
    waiter = {
      target,
      resolve: () => {
        clearTimeout(timer);
        resolve();
      },
    };
  });
}

function close(): number {
  const n = sessions.length;
  for (const s of sessions.splice(0)) {
    s.closing = true;
    s.ws.terminate();
  }
  closes.clear();
  return n;
}

async function control(method: string, p: unknown[]): Promise<unknown> {
  switch (method) {
    case 'swarm_open':
      return open(String(p[0]), Number(p[1]));
    case 'swarm_track':
      track(Number(p[0]), Number(p[1]));
      return true;
    case 'swarm_wait':
      await wait(Number(p[0]), Number(p[1]));
      return stats();
    case 'swarm_stats':
      return stats();
    case 'swarm_close':
      return close();
    default:
      throw new Error(`unknown method ${method}`);
  }
}

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    const rpc = JSON.parse(body) as { id: unknown; method: string; params?: unknown[] };
    control(rpc.method, rpc.params ?? []).then(
      (result) => res.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result })),
      (err: unknown) =>
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: rpc.id,
            error: { code: -32000, message: String(err) },
          }),
        ),
    );
  });
});
server.requestTimeout = 0;
server.listen(Number(process.argv[2]), '127.0.0.1', () => {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
  process.stdout.write('swarm ready\n');
});
