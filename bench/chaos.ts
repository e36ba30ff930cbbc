// Chaos run (figures and a pass/fail exit code):
//   npx ts-node bench/chaos.ts [--duration 120] [--clients 50] [--no-cl]
// after `npm run build`. Three anvil EL nodes of one chain, a Lodestar pair (shared
// genesis), Vixy (dist/main.js) in front; steady HTTP load on /el and /cl, N WebSocket
// clients (2x newHeads, logs, newPendingTransactions, and calls with reused ids), and a
// driver that kills/restarts, freezes/thaws and lags one EL node at a time and freezes
// the Lodestar follower. Prints a summary table; exits 1 when a goal-0 figure is not 0.
import {
  ensureLodestarInstalled,
  FAST_HEALTH_CHECKS,
  type LodestarNode,
  startLodestarPair,
  stopAll,
  VixyProcess,
} from '../test/support';
import { ElFleet } from './chaos/devnet';
import { emptyHttpTally, httpLoad, rssMiB, table } from './chaos/load';
import { ChaosWsClient, emptyTally } from './chaos/ws-client';

/** A Lodestar pair; one more try when the follower does not join in time (a busy machine). */
async function startBeacons(log: (s: string) => void): Promise<[LodestarNode, LodestarNode]> {
  try {
    return await startLodestarPair();
  } catch (err) {
    log(`Lodestar pair did not start (${String(err)}), trying once more`);
    return startLodestarPair();
  }
}

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

async function main(): Promise<number> {
  const durationS = arg('duration', 120);
  const clients = arg('clients', 50);
  const withCl = !process.argv.includes('--no-cl');
  const log = (s: string) => process.stdout.write(`[chaos] ${s}\n`);

  log(`starting 3 anvil nodes${withCl ? ' and a Lodestar pair' : ''}`);
  if (withCl) await ensureLodestarInstalled();
  const [fleet, beacons] = await Promise.all([
    ElFleet.start(3),
    withCl ? startBeacons(log) : Promise.resolve(null),
  ]);
  const cl: readonly { url: string }[] = beacons ?? [{ url: 'http://127.0.0.1:9' }];
  const vixy = await VixyProcess.start({
    config: {
      el: { primary: fleet.nodes },
      cl: cl.map((b) => ({ url: b.url })),
      global: { ...FAST_HEALTH_CHECKS, proxy_timeout_ms: 2000, max_retries: 2 },
      websocket: { ping_interval_ms: 1000 },
    },
  });
  const rssBefore = rssMiB(vixy.pid);
  log(`Vixy pid ${vixy.pid} on ${vixy.baseUrl}, RSS ${rssBefore} MiB; ${clients} WS clients`);

  const wsTally = emptyTally();
  const wsUrl = `${vixy.baseUrl.replace('http', 'ws')}/el/ws`;
  const ws = Array.from({ length: clients }, () => new ChaosWsClient(wsUrl, wsTally));
  await Promise.all(ws.map((c) => c.start()));
  const httpTally = emptyHttpTally();
  const end = Date.now() + durationS * 1000;
  const running = () => Date.now() < end;
  const follower: LodestarNode | null = beacons ? beacons[1] : null;
  const progress = setInterval(
    () =>
      log(
        `http ok ${httpTally.ok} failed ${httpTally.failed}; ws sent ${wsTally.sent} answered ${wsTally.answered} notes ${wsTally.notes}; RSS ${rssMiB(vixy.pid)} MiB`,
      ),
    10_000,
  );
  await Promise.all([
    httpLoad(vixy.baseUrl, httpTally, { elLoops: 6, clLoops: 2, pauseMs: 25, cl: withCl }, running),
    fleet.drive(running, follower),
  ]);
  clearInterval(progress);
  await follower?.thaw();

  log('chaos over: draining calls, then checking every newHeads subscription');
  await Promise.all(ws.map((c) => c.drain(15_000)));
  await fleet.settle();
  const mark = Date.now();
  let silent: number;
  const silentEnd = Date.now() + 15_000;
  do {
    await new Promise((r) => setTimeout(r, 500));
    silent = ws.reduce((n, c) => n + c.silentNewHeadsSince(mark), 0);
  } while (silent > 0 && Date.now() < silentEnd);
  const rssAfter = rssMiB(vixy.pid);
  for (const c of ws) c.close();

  const rows: [string, string | number, string][] = [
    ['duration (s) / WS clients', `${durationS} / ${clients}`, ''],
    [
      'faults: kill / freeze / lag / CL freeze',
      `${fleet.faults.kill} / ${fleet.faults.freeze} / ${fleet.faults.lag} / ${fleet.faults['cl-freeze']}`,
      '',
    ],
    ['HTTP requests ok', httpTally.ok, ''],
    ['HTTP requests failed', httpTally.failed, '0'],
    ['WS calls sent / answered', `${wsTally.sent} / ${wsTally.answered}`, ''],
    ['WS calls answered with an error', wsTally.errorAnswers, ''],
    ['WS calls unanswered', wsTally.unanswered, '0'],
    ['WS answers to nothing pending (twice)', wsTally.duplicates, '0'],
    ['WS messages nobody asked for', wsTally.unsolicited, '0'],
    ['WS sessions closed by Vixy', wsTally.closes, '0'],
    ['WS notifications received', wsTally.notes, ''],
    ['newHeads subscriptions silent after', `${silent} of ${clients * 2}`, '0'],
    ['Vixy RSS before / after (MiB)', `${rssBefore} / ${rssAfter}`, ''],
  ];
  process.stdout.write(`\n${table(rows)}\n`);
  for (const s of [...httpTally.samples, ...wsTally.samples])
    process.stdout.write(`  sample: ${s}\n`);
  const failed =
    httpTally.failed +
    wsTally.unanswered +
    wsTally.duplicates +
    wsTally.unsolicited +
    wsTally.closes +
    silent;

  await vixy.stop();
  await fleet.stop();
  return failed === 0 ? 0 : 1;
}

void main()
  .catch((err: unknown) => {
    process.stderr.write(
      `[chaos] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  })
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  });
