import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

// Steady HTTP load on /el and /cl for the chaos and soak runs, and the process figures.

export interface HttpTally {
  ok: number;
  failed: number;
  readonly samples: string[];
}

export function emptyHttpTally(): HttpTally {
  return { ok: 0, failed: 0, samples: [] };
}

const EL_BODIES = [
  '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}',
  '{"jsonrpc":"2.0","id":"b","method":"eth_getBlockByNumber","params":["latest",false]}',
  '[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":2,"method":"eth_blockNumber"}]',
];

async function one(tally: HttpTally, what: string, send: () => Promise<Response>): Promise<void> {
  try {
    const res = await send();
    const body = await res.text();
    if (res.status === 200 && !/"error"\s*:/.test(body)) tally.ok += 1;
    else {
      tally.failed += 1;
      if (tally.samples.length < 10)
        tally.samples.push(`${what}: ${res.status} ${body.slice(0, 200)}`);
    }
  } catch (err) {
    tally.failed += 1;
    if (tally.samples.length < 10) tally.samples.push(`${what}: ${String(err)}`);
  }
}

/** Runs `loops` concurrent request loops until `running()` is false. */
export async function httpLoad(
  baseUrl: string,
  tally: HttpTally,
  options: { elLoops: number; clLoops: number; pauseMs: number; cl: boolean },
  running: () => boolean,
): Promise<void> {
  const el = async (loop: number) => {
    for (let i = loop; running(); i++) {
      const body = EL_BODIES[i % EL_BODIES.length];
      await one(tally, `POST /el ${body.slice(0, 60)}`, () =>
        fetch(`${baseUrl}/el`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(15_000),
        }),
      );
      await sleep(options.pauseMs);
    }
  };
  const cl = async () => {
    while (running()) {
      await one(tally, 'GET /cl/eth/v1/beacon/headers/head', () =>
        fetch(`${baseUrl}/cl/eth/v1/beacon/headers/head`, { signal: AbortSignal.timeout(15_000) }),
      );
      await sleep(options.pauseMs * 4);
    }
  };
  await Promise.all([
    ...Array.from({ length: options.elLoops }, (_, i) => el(i)),
    ...(options.cl ? Array.from({ length: options.clLoops }, () => cl()) : []),
  ]);
}

/** Resident set size of a process, in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/** One sample value of /metrics (first line of that name), or NaN. */
export async function metricValue(baseUrl: string, name: string): Promise<number> {
  const text = await (
    await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) })
  ).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A plain text table. */
export function table(rows: readonly (readonly [string, string | number, string])[]): string {
  const header = ['figure', 'value', 'goal'] as const;
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...all.slice(1).map(line),
  ].join('\n');
}
