import { type AnvilNode } from './anvil-node';
import { toHex } from './json-rpc';
import { waitFor } from './wait';

/**
 * The network behind a fleet of anvils on one chain (startSameChainCluster): every
 * intervalMs the chain grows by one block and every live node (running, not frozen) is
 * mined up to it, so that all of them hold the same blocks. A node that was frozen,
 * killed or restarted catches up at the next tick, as a node syncing after an outage;
 * a node held back stays that many blocks behind. Whatever changes the fleet (freeze,
 * kill, restart, reorg, transactions) goes through `exclusive`, between two ticks, so
 * that no node is changed halfway through one.
 */

export interface BlockMinerOptions {
  readonly intervalMs: number;
  /** Every node call of a tick is bounded by this (default 2 s). */
  readonly callTimeoutMs?: number;
}

/** A transaction to sign once and send to every node (from an unlocked dev account). */
export interface TxRequest {
  readonly from: string;
  readonly to?: string;
  readonly data?: string;
  readonly value?: string;
  readonly gas?: string;
}

/** One transaction of a reorg's new blocks: [request, index of the new block (0 first)]. */
export type ReorgTx = readonly [TxRequest & { readonly nonce: string }, number];

const DEFAULT_GAS = '0x100000';

export class BlockMiner {
  /** The network's height: what every live node not held back is mined up to. */
  height: number;
  /** Ticks that failed on some node (the message of each). */
  readonly errors: string[] = [];
  private readonly behind = new Map<AnvilNode, number>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private paused = false;
  private blockTxs: (() => readonly TxRequest[]) | undefined;

  private constructor(
    private readonly nodes: () => readonly AnvilNode[],
    private readonly options: BlockMinerOptions,
    height: number,
  ) {
    this.height = height;
  }

  /** Starts ticking from the highest node's height. */
  static async start(
    nodes: () => readonly AnvilNode[],
    options: BlockMinerOptions,
  ): Promise<BlockMiner> {
    const heights = await Promise.all(nodes().map((n) => n.blockNumber()));
    const miner = new BlockMiner(nodes, options, Math.max(0, ...heights));
    miner.schedule();
    return miner;
  }

  /** Nodes that can be mined now: running and not frozen. */
  live(): AnvilNode[] {
    return this.nodes().filter((n) => n.running && !n.process.isFrozen);
  }

  /** Runs fn between two ticks (ticks wait for it). */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Keeps node `blocks` behind the network from the next tick on (0: follows it again). */
  holdBack(node: AnvilNode, blocks: number): void {
    if (blocks > 0) this.behind.set(node, blocks);
    else this.behind.delete(node);
  }

  /** No blocks on the schedule until resume() (mineNow and reorg still work). */
  pause(): Promise<void> {
    return this.exclusive(() => {
      this.paused = true;
    });
  }

  resume(): void {
    this.paused = false;
  }

  /** Every block of the schedule from now on carries these txs (undefined: none). */
  carry(txs: (() => readonly TxRequest[]) | undefined): void {
    this.blockTxs = txs;
  }

  /** Mines one block at once (with txs, sent to every live node first), off the schedule. */
  mineNow(txs: readonly TxRequest[] = []): Promise<number> {
    return this.exclusive(async () => {
      for (const tx of txs) await this.send(tx);
      return this.grow();
    });
  }

  /**
   * Signs tx once (eth_signTransaction on a live node) and sends the raw transaction to
   * every live node, so their next blocks stay identical. Every running node must be
   * live and follow the network (a node that misses it would fork). Returns its hash.
   */
  sendToAll(tx: TxRequest): Promise<string> {
    return this.exclusive(() => this.send(tx));
  }

  /**
   * Replaces the last `depth` blocks on every node alike (anvil_reorg). The new blocks
   * carry the txs that `txs` builds from the fork point (nonces must be those of the fork
   * point's state: see nonceAt). The new blocks have the fork point's timestamp, so every
   * node gets the same hashes; a reorg without txs of the same depth twice would make the
   * same blocks again. Resolves with the fork point (the last block kept).
   */
  reorg(
    depth: number,
    txs: (forkPoint: number) => Promise<readonly ReorgTx[]> | readonly ReorgTx[] = () => [],
  ): Promise<number> {
    return this.exclusive(async () => {
      const nodes = this.requireInStep('reorg');
      await this.sync();
      const forkPoint = this.height - depth;
      const params = [depth, await txs(forkPoint)];
      await Promise.all(nodes.map((n) => n.rpc('anvil_reorg', params, 10_000)));
      const heads = await Promise.all(nodes.map((n) => headHash(n)));
      if (new Set(heads).size !== 1) throw new Error(`nodes differ after the reorg: ${heads}`);
      return forkPoint;
    });
  }

  /** Nonce of `from` at block `height` (for the txs of a reorg from there). */
  async nonceAt(from: string, height: number): Promise<number> {
    const [node] = this.live();
    if (!node) throw new Error('no live node');
    return Number(await node.rpc<string>('eth_getTransactionCount', [from, toHex(height)]));
  }

  /** Resolves once the network has reached height (ticks go on meanwhile). */
  async waitForHeight(height: number, timeoutMs: number): Promise<number> {
    return waitFor(
      `the network at block ${height}`,
      () => (this.height >= height ? this.height : undefined),
      {
        timeoutMs,
        intervalMs: 20,
      },
    );
  }

  /** No more ticks; resolves when the current one (or an exclusive run) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queue;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.exclusive(async () => {
        if (this.stopped || this.paused) return;
        try {
          for (const tx of this.blockTxs?.() ?? []) await this.send(tx);
          await this.grow();
        } catch (err) {
          this.errors.push(String(err));
        }
      }).finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** One block more: every live node is mined, then the network's height is raised. */
  private async grow(): Promise<number> {
    await this.sync(this.height + 1);
    this.height += 1;
    return this.height;
  }

  /** Mines every live node up to height (less its hold-back). */
  private async sync(height = this.height): Promise<void> {
    const timeoutMs = this.options.callTimeoutMs ?? 2000;
    const results = await Promise.allSettled(
      this.live().map(async (node) => {
        const target = height - (this.behind.get(node) ?? 0);
        const current = Number(await node.rpc<string>('eth_blockNumber', [], timeoutMs));
        if (current < target) await node.mine(target - current);
      }),
    );
    for (const r of results) {
      if (r.status === 'rejected') this.errors.push(String(r.reason));
    }
  }

  private async send(tx: TxRequest): Promise<string> {
    const nodes = this.requireInStep('send a transaction');
    await this.sync();
    const [signer] = nodes;
    const nonce = await signer.rpc<string>('eth_getTransactionCount', [tx.from, 'pending']);
    const raw = await signer.rpc<string>('eth_signTransaction', [
      { gas: DEFAULT_GAS, ...tx, nonce },
    ]);
    const hashes = await Promise.all(
      nodes.map((n) => n.rpc<string>('eth_sendRawTransaction', [raw])),
    );
    return hashes[0];
  }

  private requireInStep(what: string): AnvilNode[] {
    const nodes = this.nodes().filter((n) => n.running);
    const out = nodes.filter((n) => n.process.isFrozen || this.behind.has(n));
    if (out.length > 0) {
      throw new Error(`cannot ${what} while a node is frozen or held back (${out.length})`);
    }
    if (nodes.length === 0) throw new Error(`cannot ${what}: no node runs`);
    return nodes;
  }
}

async function headHash(node: AnvilNode): Promise<string> {
  return (await node.rpc<{ hash: string }>('eth_getBlockByNumber', ['latest', false])).hash;
}
