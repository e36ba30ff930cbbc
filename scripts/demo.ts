/**
 * `npm run demo`: Vixy in front of a local devnet of real nodes (two primary and
 * one backup anvil EL nodes, two Lodestar dev beacon nodes), with example requests.
 * Ctrl+C (or SIGTERM) stops everything; DEMO_PORT picks the port, DEMO_EXIT_AFTER_MS
 * stops the demo by itself (smoke test).
 */
import { join } from 'node:path';
import { type AnvilNode, startSameChainCluster } from '../test/support/anvil';
import { BlockMiner } from '../test/support/block-miner';
import {
  type LodestarNode,
  ensureLodestarInstalled,
  startLodestarPair,
} from '../test/support/lodestar';
import { freePort, isPortFree } from '../test/support/ports';
import { killAllSync, stopAll } from '../test/support/processes';
import { FAST_HEALTH_CHECKS, REPO_ROOT, VixyProcess, renderConfig } from '../test/support/vixy';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);

async function choosePort(): Promise<number> {
  const wanted = process.env.DEMO_PORT;
  if (wanted !== undefined && wanted !== '') {
    const port = Number(wanted);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`DEMO_PORT: not a port: ${wanted}`);
    }
    if (!(await isPortFree(port))) throw new Error(`DEMO_PORT: 127.0.0.1:${port} is in use`);
    return port;
  }
  if (await isPortFree(8080)) return 8080;
  const port = await freePort();
  say(`port 8080 is in use: Vixy listens on ${port} instead (DEMO_PORT chooses)`);
  return port;
}

/** Vixy's JSON log lines (pino: level, time, pid, context, fields, msg), made readable. */
function formatLog(line: string): string | undefined {
  try {
    const {
      level,
      time: _time,
      pid: _pid,
      context,
      msg,
      ...fields
    } = JSON.parse(line) as Record<string, unknown>;
    if (msg === undefined) return line;
    const facts = Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    return [String(level ?? ''), context ? `${String(context)}:` : '', String(msg), ...facts]
      .filter((part) => part !== '')
      .join(' ');
  } catch {
    return line;
  }
}

function printGuide(vixy: VixyProcess, el: AnvilNode[], cl: LodestarNode[]): void {
  const base = vixy.baseUrl;
  const wsUrl = `${base.replace(/^http/, 'ws')}/el/ws`;
  const [p1, p2, b1] = el;
  say();
  say('=== Vixy demo is running ===');
  say(`Vixy            ${base}   (pid ${vixy.pid}, config ${vixy.configPath})`);
  el.forEach((node, i) => {
    const role = i < 2 ? `el-primary-${i + 1}` : 'el-backup-1';
    say(`${role.padEnd(15)} ${node.httpUrl}   pid ${node.pid}`);
  });
  cl.forEach((node, i) => {
    say(
      `${`cl-${i + 1}`.padEnd(15)} ${node.url}   pid ${node.pid}${i === 0 ? '   (runs the validators)' : ''}`,
    );
  });
  say();
  say('Try:');
  say(`  curl -s -X POST ${base}/el -H 'content-type: application/json' \\`);
  say(`    -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'`);
  say(`  curl -s ${base}/metrics | grep ^vixy_el_requests_total   # which EL node answered`);
  say(`  curl -s ${base}/status`);
  say(`  curl -s ${base}/cl/eth/v1/beacon/headers/head`);
  say(`  curl -s ${base}/metrics | grep ^vixy_`);
  say(`  open ${base}/docs`);
  say('  WebSocket (new heads every 2 s), from this directory:');
  say(
    `    node -e "const W=require('ws');const s=new W('${wsUrl}');s.on('open',()=>s.send(JSON.stringify({jsonrpc:'2.0',id:1,method:'eth_subscribe',params:['newHeads']})));s.on('message',m=>console.log(String(m)))"`,
  );
  say();
  say('Failover:');
  if (p1 && p2 && b1) {
    say(
      `  kill ${p1.pid}             # el-primary-1 dies: traffic moves to el-primary-2, subscriptions miss no block`,
    );
    say(`  kill ${p2.pid}             # then el-primary-2: the backup takes over`);
    say(`  kill -STOP ${b1.pid} / kill -CONT ${b1.pid}   # hang and resume a node`);
  }
  if (cl[1])
    say(
      `  kill ${cl[1].pid}             # cl-2 dies: /cl stays on cl-1 (cl-1 runs the validators)`,
    );
  say(`  watch -n1 curl -s ${base}/status`);
  say();
  say('Ctrl+C stops everything.');
  say();
}

let shuttingDown = false;
let minerStop: (() => Promise<void>) | undefined;

async function shutdown(reason: string, code: number): Promise<never> {
  if (shuttingDown) {
    killAllSync();
    process.exit(1);
  }
  shuttingDown = true;
  say(`\n${reason}: stopping every node and Vixy...`);
  await minerStop?.();
  await stopAll(8000);
  say('stopped.');
  process.exit(code);
}

async function main(): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => void shutdown(sig, 0));
  }
  const port = await choosePort();
  say('starting 3 anvil nodes of one chain and 2 Lodestar beacon nodes...');
  const [el, cl] = await Promise.all([
    startSameChainCluster(3, { blockInterval: 2 }),
    ensureLodestarInstalled().then(() => startLodestarPair()),
  ]);
  // One chain: every live node gets the same block every 2 s (a node stopped with
  // kill -STOP misses them and catches up after kill -CONT).
  const miner = await BlockMiner.start(() => el, { intervalMs: 2000 });
  minerStop = () => miner.stop();
  const [p1, p2, b1] = el;
  if (!p1 || !p2 || !b1) throw new Error('expected 3 anvil nodes');
  const config = renderConfig({
    el: { primary: [p1, p2], backup: [b1] },
    cl,
    global: FAST_HEALTH_CHECKS,
  });
  const vixy = await VixyProcess.start({
    config,
    configFile: join(REPO_ROOT, '.vixy-demo', 'config.toml'),
    listen: `127.0.0.1:${port}`,
    waitReady: false,
  });
  const stopStreaming = vixy.onLine((line) => {
    const text = formatLog(line);
    if (!shuttingDown && text !== undefined) say(`[vixy] ${text}`);
  });
  void vixy.exited.then(({ code, signal }) => {
    if (shuttingDown) return;
    stopStreaming();
    void shutdown(`Vixy exited by itself (code ${String(code)}, signal ${String(signal)})`, 1);
  });
  await vixy.waitReady();
  printGuide(vixy, el, cl);

  const exitAfter = Number(process.env.DEMO_EXIT_AFTER_MS ?? '');
  if (exitAfter > 0) {
    setTimeout(() => void shutdown(`DEMO_EXIT_AFTER_MS=${exitAfter}`, 0), exitAfter);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  void shutdown('error', 1);
});
