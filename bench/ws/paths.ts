import { httpRequest, type VixyProcess, waitFor } from '../../test/support';
import { establishedTo, type FakeChainNode, Swarm, type SwarmStats } from './processes';

// One path of bench/ws.ts (direct to the fake node, or through Vixy) with N sessions:
// notifications per second in a burst, delay at a steady rate, delivery per session.

export interface PathFigures {
  readonly sessions: number;
  /** Sessions that opened and subscribed (fewer than asked when a limit was hit). */
  readonly opened: number;
  readonly openErrors: readonly string[];
  /** Time to open and subscribe them all. */
  readonly openMs: number;
  readonly notesPerSecond: number;
  /** CPU of the serving side (node, plus Vixy through Vixy) per 1000 notifications. */
  readonly cpuMsPer1000: number;
  readonly vixyCpuMsPer1000: number;
  /** The delay run's block interval. */
  readonly blockIntervalMs: number;
  readonly delayP50: number;
  readonly delayP99: number;
  /** Notifications of the tracked blocks that never arrived / arrived twice. */
  readonly lost: number;
  readonly repeated: number;
  readonly closes: Record<string, number>;
  /** Established TCP connections to the node's Vixy WebSocket port, sessions open. */
  readonly upstreamTcp: number;
}

export interface PathOptions {
  /** Notifications per burst (blocks = notes / sessions, 10 to 100). */
  readonly notes: number;
  /** Notifications per second of the delay run (a block every N / this s), and its blocks. */
  readonly delayNotesPerSecond: number;
  readonly delayBlocks: number;
}

/** The client processes, with the sessions spread evenly over them. */
export class SwarmSet {
  private sizes: number[] = [];

  private constructor(readonly swarms: readonly Swarm[]) {}

  static async start(n: number): Promise<SwarmSet> {
    return new SwarmSet(await Promise.all(Array.from({ length: n }, (_, i) => Swarm.start(i))));
  }

  get pids(): number[] {
    return this.swarms.map((s) => s.proc.pid);
  }

  /**
   * Opens n sessions at url, each subscribed to newHeads; how many opened, and why some
   * did not (throws when none did).
   */
  async open(url: string, n: number): Promise<{ opened: number; errors: string[]; ms: number }> {
    const started = performance.now();
    const per = this.swarms.map(
      (_, i) => Math.floor(n / this.swarms.length) + (i < n % this.swarms.length ? 1 : 0),
    );
    const results = await Promise.all(this.swarms.map((s, i) => s.open(url, per[i])));
    this.sizes = results.map((r) => r.opened);
    const opened = this.sizes.reduce((a, b) => a + b, 0);
    const errors = results.flatMap((r) => r.errors);
    if (opened === 0) throw new Error(`no session of ${n} opened: ${errors.join('; ')}`);
    return { opened, errors, ms: performance.now() - started };
  }

  async track(from: number, to: number): Promise<void> {
    await Promise.all(this.swarms.map((s) => s.track(from, to)));
  }

  /** Waits until every session has `perSession` notifications (or timeoutMs), then sums. */
  async wait(perSession: number, timeoutMs: number): Promise<SwarmStats> {
    const all = await Promise.all(
      this.swarms.map((s, i) => s.wait(this.sizes[i] * perSession, timeoutMs)),
    );
    return merge(all);
  }

  async close(): Promise<void> {
    await Promise.all(this.swarms.map((s) => s.close()));
    this.sizes = this.swarms.map(() => 0);
  }
}

/** Counts summed; delays of several swarms: the worst swarm's percentiles. */
function merge(all: readonly SwarmStats[]): SwarmStats {
  const sum = (f: (s: SwarmStats) => number) => all.reduce((n, s) => n + f(s), 0);
  const closes: Record<string, number> = {};
  for (const s of all)
    for (const [code, n] of Object.entries(s.closes)) closes[code] = (closes[code] ?? 0) + n;
  const firsts = all.map((s) => s.firstSent).filter((x): x is number => x !== null);
  const lasts = all.map((s) => s.lastReceived).filter((x): x is number => x !== null);
  return {
    sessions: sum((s) => s.sessions),
    open: sum((s) => s.open),
    received: sum((s) => s.received),
    outside: sum((s) => s.outside),
    duplicates: sum((s) => s.duplicates),
    missed: sum((s) => s.missed),
    undelivered: sum((s) => s.undelivered),
    firstSent: firsts.length ? Math.min(...firsts) : null,
    lastReceived: lasts.length ? Math.max(...lasts) : null,
    delay: {
      n: sum((s) => s.delay.n),
      p50: Math.max(...all.map((s) => s.delay.p50)),
      p99: Math.max(...all.map((s) => s.delay.p99)),
    },
    closes,
  };
}

