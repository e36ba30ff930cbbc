// WebSocket benchmark (figures, not a test): `npm run bench:ws` (build, then this file).
//
// A fake EL node (bench/ws/fake-chain-node.ts: linked block headers, made on request) is
// the upstream; client swarms (bench/ws/swarm.ts) hold the sessions; Vixy (dist/main.js)
// sits between. Each is its own process.
// 1. Memory per idle session: Vixy's RSS before and after K sessions, each subscribed to
//    newHeads, / K; and Vixy's upstream WebSockets to the node with them open, from
//    vixy_ws_upstream_connections and from the kernel's TCP table (established
//    connections to the port of the node's ws_url).
// 2. For each N: N sessions subscribed to newHeads directly on the node, then N on Vixy's
//    /el/ws. Notifications per second (a burst of blocks made as fast as the node can:
//    all notifications received / first block sent -> last received), and the delay from
//    the node to the client, p50 and p99, at a steady rate well below what either path
//    can carry (a block every N / BENCH_DELAY_RATE s, 250 ms at least): the delay of a
//    block, not of a queue.
// 3. Failover (bench/ws/failover.ts): anvil primary and backup of one chain, a block a
//    second; kill and freeze the serving node; blocks missed or repeated per session.
//
// Options (env): BENCH_CLIENTS="1000,10000", BENCH_IDLE=10000, BENCH_NOTES=200000 (per
// burst), BENCH_DELAY_RATE=4000 (notes/s of the delay run), BENCH_DELAY_BLOCKS=8, BENCH_SWARMS=1
// (client processes), BENCH_ROUNDS=2 (direct, through, then through, direct),
// BENCH_FAILOVERS=2 (BENCH_IDLE=0 or BENCH_FAILOVERS=0 leaves that part out), BENCH_FAILOVER_SESSIONS=20, BENCH_TIMEOUT_S=1200 (the whole run).
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { FAST_HEALTH_CHECKS, httpRequest, stopAll, VixyProcess, waitFor } from '../test/support';
import { cpuSeconds } from './proc-cpu';
import { failover } from './ws/failover';
import { bareWsKiBPerSession, idleSessions } from './ws/idle';
import { combine, type PathFigures, runPath, SwarmSet } from './ws/paths';
import { FakeChainNode, raiseFileLimit } from './ws/processes';
import { report, UPSTREAM_GOAL } from './ws/report';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const CLIENTS = env('BENCH_CLIENTS', '1000,10000').split(',').map(Number);
const IDLE = Number(env('BENCH_IDLE', '10000'));
const OPTS = {
  notes: Number(env('BENCH_NOTES', '200000')),
  delayNotesPerSecond: Number(env('BENCH_DELAY_RATE', '4000')),
  delayBlocks: Number(env('BENCH_DELAY_BLOCKS', '8')),
};
const SWARMS = Number(env('BENCH_SWARMS', '1'));
const ROUNDS = Number(env('BENCH_ROUNDS', '2'));
const FAILOVERS = Number(env('BENCH_FAILOVERS', '2'));
const FAILOVER_SESSIONS = Number(env('BENCH_FAILOVER_SESSIONS', '20'));
const TIMEOUT_S = Number(env('BENCH_TIMEOUT_S', '1200'));
/** Asked of every process with many sockets (prlimit; kept as it is when not allowed). */
const FILE_LIMIT = 65536;

const log = (s: string) => process.stdout.write(`[bench:ws] ${s}\n`);

const k = (n: number) => Math.round(n).toLocaleString('en-US');

/** The runs of one path together, or the first error among them. */
function merged(runs: readonly (PathFigures | Error)[]): PathFigures | Error {
  const failed = runs.find((r): r is Error => r instanceof Error);
  return failed ?? combine(runs as PathFigures[]);
}

/** The part's figures, or the error that stopped it (the other parts still run). */
async function part<T>(what: string, run: () => Promise<T>): Promise<T | Error> {
  try {
    return await run();
  } catch (err) {
    log(`${what} failed: ${String(err)}`);
    return err instanceof Error ? err : new Error(String(err));
  }
}

