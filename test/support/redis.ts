import { connect } from 'node:net';
import { freePort } from './ports';
import { type ExitInfo, type ManagedProcess, spawnManaged } from './processes';
import { ensureRedisInstalled } from './redis-install';
import { waitFor } from './wait';

export { ensureRedisInstalled, redisServerBinary } from './redis-install';

export interface RedisOptions {
  /** Default: a free port. */
  readonly port?: number;
  /** `--requirepass`: clients must authenticate (the url then carries it). */
  readonly password?: string;
  /** More redis-server arguments, appended as given. */
  readonly extraArgs?: readonly string[];
  /** Default 10 s. */
  readonly readyTimeoutMs?: number;
}

const READY_TIMEOUT_MS = 10_000;
const READY_POLL_MS = 20;
const PORT_RACE_RETRIES = 3;

/**
 * One redis-server on 127.0.0.1, in the foreground, without persistence (no RDB
 * snapshots, no AOF): nothing is written to disk and every start is empty. Stopped by
 * pid like the other nodes of the harness; installed with apt-get when missing.
 */
export class RedisServer {
  readonly url: string;
  private proc: ManagedProcess;
  private restarts = 0;

  private constructor(
    readonly port: number,
    private readonly binary: string,
    private readonly options: RedisOptions,
    proc: ManagedProcess,
  ) {
    const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
    this.url = `redis://${auth}127.0.0.1:${port}`;
    this.proc = proc;
  }

  static async start(options: RedisOptions = {}): Promise<RedisServer> {
    const binary = await ensureRedisInstalled();
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const server = new RedisServer(
        port,
        binary,
        options,
        RedisServer.spawn(binary, port, options, 0),
      );
      try {
        await server.waitReady();
        return server;
      } catch (err) {
        // Exited on its own on a port we picked: another process may have taken it.
        const portRace = options.port === undefined && !server.running;
        await server.kill();
        if (!portRace || attempt >= PORT_RACE_RETRIES) throw err;
      }
    }
  }

  private static spawn(
    binary: string,
    port: number,
    options: RedisOptions,
    generation: number,
  ): ManagedProcess {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    if (options.password !== undefined) args.push('--requirepass', options.password);
    args.push(...(options.extraArgs ?? []));
    const suffix = generation > 0 ? `#${generation}` : '';
    return spawnManaged(`redis:${port}${suffix}`, binary, args);
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

  logs(): string {
    return this.proc.logs.text();
  }

  /** One command over a fresh connection (RESP), answered as text; for tests and readiness. */
  command(args: readonly string[], timeoutMs = 2000): Promise<string> {
    return respCommand(this.port, args, timeoutMs, this.options.password);
  }

  /** SIGSTOP: connections stay open, nothing is answered (a hung Redis). */
  freeze(): Promise<void> {
    return this.proc.freeze();
  }

  thaw(): Promise<void> {
    return this.proc.thaw();
  }

  /** SIGKILL and wait for the exit. */
  kill(): Promise<ExitInfo> {
    return this.proc.kill();
  }

  /** SIGTERM and wait (SIGKILL after graceMs). */
  stop(graceMs = 3000): Promise<ExitInfo> {
    return this.proc.stop(graceMs);
  }

  /** Starts redis-server again on the same port (empty), stopping it first if it runs. */
  async restart(): Promise<void> {
    if (this.proc.running) await this.kill();
    this.proc = RedisServer.spawn(this.binary, this.port, this.options, ++this.restarts);
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const proc = this.proc;
    await waitFor(
      `${proc.name} (pid ${proc.pid}) to answer PING`,
      async () => ((await this.command(['PING'], 500)) === 'PONG' ? true : undefined),
      {
        timeoutMs: this.options.readyTimeoutMs ?? READY_TIMEOUT_MS,
        intervalMs: READY_POLL_MS,
        abortIf: () => (proc.running ? undefined : proc.describe()),
      },
    );
  }
}

/** Sends one RESP command (after AUTH when a password is given) and returns its reply as text. */
function respCommand(
  port: number,
  args: readonly string[],
  timeoutMs: number,
  password?: string,
): Promise<string> {
  const commands = password === undefined ? [args] : [['AUTH', password], args];
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis:${port} did not answer ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err: Error | null, value?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    };
    socket.once('error', (err) => done(err));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const replies = parseReplies(received);
      const failed = replies.find((r): r is Error => r instanceof Error);
      if (failed !== undefined) done(failed);
      else if (replies.length === commands.length)
        done(null, replies[replies.length - 1] as string);
    });
    socket.write(commands.map(frame).join(''));
  });
}

function frame(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * The complete replies in `text`: simple and bulk strings, integers and errors (enough
 * for PING, GET, SET, INFO, CLIENT LIST); an array reply reads as its header.
 */
function parseReplies(text: string): (string | Error)[] {
  const replies: (string | Error)[] = [];
  let rest = Buffer.from(text, 'utf8');
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return replies;
    const head = rest.subarray(1, eol).toString('utf8');
    const type = String.fromCharCode(rest[0]);
    if (type === '$' && Number(head) >= 0) {
      const length = Number(head);
      if (rest.length < eol + 2 + length + 2) return replies;
      replies.push(rest.subarray(eol + 2, eol + 2 + length).toString('utf8'));
      rest = rest.subarray(eol + 2 + length + 2);
      continue;
    }
    replies.push(
      type === '-'
        ? new Error(head)
        : type === '$'
          ? ''
          : type === '*'
            ? rest.subarray(0, eol).toString('utf8')
            : head,
    );
    rest = rest.subarray(eol + 2);
  }
}