export async function vixyMetrics(vixy: VixyProcess): Promise<string> {
  return (await httpRequest(vixy.url('/metrics'), { timeoutMs: 10_000 })).text;
}

/** Sum of a metric's samples (NaN when Vixy has no such metric). */
export function metricSum(text: string, name: string): number {
  let sum = NaN;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm')))
    sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[1]);
  return sum;
}

export async function noSessionsLeft(vixy: VixyProcess): Promise<void> {
  await waitFor(
    'Vixy to have no session left',
    async () => metricSum(await vixyMetrics(vixy), 'vixy_ws_connections_active') === 0 || undefined,
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

interface Cpu {
  readonly node: () => number;
  readonly vixy: () => number;
}

/** One burst or steady run of `blocks` blocks to every session; the merged stats. */
async function run(
  node: FakeChainNode,
  swarms: SwarmSet,
  blocks: number,
  intervalMs: number,
): Promise<SwarmStats> {
  const head = (await node.stats()).head;
  await swarms.track(head + 1, head + blocks);
  await node.emit(blocks, intervalMs);
  return swarms.wait(blocks, blocks * intervalMs + 60_000);
}

/** N sessions at url (the node's, or Vixy's /el/ws when vixy is given). */
export async function runPath(
  url: string,
  n: number,
  node: FakeChainNode,
  swarms: SwarmSet,
  cpu: Cpu,
  options: PathOptions,
  vixy: VixyProcess | null,
): Promise<PathFigures> {
  const { opened, errors, ms: openMs } = await swarms.open(url, n);
  try {
    const upstreamTcp = establishedTo(node.vixyWsPort);
    await run(node, swarms, 5, 0); // warm-up
    const blocks = Math.min(100, Math.max(10, Math.round(options.notes / n)));
    const cpu0 = { node: cpu.node(), vixy: cpu.vixy() };
    const bursts: SwarmStats[] = [];
    for (let i = 0; i < 2; i++) bursts.push(await run(node, swarms, blocks, 0));
    const notes = bursts.reduce((s, b) => s + b.received, 0);
    const nodeCpu = cpu.node() - cpu0.node;
    const vixyCpu = vixy ? cpu.vixy() - cpu0.vixy : 0;
    const rates = bursts.map(
      (b) => (b.received / ((b.lastReceived ?? NaN) - (b.firstSent ?? NaN))) * 1000,
    );
    const blockIntervalMs = Math.max(250, (1000 * n) / options.delayNotesPerSecond);
    const steady = await run(node, swarms, options.delayBlocks, blockIntervalMs);
    const all = [...bursts, steady];
    return {
      sessions: n,
      opened,
      openErrors: errors,
      openMs,
      notesPerSecond: rates.reduce((a, b) => a + b, 0) / rates.length,
      cpuMsPer1000: ((nodeCpu + vixyCpu) * 1e6) / notes,
      vixyCpuMsPer1000: (vixyCpu * 1e6) / notes,
      blockIntervalMs,
      delayP50: steady.delay.p50,
      delayP99: steady.delay.p99,
      lost: all.reduce((s, b) => s + b.missed + b.undelivered, 0),
      repeated: all.reduce((s, b) => s + b.duplicates, 0),
      closes: steady.closes,
      upstreamTcp,
    };
  } finally {
    await swarms.close();
    if (vixy) await noSessionsLeft(vixy);
    else
      await waitFor(
        'the node to have no direct session left',
        async () => (await node.stats()).webSockets[String(node.port)] === 0 || undefined,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
  }
}

/** Several runs of one path: rates and delays averaged, losses and closes added up. */
export function combine(runs: readonly PathFigures[]): PathFigures {
  const mean = (f: (r: PathFigures) => number) => runs.reduce((s, r) => s + f(r), 0) / runs.length;
  const sum = (f: (r: PathFigures) => number) => runs.reduce((s, r) => s + f(r), 0);
  const closes: Record<string, number> = {};
  for (const r of runs)
    for (const [code, n] of Object.entries(r.closes)) closes[code] = (closes[code] ?? 0) + n;
  return {
    sessions: runs[0].sessions,
    opened: Math.min(...runs.map((r) => r.opened)),
    openErrors: runs.flatMap((r) => r.openErrors),
    openMs: mean((r) => r.openMs),
    notesPerSecond: mean((r) => r.notesPerSecond),
    cpuMsPer1000: mean((r) => r.cpuMsPer1000),
    vixyCpuMsPer1000: mean((r) => r.vixyCpuMsPer1000),
    blockIntervalMs: runs[0].blockIntervalMs,
    delayP50: mean((r) => r.delayP50),
    delayP99: mean((r) => r.delayP99),
    lost: sum((r) => r.lost),
    repeated: sum((r) => r.repeated),
    closes,
    upstreamTcp: Math.max(...runs.map((r) => r.upstreamTcp)),
  };
}
