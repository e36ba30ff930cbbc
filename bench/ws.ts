// WebSocket benchmark (figures, not a test): `npx ts-node bench/ws.ts` after `npm run build`.
//
// 1. Notifications per second to N clients, direct from an upstream vs through Vixy.
//    The upstream is a small Node process that answers eth_subscribe and, on a signal,
//    pushes M newHeads-shaped notifications (unique hashes, ~600 bytes) to every
//    subscription as fast as each socket drains. Load generator (this process),
//    Vixy and the upstream are separate processes.
// 2. Memory per idle session: Vixy's RSS before and after opening K sessions (each
//    with its own upstream WebSocket to anvil), divided by K.
// 3. Failover: anvil primary and backup mining every second; the serving node is
//    killed (SIGKILL) and the time to the next notification, and to the first answer
//    from the backup, is measured; repeated after each fail-back.
//
// Options (env): BENCH_CLIENTS="1,10,100", BENCH_NOTES=200000 (total per run),
// BENCH_IDLE=1000, BENCH_FAILOVERS=3.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import {
  AnvilNode,
  freePort,
  httpRequest,
  jsonRpc,
  sleep,
  stopAll,
  VixyProcess,
  waitFor,
} from '../test/support';

const CLIENTS = (process.env.BENCH_CLIENTS ?? '1,10,100').split(',').map(Number);
const TOTAL_NOTES = Number(process.env.BENCH_NOTES ?? 200_000);
const IDLE_SESSIONS = Number(process.env.BENCH_IDLE ?? 1000);
const FAILOVERS = Number(process.env.BENCH_FAILOVERS ?? 3);
const NO_BEACON = { name: 'cl-1', url: 'http://127.0.0.1:9' };
const FAST = {
  health_check_interval_ms: 200,
  health_check_timeout_ms: 500,
  health_check_max_failures: 2,
};

/** The upstream of part 1, run with `node -e`: HTTP (health checks) and WS on one port. */
const EMITTER = String.raw`
const http = require('http');
const { WebSocketServer } = require(process.env.WS_MODULE);
const subs = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const rpc = JSON.parse(body);
    if (rpc.method === 'bench_go') setImmediate(() => pumpAll(rpc.params[0]));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: rpc.method === 'eth_blockNumber' ? '0x100' : true }));
  });
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
let seq = 0;
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const rpc = JSON.parse(String(data));
    let result = null;
    if (rpc.method === 'eth_subscribe') {
      result = '0x' + (++seq).toString(16).padStart(32, '0');
      subs.push({ ws, id: result });
      ws.on('close', () => subs.splice(subs.findIndex((s) => s.ws === ws), 1));
    } else if (rpc.method === 'eth_chainId') result = '0x1';
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result }));
  });
});
const BODY = '","parentHash":"0x' + 'a'.repeat(64) + '","sha3Uncles":"0x' + 'b'.repeat(64) +
  '","miner":"0x' + '0'.repeat(40) + '","stateRoot":"0x' + 'c'.repeat(64) + '","transactionsRoot":"0x' +
  'd'.repeat(64) + '","receiptsRoot":"0x' + 'e'.repeat(64) + '","number":"0x1","gasUsed":"0x0","gasLimit":"0x1c9c380","timestamp":"0x6553f100","baseFeePerGas":"0x7"}}}';
function pump(sub, count) {
  let i = 0;
  const head = '{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"' + sub.id + '","result":{"hash":"0x';
  // Corked like Vixy's client sockets: both paths write many frames per system call.
  const step = () => {
    const socket = sub.ws._socket;
    socket.cork();
    while (i < count && sub.ws.readyState === 1) {
      sub.ws.send(head + (i++).toString(16).padStart(64, '0') + BODY);
      if (sub.ws.bufferedAmount > 1 << 20) {
        socket.uncork();
        return socket.once('drain', step);
      }
    }
    socket.uncork();
  };
  step();
}
function pumpAll(count) { for (const sub of subs) pump(sub, count); }
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
`;

