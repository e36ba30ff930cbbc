// Benchmark of POST /el (DESIGN.md, performance targets): figures, not a test.
// wrk POSTs eth_blockNumber to anvil directly, through the Node floor proxy
// (bench/floor-proxy.ts), through Vixy (dist/main.js, LOG_LEVEL=warn), through Vixy with a
// VIXY_REQUEST_HOOK checking an API key (bench/hooked-vixy.ts, the built package) and through
// nginx when it is installed; load generator, proxies and anvil run as separate
// processes. Rounds are interleaved so that the machine's other load spreads over
// every contender; the median round of each is reported.
//
//   npx ts-node bench/http.ts          (after `npm run build`)
//   BENCH_SECONDS=5 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32 BENCH_THREADS=1 BENCH_HOOK=0
import { join } from 'node:path';
import { AnvilNode } from '../test/support/anvil';
import { freePort } from '../test/support/ports';
import { type ManagedProcess, spawnManaged } from '../test/support/processes';
import { renderConfig, VixyProcess, writeConfigFile } from '../test/support/vixy';
import { waitFor } from '../test/support/wait';
import { startNginx } from './nginx';
import { probe } from './probe';
import { type Contender, median, runRounds } from './rounds';
import { findExecutable, requireWrk } from './wrk';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
/** BENCH_HOOK=0 leaves out "Vixy + hook" (Vixy with a VIXY_REQUEST_HOOK checking an API key). */
const WITH_HOOK = process.env.BENCH_HOOK !== '0';
const HOOK_HEADERS = { 'x-api-key': 'bench-api-key-0123456789' };
const INSTALL_HINT = 'apt-get update && apt-get install -y --no-install-recommends nginx wrk';

async function main(): Promise<void> {
  const wrk = await requireWrk(INSTALL_HINT);
  if (wrk === undefined) return;
  const stoppers: (() => Promise<unknown>)[] = [];
  try {
    const contenders = await startContenders(stoppers);
    await runRounds(wrk, contenders, {
      rounds: ROUNDS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
      threads: THREADS,
    });
    report(contenders);
  } finally {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  }
}

async function startContenders(stoppers: (() => Promise<unknown>)[]): Promise<Contender[]> {
  const anvil = await AnvilNode.start({ chainId: 31337 });
  stoppers.push(() => anvil.kill());
  const contenders: Contender[] = [{ name: 'anvil direct', url: anvil.httpUrl, results: [] }];

  const floor = await startFloor(anvil.httpUrl);
  stoppers.push(() => floor.proc.stop());
  contenders.push({ name: 'Node floor', url: floor.url, pid: floor.proc.pid, results: [] });

  // EL only: no [[cl]] node to check.
  const config = { el: { primary: [anvil] }, cl: [] };
  const vixy = await VixyProcess.start({ config, env: { LOG_LEVEL: 'warn' } });
  stoppers.push(() => vixy.stop());
  await waitFor('Vixy to route to anvil', () => probe(vixy.url('/el')), { timeoutMs: 10_000 });
  contenders.push({ name: 'Vixy', url: vixy.url('/el'), pid: vixy.pid, results: [] });

  if (WITH_HOOK) {
    const hooked = await startHookedVixy(renderConfig(config));
    stoppers.push(() => hooked.proc.stop());
    contenders.push({ name: 'Vixy + hook', url: hooked.url, pid: hooked.proc.pid, results: [] });
  }

  const nginx = await findExecutable('nginx');
  if (nginx === undefined) {
    process.stdout.write(`nginx is not installed: skipped (install with: ${INSTALL_HINT})\n`);
  } else {
    const n = await startNginx(nginx, { host: '127.0.0.1', port: anvil.port });
    stoppers.push(() => n.proc.stop());
    contenders.push({ name: 'nginx', url: n.url, pid: n.proc.pid, results: [] });
  }
  return contenders;
}

