// Benchmark of the answer cache and of the shared (Redis) budget (DESIGN.md, performance
// targets): figures, not a test. Two groups of interleaved wrk rounds, like bench/http.ts:
//
// 1. eth_getBlockByNumber of an old finalized block (full=false) POSTed to anvil directly,
//    to Vixy without [cache] and to Vixy with [cache] enabled = true (every call a hit):
//    the target is cached reads faster than direct. 1b. the same with a block of
//    FULL_TXS transactions and full=true (what an indexer reads back), where the node's
//    own work per answer grows and the cache's does not.
// 2. eth_blockNumber to Vixy without any max_qps, to Vixy with a max_qps that never
//    refuses (its own bucket) and to the same with [redis] url (the fleet's bucket, leased
//    from a real redis-server): what sharing the budget costs a call.
//
// Load generator, Vixy processes, anvil and redis-server are separate processes. The
// order of the contenders turns from round to round. CPU per request is that of the
// process wrk talks to: Vixy's, and anvil's for the direct path of group 1 (what an
// answer costs the node).
//
//   npx ts-node bench/cache.ts          (after `npm run build`)
//   BENCH_SECONDS=5 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32 BENCH_THREADS=1
import { AnvilNode } from '../test/support/anvil';
import { httpRequest } from '../test/support/http';
import { RedisServer } from '../test/support/redis';
import { type TomlTable, VixyProcess } from '../test/support/vixy';
import { waitFor } from '../test/support/wait';
import { probe } from './probe';
import { byRound, type Contender, median, medianOf, runRounds } from './rounds';
import { requireWrk } from './wrk';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const INSTALL_HINT = 'apt-get update && apt-get install -y --no-install-recommends wrk';

/** anvil reports latest - 64 as finalized: 100 blocks make block 16 final. */
const MINED_BLOCKS = 100;
const CACHED_BLOCK = '0x10';
const CACHED_CALL = `{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["${CACHED_BLOCK}",false]}`;
/** Transactions of the block read with full=true in group 1b. */
const FULL_TXS = 50;
/** Never refuses at these rates (max_consecutive_requests defaults to it too). */
const MAX_QPS = 1_000_000;

type Stoppers = (() => Promise<unknown>)[];

async function main(): Promise<void> {
  const wrk = await requireWrk(INSTALL_HINT);
  if (wrk === undefined) return;
  const options = {
    rounds: ROUNDS,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    connections: CONNECTIONS,
    threads: THREADS,
    rotate: true,
  };
  const stoppers: Stoppers = [];
  try {
    const { cache, full, budget } = await startContenders(stoppers);
    process.stdout.write(`\n1. eth_getBlockByNumber("${CACHED_BLOCK}", false), finalized\n`);
    await runRounds(wrk, cache, options);
    process.stdout.write(
      `\n1b. eth_getBlockByNumber(<${FULL_TXS} transactions>, true), finalized\n`,
    );
    await runRounds(wrk, full, options);
    process.stdout.write('\n2. eth_blockNumber, node budgets\n');
    await runRounds(wrk, budget, options);
    reportCache('1.', `eth_getBlockByNumber("${CACHED_BLOCK}", false)`, cache);
    reportCache('1b.', `eth_getBlockByNumber(<${FULL_TXS} transactions>, true)`, full);
    reportBudget(budget);
  } finally {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  }
}

