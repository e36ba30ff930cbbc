import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Agent } from 'undici';
import { httpRequest, newDispatcher } from './http';
import type { LineListener } from './log-buffer';
import { freePort } from './ports';
import { type ExitInfo, type ManagedProcess, spawnManaged } from './processes';
import { removeTempDir } from './tempdirs';
import { type VixyConfigInput, writeConfigFile } from './vixy-config';
import { waitFor } from './wait';

export {
  FAST_HEALTH_CHECKS,
  renderConfig,
  writeConfigFile,
  type ClNodeSpec,
  type ElEndpoint,
  type ElNodeInput,
  type ElNodeSpec,
  type TomlTable,
  type TomlValue,
  type VixyConfigInput,
} from './vixy-config';

export const REPO_ROOT = resolve(__dirname, '..', '..');
const READY_TIMEOUT_MS = 15_000;
/** Above the default [server].shutdown_grace_ms (10 s). */
const STOP_GRACE_MS = 15_000;

/** dist/main.js, or a clear error when the build is missing. */
export function vixyEntry(): string {
  const entry = resolve(REPO_ROOT, 'dist', 'main.js');
  if (!existsSync(entry)) {
    throw new Error(
      `${entry} does not exist: run \`npm run build\` before the tests that start Vixy`,
    );
  }
  return entry;
}

export interface VixyStartOptions {
  /** TOML text, or the input of renderConfig. */
  readonly config: string | VixyConfigInput;
  /** Write the config to this file (kept after stop) instead of a temp dir. */
  readonly configFile?: string;
  /** host:port for --listen; default 127.0.0.1 and a free port. */
  readonly listen?: string;
  /** Added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** More command-line arguments after --config and --listen. */
  readonly args?: readonly string[];
  /** Wait until GET /health answers 200 (default true). */
  readonly waitReady?: boolean;
  readonly readyTimeoutMs?: number;
  /** Log lines kept for logs() (default 5000). */
  readonly logLines?: number;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const port = Number(listen.slice(at + 1));
  if (at < 0 || !Number.isInteger(port))
    throw new Error(`listen: expected host:port, got ${listen}`);
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}

/** The built service (dist/main.js) as a child process. */
export class VixyProcess {
  readonly baseUrl: string;
  private readonly dispatcher: Agent = newDispatcher();

  private constructor(
    readonly port: number,
    host: string,
    readonly configPath: string,
    private readonly proc: ManagedProcess,
    private readonly ownsConfigDir: boolean,
  ) {
    const reachable =
      host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
    this.baseUrl = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  }

  static async start(options: VixyStartOptions): Promise<VixyProcess> {
    const entry = vixyEntry();
    const listen = options.listen ?? `127.0.0.1:${await freePort()}`;
    const { host, port } = splitListen(listen);
    const configPath = writeConfigFile(options.config, options.configFile);
    const args = [entry, '--config', configPath, '--listen', listen, ...(options.args ?? [])];
    const proc = spawnManaged(`vixy:${port}`, process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      logLines: options.logLines ?? 5000,
    });
    const vixy = new VixyProcess(port, host, configPath, proc, options.configFile === undefined);
    if (options.waitReady ?? true) {
      try {
        await vixy.waitReady(options.readyTimeoutMs ?? READY_TIMEOUT_MS);
      } catch (err) {
        await vixy.kill();
        throw err;
      }
    }
    return vixy;
  }

  /** Runs dist/main.js with args to completion (e.g. a bad config: exit 2). */
  static async run(
    args: readonly string[],
    options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
  ): Promise<RunResult> {
    const proc = spawnManaged('vixy (run)', process.execPath, [vixyEntry(), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      logLines: 5000,
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    proc.logs.onLine((line, stream) => (stream === 'stdout' ? stdout : stderr).push(line));
    try {
      const { code, signal } = await proc.waitForExit(options.timeoutMs ?? 10_000);
      return { code, signal, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
    } catch (err) {
      await proc.kill();
      throw new Error(`${String(err)}\n${proc.describe()}`, { cause: err });
    }
  }

  get pid(): number {
    return this.proc.pid;
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  get running(): boolean {
    return this.proc.running;
  }

  /** Resolves when the process has exited. */
  get exited(): Promise<ExitInfo> {
    return this.proc.exited;
  }

  url(path: string): string {
    return this.baseUrl + path;
  }

  /** Captured stdout+stderr (the last logLines lines). */
  logs(): string {
    return this.proc.logs.text();
  }

  onLine(listener: LineListener): () => void {
    return this.proc.logs.onLine(listener);
  }

  waitForLog(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return this.proc.waitForLine(pattern, timeoutMs);
  }

  signal(sig: NodeJS.Signals): boolean {
    return this.proc.signal(sig);
  }

  async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    await waitFor(
      `${this.proc.name} (pid ${this.pid}) to answer GET /health with 200`,
      async () => {
        const res = await httpRequest(this.url('/health'), {
          timeoutMs: 1000,
          dispatcher: this.dispatcher,
        });
        return res.status === 200 ? true : undefined;
      },
      {
        timeoutMs,
        intervalMs: 50,
        abortIf: () => (this.proc.running ? undefined : this.proc.describe()),
      },
    );
  }

  /** SIGTERM and wait (SIGKILL after graceMs); returns the exit code (null if killed). */
  async stop(graceMs = STOP_GRACE_MS): Promise<number | null> {
    return (await this.cleanUp(await this.proc.stop(graceMs))).code;
  }

  async kill(): Promise<ExitInfo> {
    return this.cleanUp(await this.proc.kill());
  }

  private async cleanUp(info: ExitInfo): Promise<ExitInfo> {
    await this.dispatcher.destroy().catch(() => undefined);
    if (this.ownsConfigDir) removeTempDir(dirname(this.configPath));
    return info;
  }
}
