import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkOptions {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  readonly threads: number;
  /** The JSON-RPC body to POST (default: eth_blockNumber). */
  readonly body?: string;
}

export interface WrkResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Non-2xx/3xx responses plus socket errors. */
  readonly errors: number;
}

/** wrk's path, or undefined when it is not installed. */
export async function findExecutable(name: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', `command -v ${name}`]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The wrk executable, or undefined after telling how to install it (exit code 1). */
export async function requireWrk(installHint: string): Promise<string | undefined> {
  const wrk = await findExecutable('wrk');
  if (wrk === undefined) {
    process.stderr.write(`wrk is not installed; install it with:\n  ${installHint}\n`);
    process.exitCode = 1;
  }
  return wrk;
}

/** Runs wrk POSTing o.body or eth_blockNumber (bench/el-post.lua) and parses its report. */
export async function runWrk(wrk: string, o: WrkOptions): Promise<WrkResult> {
  const args = [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '--latency'];
  args.push('-s', join(__dirname, 'el-post.lua'), o.url);
  const env = o.body === undefined ? process.env : { ...process.env, BENCH_BODY: o.body };
  const { stdout } = await run(wrk, args, { timeout: (o.seconds + 30) * 1000, env });
  return parseWrk(stdout);
}

function duration(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? Number.NaN);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    out,
  );
  const socket = socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    requests: num(/(\d+) requests in/),
    requestsPerSecond: num(/Requests\/sec:\s+([\d.]+)/),
    // Anchored: the "+/- Stdev" column of the thread stats also ends in "%".
    p50Ms: duration(/^\s*50%\s+(\S+)\s*$/m.exec(out)?.[1] ?? ''),
    p99Ms: duration(/^\s*99%\s+(\S+)\s*$/m.exec(out)?.[1] ?? ''),
    errors: (num(/Non-2xx or 3xx responses: (\d+)/) || 0) + socket,
  };
}
