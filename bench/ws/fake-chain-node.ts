// A fake EL node for bench/ws.ts, run as its own process:
//   node -r ts-node/register/transpile-only bench/ws/fake-chain-node.ts <port> [<ws-port>]
// HTTP JSON-RPC and WebSocket on <port>; the same again on <ws-port> (Vixy's ws_url, so
// that the TCP connections on that port are exactly Vixy's upstream WebSockets).
//
// The chain: linked blocks (hash, parentHash = previous hash, a zero logsBloom, the other
// geth header fields), made only when asked: `bench_emit [count, intervalMs]` makes
// `count` blocks, one every intervalMs (0: as fast as the event loop turns), and sends
// each to every newHeads subscription. `extraData` carries the time the block was sent
// (epoch microseconds, 8 bytes of hex): a client subtracts it on receipt. A notification
// is about 1.7 KB, as geth's are since Cancun (the bloom alone is 514 characters).
// Answers what Vixy's health checks and head log ask: eth_chainId, eth_blockNumber,
// eth_getBlockByNumber (number or tag), eth_getBlockByHash, eth_getLogs ([]),
// net_version, web3_clientVersion, eth_subscribe / eth_unsubscribe over WebSocket.
// `bench_stats` tells the head, subscriptions and open WebSockets per port.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const CHAIN_ID = '0x539';
const GENESIS = 1_000_000;
const KEPT_BLOCKS = 100_000;
const ZERO_BLOOM = `0x${'0'.repeat(512)}`;
const TEXT = { binary: false } as const;
const NOTE_HEAD = '{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"';

interface Block {
  readonly number: number;
  readonly hash: string;
  /** The newHeads header JSON (geth's fields and order). */
  readonly header: string;
  /** eth_getBlockBy*(…, false) result. */
  readonly full: Record<string, unknown>;
}

interface Sub {
  readonly id: string;
  readonly ws: WebSocket;
  /** The notification's bytes up to the block: `{"jsonrpc":…"subscription":"<id>`. */
  readonly head: Buffer;
}

const hex = (n: number) => `0x${n.toString(16)}`;
const hashOf = (n: number) => `0x${createHash('sha256').update(`bench-chain:${n}`).digest('hex')}`;
const h32 = (c: string) => `0x${c.repeat(64)}`;

const byNumber = new Map<number, Block>();
const byHash = new Map<string, Block>();
let head = keep(buildBlock(GENESIS, '0x'));

function buildBlock(number: number, extraData: string): Block {
  const fields = {
    parentHash: hashOf(number - 1),
    sha3Uncles: '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347',
    miner: `0x${'0'.repeat(40)}`,
    stateRoot: h32('5'),
    transactionsRoot: '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421',
    receiptsRoot: '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421',
    logsBloom: ZERO_BLOOM,
    difficulty: '0x0',
    number: hex(number),
    gasLimit: '0x1c9c380',
    gasUsed: '0x0',
    timestamp: hex(1_700_000_000 + number - GENESIS),
    extraData,
    mixHash: h32('7'),
    nonce: '0x0000000000000000',
    baseFeePerGas: '0x7',
    withdrawalsRoot: '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421',
    blobGasUsed: '0x0',
    excessBlobGas: '0x0',
    parentBeaconBlockRoot: h32('8'),
    hash: hashOf(number),
  };
  return {
    number,
    hash: fields.hash,
    header: JSON.stringify(fields),
    full: { ...fields, size: '0x260', transactions: [], uncles: [], withdrawals: [] },
  };
}

/** Keeps the last KEPT_BLOCKS blocks made, by number and by hash. */
function keep(block: Block): Block {
  byNumber.set(block.number, block);
  byHash.set(block.hash, block);
  const old = byNumber.get(block.number - KEPT_BLOCKS);
  if (old) {
    byNumber.delete(old.number);
    byHash.delete(old.hash);
  }
  return block;
}

/** A block at or below the head (one older than those kept is made again, without a time). */
function blockAt(n: number): Block | null {
  if (n > head.number || n < 0) return null;
  return byNumber.get(n) ?? buildBlock(n, '0x');
}

const newHeads = new Set<Sub>();
const otherSubs = new Map<string, Sub>();
const subsOf = new Map<WebSocket, Sub[]>();
let subSeq = 0;
let framesSent = 0;
let emitting = false;

function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function emitOne(): void {
  head = keep(buildBlock(head.number + 1, `0x${nowMicros().toString(16).padStart(16, '0')}`));
  // The block's bytes once; per subscription one copy and one frame, as a node writes it.
  const tail = Buffer.from(`","result":${head.header}}}`);
  for (const sub of newHeads) {
    sub.ws.send(Buffer.concat([sub.head, tail]), TEXT);
    framesSent++;
  }
}

function emit(count: number, intervalMs: number): void {
  emitting = true;
  const start = performance.now();
  let made = 0;
  const step = () => {
    emitOne();
    if (++made >= count) {
      emitting = false;
      return;
    }
    if (intervalMs <= 0) setImmediate(step);
    else setTimeout(step, Math.max(0, start + made * intervalMs - performance.now()));
  };
  step();
}