/** The built package with an API-key VIXY_REQUEST_HOOK (bench/hooked-vixy.ts). */
async function startHookedVixy(toml: string): Promise<{ url: string; proc: ManagedProcess }> {
  const port = await freePort();
  const configPath = writeConfigFile(
    toml.replace(/^\[server\][^[]*/m, '') + `\n[server]\nlisten = "127.0.0.1:${port}"\n`,
  );
  const args = ['-r', 'ts-node/register/transpile-only', join(__dirname, 'hooked-vixy.ts')];
  const proc = spawnManaged(`vixy+hook:${port}`, process.execPath, [...args, configPath], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}/el`;
  await waitFor('Vixy with a hook to route to anvil', () => probe(url, HOOK_HEADERS), {
    timeoutMs: 20_000,
    intervalMs: 100,
    abortIf: () => (proc.running ? undefined : proc.describe()),
  });
  return { url, proc };
}

async function startFloor(upstream: string): Promise<{ url: string; proc: ManagedProcess }> {
  const port = await freePort();
  const args = ['-r', 'ts-node/register/transpile-only', join(__dirname, 'floor-proxy.ts')];
  const proc = spawnManaged(`floor:${port}`, process.execPath, [...args, upstream, String(port)], {
    cwd: join(__dirname, '..'),
  });
  const url = `http://127.0.0.1:${port}/`;
  await waitFor('the floor proxy to answer', () => probe(url), {
    timeoutMs: 20_000,
    intervalMs: 100,
    abortIf: () => (proc.running ? undefined : proc.describe()),
  });
  return { url, proc };
}

function report(contenders: readonly Contender[]): void {
  const rows = contenders.map((c) => ({ name: c.name, m: median(c.results) }));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(14) : cell.padStart(11))).join(' ');
  process.stdout.write(
    `\nPOST eth_blockNumber, wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s, median of ${ROUNDS} rounds\n`,
  );
  process.stdout.write(`${line(['', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU us/req'])}\n`);
  for (const { name, m } of rows) {
    process.stdout.write(
      `${line([
        name,
        m.requestsPerSecond.toFixed(0),
        m.p50Ms.toFixed(2),
        m.p99Ms.toFixed(2),
        String(m.errors),
        m.cpuUsPerRequest === undefined ? '-' : m.cpuUsPerRequest.toFixed(1),
      ])}\n`,
    );
  }
  const get = (name: string) => rows.find((r) => r.name === name)?.m;
  const vixy = get('Vixy');
  if (vixy === undefined) return;
  process.stdout.write('\nVixy req/s ratio to:');
  for (const other of ['Node floor', 'anvil direct', 'nginx']) {
    const m = get(other);
    if (m !== undefined) {
      process.stdout.write(
        ` ${other} ${(vixy.requestsPerSecond / m.requestsPerSecond).toFixed(2)}x;`,
      );
    }
  }
  const hooked = get('Vixy + hook');
  if (hooked !== undefined) {
    process.stdout.write(
      `\nVixy + hook req/s: ${(hooked.requestsPerSecond / vixy.requestsPerSecond).toFixed(2)}x Vixy's`,
    );
    if (hooked.cpuUsPerRequest !== undefined && vixy.cpuUsPerRequest !== undefined) {
      const extra = hooked.cpuUsPerRequest - vixy.cpuUsPerRequest;
      process.stdout.write(`, CPU per request ${extra >= 0 ? '+' : ''}${extra.toFixed(1)} us`);
    }
  }
  const floor = get('Node floor');
  if (floor?.cpuUsPerRequest !== undefined && vixy.cpuUsPerRequest !== undefined) {
    process.stdout.write(
      `\nVixy CPU per request: ${(vixy.cpuUsPerRequest / floor.cpuUsPerRequest).toFixed(2)}x the floor's`,
    );
  }
  process.stdout.write('\n');
  reportRoundRatios(contenders);
}

/**
 * Vixy against the floor round by round: the two run back to back in each round, so a
 * round's ratio is less exposed to the machine's other load than the ratio of medians.
 */
function reportRoundRatios(contenders: readonly Contender[]): void {
  const vixy = contenders.find((c) => c.name === 'Vixy');
  const floor = contenders.find((c) => c.name === 'Node floor');
  if (vixy === undefined || floor === undefined) return;
  const ratios = vixy.results.map(
    (v, i) => v.requestsPerSecond / floor.results[i].requestsPerSecond,
  );
  const sorted = [...ratios].sort((a, b) => a - b);
  const med = sorted[Math.floor(sorted.length / 2)];
  process.stdout.write(
    `Vixy/floor req/s round by round: ${ratios.map((r) => r.toFixed(2)).join(' ')} (median ${med.toFixed(2)})\n`,
  );
  const hooked = contenders.find((c) => c.name === 'Vixy + hook');
  if (hooked === undefined) return;
  const hookRatios = hooked.results.map(
    (h, i) => h.requestsPerSecond / vixy.results[i].requestsPerSecond,
  );
  const sortedHook = [...hookRatios].sort((a, b) => a - b);
  process.stdout.write(
    `(Vixy + hook)/Vixy req/s round by round: ${hookRatios.map((r) => r.toFixed(2)).join(' ')} (median ${sortedHook[Math.floor(sortedHook.length / 2)].toFixed(2)})\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
