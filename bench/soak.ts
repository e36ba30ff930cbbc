// Soak run (figures, not a test): `npx ts-node bench/soak.ts <duration-s> [--every 10]
// [--clients 20]` after `npm run build`. Three anvil EL nodes of one chain (no beacon
// node: /cl is not loaded), Vixy in front, constant HTTP load on /el and WebSocket
// clients with subscriptions and calls; one EL node is killed and restarted (or frozen,
// or lagged) every few seconds. Every N seconds prints Vixy's RSS, heap in use
// (nodejs_heap_size_used_bytes) and active handles (nodejs_active_handles_total), so a
// leak shows as a column that keeps growing.
import { FAST_HEALTH_CHECKS, stopAll, VixyProcess } from '../test/support';
import { ElFleet } from './chaos/devnet';
import { emptyHttpTally, httpLoad, metricValue, rssMiB } from './chaos/load';
import { ChaosWsClient, emptyTally } from './chaos/ws-client';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

async function main(): Promise<number> {
  const durationS = Number(process.argv[2] ?? 300);
  if (!Number.isFinite(durationS) || durationS <= 0) {
    process.stderr.write(
      'usage: ts-node bench/soak.ts <duration-seconds> [--every 10] [--clients 20]\n',
    );
    return 2;
  }
  const everyS = arg('every', 10);
  const clients = arg('clients', 20);
  const fleet = await ElFleet.start(3);
  const vixy = await VixyProcess.start({
    config: {
      el: { primary: fleet.nodes },
      cl: [{ url: 'http://127.0.0.1:9' }],
      global: { ...FAST_HEALTH_CHECKS, proxy_timeout_ms: 2000, max_retries: 2 },
      websocket: { ping_interval_ms: 1000 },
    },
  });
  const wsTally = emptyTally();
  const wsUrl = `${vixy.baseUrl.replace('http', 'ws')}/el/ws`;
  const ws = Array.from({ length: clients }, () => new ChaosWsClient(wsUrl, wsTally));
  await Promise.all(ws.map((c) => c.start()));
  const http = emptyHttpTally();
  const start = Date.now();
  const end = start + durationS * 1000;
  const running = () => Date.now() < end;

  const row = (cells: readonly (string | number)[]) =>
    process.stdout.write(`${cells.map((c) => String(c).padStart(12)).join(' ')}\n`);
  row([
    't (s)',
    'RSS MiB',
    'heap MiB',
    'handles',
    'http ok',
    'http failed',
    'ws answered',
    'faults',
  ]);
  const sample = async () => {
    const [heap, handles] = await Promise.all([
      metricValue(vixy.baseUrl, 'nodejs_heap_size_used_bytes'),
      metricValue(vixy.baseUrl, 'nodejs_active_handles_total'),
    ]);
    const faults = Object.values(fleet.faults).reduce((a, b) => a + b, 0);
    row([
      Math.round((Date.now() - start) / 1000),
      rssMiB(vixy.pid),
      (heap / 2 ** 20).toFixed(1),
      handles,
      http.ok,
      http.failed,
      wsTally.answered,
      faults,
    ]);
  };
  await sample();
  const timer = setInterval(() => void sample().catch(() => undefined), everyS * 1000);
  await Promise.all([
    httpLoad(vixy.baseUrl, http, { elLoops: 4, clLoops: 0, pauseMs: 10, cl: false }, running),
    fleet.drive(running, null),
  ]);
  clearInterval(timer);
  await Promise.all(ws.map((c) => c.drain(10_000)));
  await sample();
  for (const c of ws) c.close();
  process.stdout.write(
    `ws: sent ${wsTally.sent}, answered ${wsTally.answered}, unanswered ${wsTally.unanswered}, ` +
      `twice ${wsTally.duplicates}, unsolicited ${wsTally.unsolicited}, closed ${wsTally.closes}\n`,
  );
  await vixy.stop();
  await fleet.stop();
  return 0;
}

void main()
  .catch((err: unknown) => {
    process.stderr.write(
      `[soak] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  })
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  });