function blockParam(tag: unknown): Block | null {
  switch (tag) {
    case 'latest':
    case 'pending':
    case 'safe':
      return head;
    case 'finalized':
      return blockAt(head.number - 64);
    case 'earliest':
      return blockAt(0);
    default:
      return typeof tag === 'string' && /^0x[0-9a-f]+$/i.test(tag)
        ? blockAt(parseInt(tag, 16))
        : null;
  }
}

type Rpc = { id?: unknown; method?: unknown; params?: unknown[] };
type Answer = { result: unknown } | { error: { code: number; message: string } };

function call(rpc: Rpc, ws: WebSocket | null): Answer {
  const p = Array.isArray(rpc.params) ? rpc.params : [];
  switch (rpc.method) {
    case 'eth_chainId':
      return { result: CHAIN_ID };
    case 'net_version':
      return { result: String(parseInt(CHAIN_ID, 16)) };
    case 'web3_clientVersion':
      return { result: 'bench-fake-chain/1.0' };
    case 'eth_syncing':
      return { result: false };
    case 'eth_blockNumber':
      return { result: hex(head.number) };
    case 'eth_getBlockByNumber':
      return { result: blockParam(p[0])?.full ?? null };
    case 'eth_getBlockByHash':
      return { result: byHash.get(String(p[0]).toLowerCase())?.full ?? null };
    case 'eth_getLogs':
      return { result: [] };
    case 'bench_emit':
      if (emitting) return { error: { code: -32000, message: 'already emitting' } };
      emit(Number(p[0] ?? 1), Number(p[1] ?? 0));
      return { result: { from: head.number + 1, to: head.number + Number(p[0] ?? 1) } };
    case 'bench_stats':
      return { result: stats() };
    case 'eth_subscribe':
      return ws
        ? subscribe(ws, p[0])
        : { error: { code: -32601, message: 'notifications not supported' } };
    case 'eth_unsubscribe':
      return { result: ws ? unsubscribe(ws, String(p[0])) : false };
    default:
      return {
        error: { code: -32601, message: `the method ${String(rpc.method)} does not exist` },
      };
  }
}

function subscribe(ws: WebSocket, kind: unknown): Answer {
  if (kind !== 'newHeads' && kind !== 'logs' && kind !== 'newPendingTransactions')
    return { error: { code: -32602, message: `no "${String(kind)}" subscription` } };
  const id = `0x${(++subSeq).toString(16).padStart(32, '0')}`;
  const sub = { id, ws, head: Buffer.from(NOTE_HEAD + id) };
  if (kind === 'newHeads') newHeads.add(sub);
  else otherSubs.set(sub.id, sub);
  const list = subsOf.get(ws) ?? [];
  list.push(sub);
  subsOf.set(ws, list);
  return { result: sub.id };
}

function unsubscribe(ws: WebSocket, id: string): boolean {
  const list = subsOf.get(ws) ?? [];
  const at = list.findIndex((s) => s.id === id);
  if (at < 0) return false;
  const [sub] = list.splice(at, 1);
  newHeads.delete(sub);
  otherSubs.delete(id);
  return true;
}

function dropSocket(ws: WebSocket): void {
  for (const sub of subsOf.get(ws) ?? []) {
    newHeads.delete(sub);
    otherSubs.delete(sub.id);
  }
  subsOf.delete(ws);
}

function answer(body: string, ws: WebSocket | null): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}';
  }
  const one = (rpc: Rpc) => ({ jsonrpc: '2.0', id: rpc.id ?? null, ...call(rpc, ws) });
  return JSON.stringify(Array.isArray(parsed) ? parsed.map(one) : one(parsed as Rpc));
}

const wsOpen = new Map<number, number>();

function stats() {
  return {
    head: head.number,
    newHeadsSubscriptions: newHeads.size,
    otherSubscriptions: otherSubs.size,
    webSockets: Object.fromEntries(wsOpen),
    framesSent,
    emitting,
    /** Bytes of one newHeads notification of the head block. */
    notificationBytes: Buffer.byteLength(
      `${NOTE_HEAD}0x${'0'.repeat(32)}","result":${head.header}}}`,
    ),
  };
}

function onHttp(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const text = answer(Buffer.concat(chunks).toString('utf8'), null);
    res.writeHead(200, { 'content-type': 'application/json' }).end(text);
  });
}

function listen(port: number): Promise<void> {
  const server = createServer(onHttp);
  server.keepAliveTimeout = 60_000;
  const wss = new WebSocketServer({ server, perMessageDeflate: false, skipUTF8Validation: true });
  wsOpen.set(port, 0);
  wss.on('connection', (ws) => {
    wsOpen.set(port, (wsOpen.get(port) ?? 0) + 1);
    ws.on('message', (data) => ws.send(answer(String(data), ws)));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      wsOpen.set(port, (wsOpen.get(port) ?? 0) - 1);
      dropSocket(ws);
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

/** Exits when the process that started this one is gone (no orphan after a SIGKILL). */
function watchParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
}

async function main(): Promise<void> {
  const ports = process.argv.slice(2).map(Number);
  await Promise.all(ports.map(listen));
  watchParent();
  process.stdout.write(`fake chain node ready on ${ports.join(', ')}, head ${head.number}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`fake-chain-node: ${String(err)}\n`);
  process.exit(1);
});