async function startContenders(
  stoppers: Stoppers,
): Promise<{ cache: Contender[]; full: Contender[]; budget: Contender[] }> {
  const anvil = await AnvilNode.start({ chainId: 31337 });
  stoppers.push(() => anvil.kill());
  const fullCall = await blockWithTransactions(anvil, FULL_TXS);
  await anvil.mine(MINED_BLOCKS);
  const redis = await RedisServer.start();
  stoppers.push(() => redis.kill());

  const node = { http_url: anvil.httpUrl, ws_url: anvil.wsUrl };
  const start = async (extra: Record<string, TomlTable>, limits = {}): Promise<VixyProcess> => {
    // EL only: no [[cl]] node to check.
    const config = { el: { primary: [{ ...node, ...limits }] }, cl: [], extra };
    const vixy = await VixyProcess.start({ config, env: { LOG_LEVEL: 'warn' } });
    stoppers.push(() => vixy.stop());
    await waitFor('Vixy to route to anvil', () => probe(vixy.url('/el')), { timeoutMs: 10_000 });
    return vixy;
  };
  const plain = await start({});
  const cached = await start({ cache: { enabled: true } });
  const local = await start({}, { max_qps: MAX_QPS });
  const shared = await start({ redis: { url: redis.url } }, { max_qps: MAX_QPS });

  for (const call of [CACHED_CALL, fullCall]) {
    const expected = await resultOf(anvil.httpUrl, call);
    await waitFor('Vixy to answer the old block from its cache', () => cacheHit(cached, call), {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    for (const vixy of [plain, cached]) {
      const got = await resultOf(vixy.url('/el'), call);
      if (got !== expected) throw new Error(`${vixy.url('/el')} answered another block: ${got}`);
    }
  }
  await waitFor('Vixy to lease its budget from Redis', () => redisUp(shared), {
    timeoutMs: 10_000,
    intervalMs: 200,
  });

  const contender = (name: string, url: string, pid?: number, body?: string): Contender => ({
    name,
    url,
    pid,
    body,
    results: [],
  });
  return {
    cache: [
      contender('anvil direct', anvil.httpUrl, anvil.pid, CACHED_CALL),
      contender('Vixy', plain.url('/el'), plain.pid, CACHED_CALL),
      contender('Vixy + cache', cached.url('/el'), cached.pid, CACHED_CALL),
    ],
    full: [
      contender('anvil direct', anvil.httpUrl, anvil.pid, fullCall),
      contender('Vixy', plain.url('/el'), plain.pid, fullCall),
      contender('Vixy + cache', cached.url('/el'), cached.pid, fullCall),
    ],
    budget: [
      contender('Vixy', plain.url('/el'), plain.pid),
      contender('max_qps local', local.url('/el'), local.pid),
      contender('max_qps shared', shared.url('/el'), shared.pid),
    ],
  };
}

/** The JSON text of the call's result (the id may differ). */
async function resultOf(url: string, body: string): Promise<string> {
  const res = await httpRequest(url, { body, timeoutMs: 2000 });
  return JSON.stringify((JSON.parse(res.text) as { result?: unknown }).result);
}

/** Mines one block holding `n` transfers; the full=true call that reads it back. */
async function blockWithTransactions(anvil: AnvilNode, n: number): Promise<string> {
  const [from, to] = await anvil.rpc<string[]>('eth_accounts');
  await anvil.rpc('evm_setAutomine', [false]);
  for (let i = 0; i < n; i++) {
    await anvil.rpc('eth_sendTransaction', [{ from, to, value: '0x1' }]);
  }
  await anvil.rpc('anvil_mine', ['0x1']);
  await anvil.rpc('evm_setAutomine', [true]);
  const block = await anvil.rpc<{ number: string; transactions: unknown[] }>(
    'eth_getBlockByNumber',
    ['latest', false],
  );
  if (block.transactions.length !== n) {
    throw new Error(`the block holds ${block.transactions.length} transactions, not ${n}`);
  }
  return `{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["${block.number}",true]}`;
}

async function cacheHit(vixy: VixyProcess, body: string): Promise<true | undefined> {
  const res = await httpRequest(vixy.url('/el'), { body, timeoutMs: 1000 });
  return res.status === 200 && res.headers['x-vixy-cache'] === 'hit' ? true : undefined;
}

async function redisUp(vixy: VixyProcess): Promise<true | undefined> {
  const res = await httpRequest(vixy.url('/metrics'), { timeoutMs: 1000 });
  return /^vixy_redis_up 1$/m.test(res.text) ? true : undefined;
}

function table(title: string, contenders: readonly Contender[]): void {
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(16) : cell.padStart(11))).join(' ');
  process.stdout.write(
    `\n${title}, wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s, median of ${ROUNDS} rounds\n`,
  );
  process.stdout.write(`${line(['', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU us/req'])}\n`);
  for (const c of contenders) {
    const m = median(c.results);
    process.stdout.write(
      `${line([
        c.name,
        m.requestsPerSecond.toFixed(0),
        m.p50Ms.toFixed(2),
        m.p99Ms.toFixed(2),
        String(m.errors),
        m.cpuUsPerRequest === undefined ? '-' : m.cpuUsPerRequest.toFixed(1),
      ])}\n`,
    );
  }
}

function rps(c: Contender): number {
  return median(c.results).requestsPerSecond;
}

function rounds(values: readonly number[], digits: number): string {
  return `${values.map((v) => v.toFixed(digits)).join(' ')} (median ${medianOf(values).toFixed(digits)})`;
}

function reportCache(
  label: string,
  call: string,
  [direct, vixy, cached]: readonly Contender[],
): void {
  table(`${label} POST ${call}`, [direct, vixy, cached]);
  const ratio = (a: Contender, b: Contender): string => (rps(a) / rps(b)).toFixed(2);
  process.stdout.write(
    `Vixy + cache / anvil direct: ${ratio(cached, direct)}x; Vixy + cache / Vixy: ${ratio(cached, vixy)}x; Vixy / anvil direct: ${ratio(vixy, direct)}x\n`,
  );
  const perRound = byRound(cached, direct, (c, d) => c.requestsPerSecond / d.requestsPerSecond);
  process.stdout.write(`(Vixy + cache)/direct round by round: ${rounds(perRound, 2)}\n`);
}

function reportBudget([vixy, local, shared]: readonly Contender[]): void {
  table('2. POST eth_blockNumber', [vixy, local, shared]);
  const costUs = (a: number, b: number): number => (1 / a - 1 / b) * 1e6;
  process.stdout.write(
    `max_qps local / Vixy: ${(rps(local) / rps(vixy)).toFixed(2)}x; shared / local: ${(rps(shared) / rps(local)).toFixed(2)}x\n`,
  );
  process.stdout.write(
    `per call, shared - local: ${costUs(rps(shared), rps(local)).toFixed(2)} us of wall time (1/rps); local - Vixy: ${costUs(rps(local), rps(vixy)).toFixed(2)} us\n`,
  );
  const perRound = byRound(shared, local, (s, l) =>
    costUs(s.requestsPerSecond, l.requestsPerSecond),
  );
  process.stdout.write(`shared - local round by round, us: ${rounds(perRound, 2)}\n`);
  const cpu = byRound(shared, local, (s, l) =>
    s.cpuUsPerRequest === undefined || l.cpuUsPerRequest === undefined
      ? Number.NaN
      : s.cpuUsPerRequest - l.cpuUsPerRequest,
  );
  process.stdout.write(`CPU per request, shared - local, us: ${rounds(cpu, 1)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