async function startVixy(node: FakeChainNode): Promise<VixyProcess> {
  const vixy = await VixyProcess.start({
    config: {
      el: { primary: [node.vixyNode] },
      cl: [{ url: 'http://127.0.0.1:9' }],
      global: FAST_HEALTH_CHECKS,
      websocket: {
        max_sessions: Math.max(IDLE, ...CLIENTS) + 1000,
        upstream_connections_per_node: UPSTREAM_GOAL,
        head_log_depth: 256,
      },
    },
    env: { LOG_LEVEL: 'warn' },
  });
  await waitFor(
    'the fake node healthy in Vixy',
    async () => {
      const status = JSON.parse((await httpRequest(vixy.url('/status'))).text) as {
        el_nodes: { is_healthy: boolean }[];
      };
      return status.el_nodes[0]?.is_healthy || undefined;
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  return vixy;
}

async function main(): Promise<void> {
  const commit = execFileSync('git', ['log', '-1', '--format=%h %s', '--', 'src'], {
    encoding: 'utf8',
  });
  log(`${new Date().toISOString()}, node ${process.version}, Vixy at ${commit.slice(0, 80)}`);
  log(`machine load (1 min): ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`);
  const node = await FakeChainNode.start();
  log(`fake chain node: newHeads notifications of ${(await node.stats()).notificationBytes} bytes`);
  const vixy = await startVixy(node);
  const swarms = await SwarmSet.start(SWARMS);
  const pids = [node.proc.pid, vixy.pid, ...swarms.pids];
  const limits = pids.map((pid) => raiseFileLimit(pid, FILE_LIMIT));
  log(
    `open-file limits: node ${limits[0]}, Vixy ${limits[1]}, swarms ${limits.slice(2).join(', ')}`,
  );

  log(`${IDLE} idle sessions`);
  const idle = IDLE > 0 ? await part('idle', () => idleSessions(vixy, node, swarms, IDLE)) : null;
  const bareWs = IDLE > 0 ? await part('bare ws', () => bareWsKiBPerSession(swarms, IDLE)) : null;
  const paths = new Map<number, { direct: PathFigures | Error; through: PathFigures | Error }>();
  const cpu = { node: () => cpuSeconds(node.proc.pid), vixy: () => cpuSeconds(vixy.pid) };
  const viaVixy = vixy.url('/el/ws').replace('http', 'ws');
  for (const n of CLIENTS) {
    const runs = { direct: [] as (PathFigures | Error)[], through: [] as (PathFigures | Error)[] };
    // direct, through, through, direct, ...: a machine busier at one moment hurts both alike
    for (let round = 0; round < ROUNDS; round++) {
      const order =
        round % 2 === 0 ? (['direct', 'through'] as const) : (['through', 'direct'] as const);
      for (const path of order) {
        log(`${n} sessions, ${path === 'direct' ? 'direct' : 'through Vixy'} (round ${round + 1})`);
        const figures = await part(path, () =>
          path === 'direct'
            ? runPath(node.wsUrl, n, node, swarms, cpu, OPTS, null)
            : runPath(viaVixy, n, node, swarms, cpu, OPTS, vixy),
        );
        if (!(figures instanceof Error))
          log(
            `  ${k(figures.notesPerSecond)} notes/s, delay p50 ${figures.delayP50.toFixed(1)} ms, p99 ${figures.delayP99.toFixed(1)} ms, ${figures.opened} sessions opened in ${(figures.openMs / 1000).toFixed(1)} s`,
          );
        runs[path].push(figures);
      }
    }
    paths.set(n, { direct: merged(runs.direct), through: merged(runs.through) });
  }
  await vixy.stop();
  log(
    `failover: ${FAILOVERS} x (kill, freeze) of the serving anvil, ${FAILOVER_SESSIONS} sessions`,
  );
  const fo =
    FAILOVERS > 0 ? await part('failover', () => failover(FAILOVERS, FAILOVER_SESSIONS)) : null;
  log(`machine load (1 min) at the end: ${loadavg()[0].toFixed(1)}`);
  process.stdout.write(`\n${report({ idle, bareWs, paths, failover: fo })}`);
}

setTimeout(() => {
  log(`the run took more than ${TIMEOUT_S} s: stopping`);
  void stopAll().finally(() => process.exit(1));
}, TIMEOUT_S * 1000).unref();

main()
  .catch((err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
