import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AnvilNode,
  type LodestarNode,
  mineInStep,
  startSameChainCluster,
} from '../../test/support';

// The devnet of the chaos and soak runs: anvil EL nodes of one chain kept in step by a
// miner (one block a second), and a fault driver that kills, restarts, freezes and lags
// one EL node at a time (so two of three stay healthy) and freezes the Lodestar follower
// (the validating node stays healthy).

type ElState = 'ok' | 'down' | 'frozen' | 'lagging';

export class ElFleet {
  readonly states: ElState[];
  height = 0;
  readonly faults: Record<string, number> = { kill: 0, freeze: 0, lag: 0, 'cl-freeze': 0 };
  private mining = true;
  private miner: Promise<void> = Promise.resolve();

  private constructor(readonly nodes: AnvilNode[]) {
    this.states = nodes.map(() => 'ok');
  }

  static async start(n: number): Promise<ElFleet> {
    const nodes = await startSameChainCluster(n, { number: 0 });
    const fleet = new ElFleet(nodes);
    await mineInStep(nodes, 1);
    fleet.height = await nodes[0].blockNumber();
    fleet.miner = fleet.mine();
    return fleet;
  }

  /** One block a second on every node in state ok; a node behind is mined up first. */
  private async mine(): Promise<void> {
    while (this.mining) {
      await sleep(1000);
      this.height += 1;
      await Promise.allSettled(
        this.nodes.map(async (node, i) => {
          if (this.states[i] !== 'ok') return;
          const missing = this.height - (await node.blockNumber());
          if (missing > 0) await node.mine(missing);
        }),
      );
    }
  }

  /** Faults on EL (and CL follower) nodes, one at a time per layer, until `running()` is false. */
  async drive(running: () => boolean, clFollower: LodestarNode | null): Promise<void> {
    const el = async () => {
      while (running()) {
        const i = Math.floor(Math.random() * this.nodes.length);
        const node = this.nodes[i];
        const hold = 3000 + Math.random() * 4000;
        const kind = (['kill', 'freeze', 'lag'] as const)[Math.floor(Math.random() * 3)];
        this.faults[kind] += 1;
        if (kind === 'kill') {
          this.states[i] = 'down';
          await node.kill();
          await sleep(hold);
          await node.restart(); // from genesis: the miner catches it up
          this.states[i] = 'ok';
        } else if (kind === 'freeze') {
          this.states[i] = 'frozen';
          await node.freeze();
          await sleep(hold);
          await node.thaw();
          this.states[i] = 'ok';
        } else {
          this.states[i] = 'lagging';
          await sleep(hold + 5000); // more than max_el_lag_blocks at a block a second
          this.states[i] = 'ok';
        }
        await sleep(2000);
      }
    };
    const cl = async () => {
      while (clFollower && running()) {
        await sleep(4000 + Math.random() * 3000);
        if (!running()) break;
        this.faults['cl-freeze'] += 1;
        await clFollower.freeze();
        await sleep(3000 + Math.random() * 3000);
        await clFollower.thaw();
      }
    };
    await Promise.all([el(), cl()]);
  }

  /** Waits until every node is back and mined up to the fleet's height. */
  async settle(): Promise<void> {
    await sleep(2500);
  }

  async stop(): Promise<void> {
    this.mining = false;
    await this.miner;
    await Promise.allSettled(this.nodes.map((n) => n.kill()));
  }
}
