import type { Agent } from 'undici';
import { anvilBinary } from './anvil-binary';
import { newDispatcher } from './http';
import { fromHex, jsonRpc, toHex } from './json-rpc';
import { freePort } from './ports';
import { type ExitInfo, type ManagedProcess, spawnManaged } from './processes';
import { waitFor } from './wait';

export interface AnvilOptions {
  /** Default 31337. */
  readonly chainId?: number;
  /** Interval mining every N seconds; without it anvil mines one block per transaction. */
  readonly blockTime?: number;
  /** Default: a free port. */
  readonly port?: number;
  /** Genesis block number (a realistic height without mining it). */
  readonly number?: number;
  /** Genesis timestamp (nodes on the same chain need the same one). */
  readonly timestamp?: number;
  /** Mine only on request (anvil_mine). */
  readonly noMining?: boolean;
  /**
   * With timestamp: mine() stamps the block after height h with timestamp +
   * interval * (h + 1), so nodes of one genesis mine identical blocks (same hashes).
   */
  readonly fixedBlockInterval?: number;
  /** More anvil flags, appended as given. */
  readonly extraArgs?: readonly string[];
  /** Default 10 s. */
  readonly readyTimeoutMs?: number;
}

export const DEFAULT_CHAIN_ID = 31337;
const READY_POLL_MS = 15;
const READY_TIMEOUT_MS = 10_000;
const PORT_RACE_RETRIES = 3;

/** One anvil EL node on 127.0.0.1 (HTTP and WebSocket on the same port). */
export class AnvilNode {
  readonly chainId: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  private proc: ManagedProcess;
  private dispatcher: Agent = newDispatcher();
  private restarts = 0;

  private constructor(
    readonly port: number,
    private readonly options: AnvilOptions,
    proc: ManagedProcess,
  ) {
    this.chainId = options.chainId ?? DEFAULT_CHAIN_ID;
    this.httpUrl = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
    this.proc = proc;
  }

  static async start(options: AnvilOptions = {}): Promise<AnvilNode> {
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const node = new AnvilNode(port, options, AnvilNode.spawn(port, options, 0));
      try {
        await node.waitReady();
        return node;
      } catch (err) {
        // Exiting on its own with a port we picked: another process may have taken it.
        const portRace = options.port === undefined && !node.running;
        await node.kill();
        if (!portRace || attempt >= PORT_RACE_RETRIES) throw err;
      }
    }
  }

  private static spawn(port: number, o: AnvilOptions, generation: number): ManagedProcess {
    const args = ['--host', '127.0.0.1', '--port', String(port)];
    args.push('--chain-id', String(o.chainId ?? DEFAULT_CHAIN_ID), '--silent');
    if (o.blockTime !== undefined) args.push('--block-time', String(o.blockTime));
    if (o.number !== undefined) args.push('--number', String(o.number));
    if (o.timestamp !== undefined) args.push('--timestamp', String(o.timestamp));
    if (o.noMining) args.push('--no-mining');
    args.push(...(o.extraArgs ?? []));
    const suffix = generation > 0 ? `#${generation}` : '';
    return spawnManaged(`anvil:${port}${suffix}`, anvilBinary(), args);
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

  /** A JSON-RPC call to this node; throws JsonRpcError on an error object. Default timeout 5 s. */
  rpc<T = unknown>(method: string, params: readonly unknown[] = [], timeoutMs = 5000): Promise<T> {
    return jsonRpc<T>(this.httpUrl, method, params, { timeoutMs, dispatcher: this.dispatcher });
  }

  async blockNumber(): Promise<number> {
    return fromHex(await this.rpc<string>('eth_blockNumber'));
  }

  /** Mines n blocks at once (one newHeads notification each). */
  async mine(n = 1): Promise<void> {
    const { timestamp, fixedBlockInterval: interval } = this.options;
    if (timestamp === undefined || interval === undefined) {
      await this.rpc('anvil_mine', [toHex(n)], 30_000);
      return;
    }
    const height = await this.blockNumber();
    await this.rpc('evm_setNextBlockTimestamp', [timestamp + interval * (height + 1)]);
    await this.rpc('anvil_mine', [toHex(n), toHex(interval)], 30_000);
  }

  /**
   * Another node started with this node's flags (the same genesis) on a free port, at
   * its genesis block: mined alike, it follows the same chain.
   */
  sibling(): Promise<AnvilNode> {
    return AnvilNode.start({ ...this.options, port: undefined });
  }

  /** 0 pauses interval mining, N mines a block every N seconds. */
  async setIntervalMining(seconds: number): Promise<void> {
    await this.rpc('evm_setIntervalMining', [seconds]);
  }

  async waitForBlock(height: number, timeoutMs = 10_000): Promise<number> {
    return waitFor(
      `${this.proc.name} to reach block ${height}`,
      async () => {
        const n = await this.blockNumber();
        return n >= height ? n : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  /** SIGSTOP: the node hangs (connections open, nothing answered). */
  freeze(): Promise<void> {
    return this.proc.freeze();
  }

  /** SIGCONT after freeze(). */
  thaw(): Promise<void> {
    return this.proc.thaw();
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<ExitInfo> {
    const info = await this.proc.kill();
    await this.resetDispatcher();
    return info;
  }

  /** SIGTERM and wait (SIGKILL after graceMs). */
  async stop(graceMs = 3000): Promise<ExitInfo> {
    const info = await this.proc.stop(graceMs);
    await this.resetDispatcher();
    return info;
  }

  /**
   * Starts anvil again on the same port with the same flags (stopping it first if
   * it still runs). It starts from genesis again: catchUpTo mines back to that height.
   */
  async restart(options: { catchUpTo?: number } = {}): Promise<void> {
    if (this.proc.running) await this.kill();
    this.proc = AnvilNode.spawn(this.port, this.options, ++this.restarts);
    await this.waitReady();
    if (options.catchUpTo !== undefined) {
      const missing = options.catchUpTo - (await this.blockNumber());
      if (missing > 0) await this.mine(missing);
    }
  }

  private async resetDispatcher(): Promise<void> {
    const old = this.dispatcher;
    this.dispatcher = newDispatcher();
    await old.destroy().catch(() => undefined);
  }

  private async waitReady(): Promise<void> {
    const proc = this.proc;
    await waitFor(
      `${proc.name} (pid ${proc.pid}) to answer eth_chainId`,
      async () => {
        const id = fromHex(await this.rpc<string>('eth_chainId', [], 1000));
        if (id !== this.chainId) {
          throw new Error(`port ${this.port} answered chain id ${id}, not ${this.chainId}`);
        }
        return true;
      },
      {
        timeoutMs: this.options.readyTimeoutMs ?? READY_TIMEOUT_MS,
        intervalMs: READY_POLL_MS,
        abortIf: () => (proc.running ? undefined : proc.describe()),
      },
    );
  }
}
