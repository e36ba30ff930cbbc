import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, jsonRpc, type ManagedProcess, spawnManaged } from '../../test/support';

// The processes of bench/ws.ts besides Vixy (the fake chain node, the client swarms) and
// what is read about processes from /proc: RSS, open-file limits, TCP connections.

const REPO = join(__dirname, '..', '..');

/** A bench/ws/*.ts script as a registered child process (stopped by stopAll and on exit). */
async function startScript(name: string, file: string, args: string[]): Promise<ManagedProcess> {
  const proc = spawnManaged(
    name,
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, file), ...args],
    { cwd: REPO, env: { ...process.env, TS_NODE_PROJECT: join(REPO, 'tsconfig.json') } },
  );
  await proc.waitForLine(/ready/, 30_000).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${proc.describe()}`);
  });
  return proc;
}

export interface FakeNodeStats {
  readonly head: number;
  readonly newHeadsSubscriptions: number;
  readonly otherSubscriptions: number;
  readonly webSockets: Record<string, number>;
  readonly framesSent: number;
  readonly emitting: boolean;
  readonly notificationBytes: number;
}

/** fake-chain-node.ts: HTTP + WS on `port`, and on `vixyWsPort` for Vixy's ws_url. */
export class FakeChainNode {
  private constructor(
    readonly port: number,
    readonly vixyWsPort: number,
    readonly proc: ManagedProcess,
  ) {}

  static async start(): Promise<FakeChainNode> {
    const [port, vixyWsPort] = [await freePort(), await freePort()];
    const proc = await startScript(`fake-chain:${port}`, 'fake-chain-node.ts', [
      String(port),
      String(vixyWsPort),
    ]);
    return new FakeChainNode(port, vixyWsPort, proc);
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The node as Vixy's config has it: WebSockets on their own port. */
  get vixyNode() {
    return { name: 'fake-1', http_url: this.httpUrl, ws_url: `ws://127.0.0.1:${this.vixyWsPort}` };
  }

  /** Makes `count` blocks, one every intervalMs (0: as fast as it can); their numbers. */
  emit(count: number, intervalMs: number): Promise<{ from: number; to: number }> {
    return jsonRpc(this.httpUrl, 'bench_emit', [count, intervalMs]);
  }

  stats(): Promise<FakeNodeStats> {
    return jsonRpc(this.httpUrl, 'bench_stats');
  }
}

export interface SwarmStats {
  readonly sessions: number;
  readonly open: number;
  readonly received: number;
  readonly outside: number;
  readonly duplicates: number;
  readonly missed: number;
  readonly undelivered: number;
  readonly firstSent: number | null;
  readonly lastReceived: number | null;
  readonly delay: { readonly n: number; readonly p50: number; readonly p99: number };
  readonly closes: Record<string, number>;
}

/** swarm.ts: many WebSocket clients in one process, driven over HTTP. */
export class Swarm {
  private constructor(
    readonly control: string,
    readonly proc: ManagedProcess,
  ) {}

  static async start(index: number): Promise<Swarm> {
    const port = await freePort();
    const proc = await startScript(`swarm-${index}:${port}`, 'swarm.ts', [String(port)]);
    return new Swarm(`http://127.0.0.1:${port}`, proc);
  }

  private call<T>(method: string, params: unknown[] = [], timeoutMs = 10_000): Promise<T> {
    return jsonRpc<T>(this.control, method, params, { timeoutMs });
  }

  open(url: string, n: number) {
    return this.call<{ opened: number; failed: number; errors: string[]; ms: number }>(
      'swarm_open',
      [url, n],
      180_000,
    );
  }

  track(from: number, to: number): Promise<boolean> {
    return this.call('swarm_track', [from, to]);
  }

  wait(target: number, timeoutMs: number): Promise<SwarmStats> {
    return this.call('swarm_wait', [target, timeoutMs], timeoutMs + 10_000);
  }

  stats(): Promise<SwarmStats> {
    return this.call('swarm_stats');
  }

  close(): Promise<number> {
    return this.call('swarm_close');
  }
}

/** Resident set size in KiB. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
}

function softFileLimit(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  return Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? NaN);
}

/**
 * Raises a process's open-file limit to `wanted` with prlimit(1) when it is lower (root,
 * or a hard limit that allows it); returns the limit in force afterwards.
 */
export function raiseFileLimit(pid: number, wanted: number): number {
  if (softFileLimit(pid) >= wanted) return softFileLimit(pid);
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${wanted}:${wanted}`], {
      stdio: 'ignore',
      timeout: 5000,
    });
  } catch {
    // not allowed or no prlimit: the limit stays as it was
  }
  return softFileLimit(pid);
}

export { establishedOn as establishedTo } from '../../test/support/tcp';