async function startEmitter(): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['-e', EMITTER], {
    env: { ...process.env, PORT: String(port), WS_MODULE: require.resolve('ws') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(proc.stdout!, 'data');
  return { port, proc };
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await once(ws, 'open');
  return ws;
}

async function subscribe(ws: WebSocket): Promise<void> {
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
  await once(ws, 'message');
}

/** N clients subscribed at url; the emitter pushes `each` notes to every subscription. */
async function notesPerSecond(
  url: string,
  emitterHttp: string,
  n: number,
  each: number,
): Promise<number> {
  const clients = await Promise.all(Array.from({ length: n }, () => open(url)));
  await Promise.all(clients.map(subscribe));
  let received = 0;
  const target = n * each;
  const done = new Promise<void>((resolve) => {
    for (const ws of clients) {
      ws.on('message', () => {
        if (++received === target) resolve();
      });
    }
  });
  const start = performance.now();
  await jsonRpc(emitterHttp, 'bench_go', [each]);
  await Promise.race([done, sleep(120_000)]);
  const seconds = (performance.now() - start) / 1000;
  for (const ws of clients) ws.terminate();
  if (received < target) throw new Error(`only ${received} of ${target} notifications arrived`);
  return target / seconds;
}

/** N clients subscribed to newHeads at url; anvil mines `blocks` at once (one note each). */
async function anvilBurst(
  url: string,
  anvil: AnvilNode,
  n: number,
  blocks: number,
): Promise<number> {
  const clients = await Promise.all(Array.from({ length: n }, () => open(url)));
  await Promise.all(clients.map(subscribe));
  let received = 0;
  const target = n * blocks;
  const done = new Promise<void>((resolve) => {
    for (const ws of clients) {
      ws.on('message', () => {
        if (++received === target) resolve();
      });
    }
  });
  const start = performance.now();
  await anvil.mine(blocks);
  await Promise.race([done, sleep(60_000)]);
  const seconds = (performance.now() - start) / 1000;
  for (const ws of clients) ws.terminate();
  if (received < target) throw new Error(`only ${received} of ${target} notifications arrived`);
  return target / seconds;
}

async function anvilThroughput(): Promise<void> {
  console.log('\n## Notifications per second from anvil (`anvil_mine` bursts of 150 blocks)');
  console.log('| clients | direct | through Vixy | ratio |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (const n of CLIENTS) {
    const anvil = await AnvilNode.start({ chainId: 1001 });
    const vixy = await VixyProcess.start({
      config: { el: { primary: [anvil] }, cl: [NO_BEACON], global: FAST },
      env: { LOG_LEVEL: 'warn' },
    });
    try {
      const viaVixy = vixy.url('/el/ws').replace('http', 'ws');
      await waitFor(
        'anvil healthy in Vixy',
        async () => {
          const status = JSON.parse((await httpRequest(vixy.url('/status'))).text) as {
            el_nodes: { is_healthy: boolean }[];
          };
          return status.el_nodes[0]?.is_healthy || undefined;
        },
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      // alternate, so that anvil_mine slowing down as the chain grows hurts both alike
      const direct = [await anvilBurst(anvil.wsUrl, anvil, n, 150)];
      const proxied = [await anvilBurst(viaVixy, anvil, n, 150)];
      proxied.push(await anvilBurst(viaVixy, anvil, n, 150));
      direct.push(await anvilBurst(anvil.wsUrl, anvil, n, 150));
      const d = (direct[0] + direct[1]) / 2;
      const p = (proxied[0] + proxied[1]) / 2;
      console.log(`| ${n} | ${Math.round(d)} | ${Math.round(p)} | ${(p / d).toFixed(2)} |`);
    } finally {
      await vixy.stop();
      await anvil.kill();
    }
  }
}

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
}

async function sessionsServed(vixy: VixyProcess): Promise<number> {
  const res = await httpRequest(vixy.url('/metrics'), { timeoutMs: 5000 });
  let total = 0;
  for (const m of res.text.matchAll(/^vixy_ws_upstream_node\{node="[^"]+"\} (\d+)$/gm))
    total += Number(m[1]);
  return total;
}

async function throughput(): Promise<void> {
  const emitter = await startEmitter();
  const http = `http://127.0.0.1:${emitter.port}`;
  const vixy = await VixyProcess.start({
    config: {
      el: {
        primary: [{ name: 'emitter', http_url: http, ws_url: `ws://127.0.0.1:${emitter.port}` }],
      },
      cl: [NO_BEACON],
      global: FAST,
      websocket: { max_client_buffer_bytes: 256 * 1024 * 1024 },
    },
    env: { LOG_LEVEL: 'warn' },
  });
  try {
    await waitFor(
      'the emitter healthy in Vixy',
      async () => {
        const status = JSON.parse((await httpRequest(vixy.url('/status'))).text) as {
          el_nodes: { is_healthy: boolean }[];
        };
        return status.el_nodes[0]?.is_healthy || undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    console.log(
      '\n## Notifications per second from a synthetic upstream (newHeads-shaped, ~600 B)',
    );
    console.log('| clients | direct | through Vixy | ratio |');
    console.log('| ---: | ---: | ---: | ---: |');
    for (const n of CLIENTS) {
      const each = Math.max(100, Math.floor(TOTAL_NOTES / n));
      await notesPerSecond(vixy.url('/el/ws').replace('http', 'ws'), http, n, Math.min(each, 2000)); // warm-up
      const direct = await notesPerSecond(`ws://127.0.0.1:${emitter.port}`, http, n, each);
      const proxied = await notesPerSecond(vixy.url('/el/ws').replace('http', 'ws'), http, n, each);
      console.log(
        `| ${n} | ${Math.round(direct)} | ${Math.round(proxied)} | ${(proxied / direct).toFixed(2)} |`,
      );
    }
  } finally {
    await vixy.stop();
    emitter.proc.kill('SIGKILL');
  }
}

async function idleMemory(): Promise<void> {
  const [anvil] = await Promise.all([AnvilNode.start({ chainId: 1001 })]);
  const vixy = await VixyProcess.start({
    config: { el: { primary: [anvil] }, cl: [NO_BEACON], global: FAST },
    env: { LOG_LEVEL: 'warn' },
  });
  const clients: WebSocket[] = [];
  try {
    await waitFor(
      'anvil healthy in Vixy',
      async () => {
        const ws = await open(vixy.url('/el/ws').replace('http', 'ws'));
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }));
        await once(ws, 'message');
        ws.terminate();
        return true;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    await sleep(1000);
    const before = rssKiB(vixy.pid);
    for (let i = 0; i < IDLE_SESSIONS; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, IDLE_SESSIONS - i) }, () =>
          open(vixy.url('/el/ws').replace('http', 'ws')),
        ),
      );
      clients.push(...batch);
    }
    await waitFor(
      `${IDLE_SESSIONS} sessions served`,
      async () => (await sessionsServed(vixy)) === IDLE_SESSIONS || undefined,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await sleep(2000);
    const after = rssKiB(vixy.pid);
    console.log('\n## Memory per idle session');
    console.log(`${IDLE_SESSIONS} sessions (each: client socket + upstream WebSocket to anvil)`);
    console.log(
      `Vixy RSS ${Math.round(before / 1024)} MiB -> ${Math.round(after / 1024)} MiB: ${((after - before) / IDLE_SESSIONS).toFixed(1)} KiB per session`,
    );
  } finally {
    for (const ws of clients) ws.terminate();
    await vixy.stop();
    await anvil.kill();
  }
}

async function failover(): Promise<void> {
  const [primary, backup] = await Promise.all([
    AnvilNode.start({ chainId: 1001, blockTime: 1 }),
    AnvilNode.start({ chainId: 2001, blockTime: 1 }),
  ]);
  const vixy = await VixyProcess.start({
    config: { el: { primary: [primary], backup: [backup] }, cl: [NO_BEACON], global: FAST },
    env: { LOG_LEVEL: 'warn' },
  });
  try {
    const ws = await open(vixy.url('/el/ws').replace('http', 'ws'));
    let lastNote = 0;
    const answers = new Map<number, { at: number; result: unknown }>();
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; method?: string; result?: unknown };
      if (msg.method === 'eth_subscription') lastNote = performance.now();
      else if (typeof msg.id === 'number')
        answers.set(msg.id, { at: performance.now(), result: msg.result });
    });
    ws.send(
      JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'eth_subscribe', params: ['newHeads'] }),
    );
    console.log('\n## Failover (anvil primary and backup, a block every second)');
    console.log('| run | kill -> next notification | kill -> first answer from the backup |');
    console.log('| ---: | ---: | ---: |');
    let id = 1;
    for (let run = 1; run <= FAILOVERS; run++) {
      await waitFor(
        'the session on the primary',
        async () => {
          const mine = id++;
          ws.send(JSON.stringify({ jsonrpc: '2.0', id: mine, method: 'eth_chainId' }));
          await sleep(50);
          return answers.get(mine)?.result === '0x3e9' || undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      await sleep(300 + Math.random() * 700); // kill at a random point of the block
      const killedAt = performance.now();
      await primary.kill();
      const first = id;
      const pinger = setInterval(
        () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'eth_chainId' })),
        2,
      );
      const note = await waitFor(
        'a notification after the kill',
        () => (lastNote > killedAt ? lastNote : undefined),
        { timeoutMs: 10_000, intervalMs: 2 },
      );
      const answer = await waitFor(
        'an answer from the backup',
        () => {
          for (let i = first; i < id; i++) {
            const a = answers.get(i);
            if (a?.result === '0x7d1') return a.at;
          }
          return undefined;
        },
        { timeoutMs: 10_000, intervalMs: 2 },
      );
      clearInterval(pinger);
      console.log(
        `| ${run} | ${Math.round(note - killedAt)} ms | ${Math.round(answer - killedAt)} ms |`,
      );
      await primary.restart({ catchUpTo: await backup.blockNumber() });
    }
    ws.terminate();
  } finally {
    await vixy.stop();
    await Promise.all([primary.kill(), backup.kill()]);
  }
}

async function main(): Promise<void> {
  console.log(`# Vixy WebSocket benchmark (${new Date().toISOString()}, node ${process.version})`);
  await throughput();
  await anvilThroughput();
  await idleMemory();
  await failover();
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
