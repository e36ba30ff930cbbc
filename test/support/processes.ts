import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { LogBuffer } from './log-buffer';
import { WaitTimeoutError, sleep, waitFor, withTimeout } from './wait';

/**
 * Every child process the harness spawns goes through spawnManaged, which keeps
 * it in a registry so stopAll() (and the exit/signal hooks) can stop it by pid.
 */

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Lines of stdout+stderr kept (default 200). */
  readonly logLines?: number;
}

/** After SIGKILL a process is gone within milliseconds; this only bounds the wait. */
const KILL_WAIT_MS = 5000;
/** 'close' can lag 'exit' when a grandchild holds the pipes; do not wait for it forever. */
const CLOSE_AFTER_EXIT_MS = 1000;
/** Without /proc, how long freeze/thaw wait for the signal to take effect. */
const STATE_FALLBACK_MS = 20;

const registry = new Map<number, ManagedProcess>();

export class ManagedProcess {
  readonly pid: number;
  readonly logs: LogBuffer;
  /** Resolves once the process has exited (and its output was read). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private frozen = false;

  constructor(
    readonly name: string,
    child: ChildProcess,
    logLines: number,
  ) {
    if (child.pid === undefined) throw new Error(`${name}: spawn failed (no pid)`);
    this.pid = child.pid;
    this.logs = new LogBuffer(logLines);
    child.stdout
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => this.logs.write('stdout', chunk));
    child.stderr
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => this.logs.write('stderr', chunk));
    this.exited = new Promise<ExitInfo>((resolve) => {
      let closeTimer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(closeTimer);
        this.logs.end();
        registry.delete(this.pid);
        resolve(this.exitInfo ?? { code: null, signal: null });
      };
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        closeTimer = setTimeout(finish, CLOSE_AFTER_EXIT_MS);
      });
      child.once('close', finish);
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  get isFrozen(): boolean {
    return this.frozen && this.running;
  }

  /** Sends a signal if the process still runs; returns whether it was sent. */
  signal(sig: NodeJS.Signals): boolean {
    if (!this.running) return false;
    try {
      process.kill(this.pid, sig);
    } catch {
      return false;
    }
    if (sig === 'SIGSTOP') this.frozen = true;
    if (sig === 'SIGCONT') this.frozen = false;
    return true;
  }

  waitForExit(timeoutMs: number): Promise<ExitInfo> {
    return withTimeout(`${this.name} (pid ${this.pid}) to exit`, this.exited, timeoutMs);
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited after graceMs. SIGCONT first: a
   * stopped process (ours, or `kill -STOP` by hand) would not act on SIGTERM.
   */
  async stop(graceMs = 5000): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    try {
      return await this.waitForExit(graceMs);
    } catch (err) {
      if (!(err instanceof WaitTimeoutError)) throw err;
      return this.kill();
    }
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<ExitInfo> {
    this.signal('SIGKILL');
    return this.waitForExit(KILL_WAIT_MS);
  }

  /** Resolves with the first line (already written or future) matching pattern. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.logs.lines().find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    let unsubscribe = (): void => undefined;
    const found = new Promise<string>((resolve) => {
      const off = this.logs.onLine((line) => {
        if (pattern.test(line)) resolve(line);
      });
      unsubscribe = () => void off();
    });
    const what = `${this.name} (pid ${this.pid}) to log a line matching ${String(pattern)}`;
    return withTimeout(what, found, timeoutMs).finally(unsubscribe);
  }

  /** A failure description: name, pid, exit status and the last log lines. */
  describe(lines = 40): string {
    const status = this.exitInfo
      ? `exited (code ${String(this.exitInfo.code)}, signal ${String(this.exitInfo.signal)})`
      : 'running';
    return `${this.name} (pid ${this.pid}) ${status}; last output:\n${this.logs.tail(lines)}`;
  }

  /** SIGSTOP, resolved once the kernel shows the process stopped: it then answers nothing. */
  async freeze(): Promise<void> {
    if (!this.signal('SIGSTOP')) throw new Error(`${this.name} (pid ${this.pid}) is not running`);
    await waitForState(this, true);
  }

  /** SIGCONT, resolved once the process runs again. */
  async thaw(): Promise<void> {
    if (!this.signal('SIGCONT')) return;
    await waitForState(this, false);
  }

  /** Sync kill for the exit hook: nothing can be awaited there. */
  killSync(): void {
    this.signal('SIGCONT');
    this.signal('SIGKILL');
  }
}

/** Linux: whether every thread of pid is stopped ('T' in /proc); undefined without /proc. */
function allThreadsStopped(pid: number): boolean | undefined {
  try {
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      return stat.slice(close + 2, close + 3) === 'T';
    });
  } catch {
    return undefined;
  }
}

/** Signal delivery is asynchronous: wait until the stop (or continue) has taken effect. */
async function waitForState(p: ManagedProcess, stopped: boolean): Promise<void> {
  if (allThreadsStopped(p.pid) === undefined) {
    await sleep(STATE_FALLBACK_MS);
    return;
  }
  await waitFor(
    `${p.name} (pid ${p.pid}) to be ${stopped ? 'stopped' : 'running'}`,
    () => (!p.running || allThreadsStopped(p.pid) === stopped ? true : undefined),
    { timeoutMs: 2000, intervalMs: 2 },
  );
}

/** Spawns a registered child process (never detached) with piped, captured output. */
export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ManagedProcess {
  installHooks();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Spawn errors (ENOENT, EACCES) are emitted later: keep them from crashing the process.
  child.once('error', () => undefined);
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  const managed = new ManagedProcess(name, child, options.logLines ?? 200);
  registry.set(managed.pid, managed);
  return managed;
}

export function runningProcesses(): readonly ManagedProcess[] {
  return [...registry.values()];
}

/** Stops every registered process (SIGTERM, SIGKILL after graceMs), all in parallel. */
export async function stopAll(graceMs = 5000): Promise<void> {
  await Promise.allSettled(runningProcesses().map((p) => p.stop(graceMs)));
}

export function killAllSync(): void {
  for (const p of registry.values()) p.killSync();
}

let hooksInstalled = false;
let stopping = false;

/**
 * On exit: SIGKILL whatever is left. On SIGINT/SIGTERM, when nobody else handles
 * the signal (the demo does), stop the children and exit as the signal would have.
 */
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const handler = (): void => {
      if (process.listenerCount(sig) > 1) return;
      const exitCode = 128 + constants.signals[sig];
      if (stopping) process.exit(exitCode);
      stopping = true;
      void stopAll(3000).finally(() => process.exit(exitCode));
    };
    process.on(sig, handler);
  }
}
