import { cpuSeconds } from './proc-cpu';
import { runWrk, type WrkResult } from './wrk';

// Interleaved wrk rounds shared by the HTTP benchmarks: in each round every contender
// gets a warm-up and a measured run, one after another, so that the machine's other
// load spreads over all of them; the median round of each is reported.

export interface Contender {
  readonly name: string;
  readonly url: string;
  /** The process whose CPU time is measured (the proxy; none: not measured). */
  readonly pid?: number;
  /** The JSON-RPC body POSTed (default: eth_blockNumber, bench/el-post.lua). */
  readonly body?: string;
  readonly results: Measured[];
}

export interface Measured extends WrkResult {
  readonly cpuUsPerRequest: number | undefined;
}

export interface RoundOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly threads: number;
  /**
   * Round r starts with contender r - 1 (mod their number): no contender always runs
   * right after the same other one. Default false: always in the given order.
   */
  readonly rotate?: boolean;
}

/** Runs o.rounds rounds over the contenders, appending each measured run to its results. */
export async function runRounds(
  wrk: string,
  contenders: readonly Contender[],
  o: RoundOptions,
): Promise<void> {
  const settings = { connections: o.connections, threads: o.threads };
  for (let round = 1; round <= o.rounds; round++) {
    const first = o.rotate === true ? (round - 1) % contenders.length : 0;
    for (const c of [...contenders.slice(first), ...contenders.slice(0, first)]) {
      await runWrk(wrk, { ...settings, url: c.url, body: c.body, seconds: o.warmupSeconds });
      const before = c.pid === undefined ? 0 : cpuSeconds(c.pid);
      const result = await runWrk(wrk, {
        ...settings,
        url: c.url,
        body: c.body,
        seconds: o.seconds,
      });
      const cpu = c.pid === undefined ? undefined : cpuSeconds(c.pid) - before;
      c.results.push({
        ...result,
        cpuUsPerRequest: cpu === undefined || cpu === 0 ? undefined : (cpu * 1e6) / result.requests,
      });
      process.stdout.write(
        `round ${round}/${o.rounds} ${c.name}: ${result.requestsPerSecond.toFixed(0)} req/s\n`,
      );
    }
  }
}

/** The median run by requests/s. */
export function median(results: readonly Measured[]): Measured {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)];
}

export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** f of a's and b's runs of the same round, round by round. */
export function byRound(
  a: Contender,
  b: Contender,
  f: (a: Measured, b: Measured) => number,
): number[] {
  return a.results.map((r, i) => f(r, b.results[i]));
}
