import { Given, Then, When } from '@cucumber/cucumber';
import {
  AnvilNode,
  BlockMiner,
  httpRequest,
  mineInStep,
  startSameChainCluster,
} from '../../test/support';
import { sharedBeacon } from '../support/beacons';
import { type Status, type VixyWorld } from '../support/world';

// Generic steps shared by every feature: the devnet, Vixy, node faults, /status.
// EL nodes get their own chain id (primaries 1001.., backups 2001..), so that
// eth_chainId tells which node served a request; or, "on one chain", they are one
// chain mined in step by the world's miner (then the metrics tell who served).

async function startEl(world: VixyWorld, primaries: number, backups: number, blockTime?: number) {
  const start = (chainId: number) =>
    AnvilNode.start(blockTime === undefined ? { chainId } : { chainId, blockTime });
  const nodes = await Promise.all([
    ...Array.from({ length: primaries }, (_, i) => start(1001 + i)),
    ...Array.from({ length: backups }, (_, i) => start(2001 + i)),
  ]);
  world.primaries = nodes.slice(0, primaries);
  world.backups = nodes.slice(primaries);
}

/** Blocks a same-chain fleet starts with: a head below which a node can lag. */
const PREMINED_BLOCKS = 10;

/** Nodes of one chain; the miner mines a block on every live node every intervalMs. */
async function startSameChain(
  world: VixyWorld,
  primaries: number,
  backups: number,
  intervalMs: number,
) {
  const nodes = await startSameChainCluster(primaries + backups);
  world.primaries = nodes.slice(0, primaries);
  world.backups = nodes.slice(primaries);
  await mineInStep(nodes, PREMINED_BLOCKS);
  world.miner = await BlockMiner.start(() => [...world.elNodes().values()], { intervalMs });
}

Given(
  '{int} primary EL node(s) and {int} backup EL node(s) on one chain mining every {int} ms',
  async function (this: VixyWorld, primaries: number, backups: number, ms: number) {
    await startSameChain(this, primaries, backups, ms);
  },
);

Given(
  '{int} primary EL node(s) and {int} backup EL node(s) on one chain mining every {int} second(s)',
  async function (this: VixyWorld, primaries: number, backups: number, seconds: number) {
    await startSameChain(this, primaries, backups, seconds * 1000);
  },
);

Given('{int} primary EL node(s)', async function (this: VixyWorld, n: number) {
  await startEl(this, n, 0);
});

Given(
  '{int} primary EL node(s) and {int} backup EL node(s)',
  async function (this: VixyWorld, primaries: number, backups: number) {
    await startEl(this, primaries, backups);
  },
);

Given(
  '{int} primary EL node(s) and {int} backup EL node(s) mining every {int} second(s)',
  async function (this: VixyWorld, primaries: number, backups: number, seconds: number) {
    await startEl(this, primaries, backups, seconds);
  },
);

Given('a beacon node', async function (this: VixyWorld) {
  const node = await sharedBeacon();
  this.beacons.push({ name: `cl-${this.beacons.length + 1}`, url: node.url });
});

Given('Vixy is running in front of them', async function (this: VixyWorld) {
  await this.startVixy();
  const el = this.elNodes().size;
  const cl = this.beacons.length;
  await this.waitForStatus(`${el} EL and ${cl} CL nodes healthy`, 20, (s) => {
    const elUp = s.el_nodes.filter((n) => n.is_healthy).length;
    const clUp = s.cl_nodes.filter((n) => n.is_healthy).length;
    return elUp === el && clUp === cl;
  });
});

When('EL node {string} is killed', async function (this: VixyWorld, name: string) {
  await this.atRest(() => this.elNode(name).kill());
});

When('EL node {string} is frozen', async function (this: VixyWorld, name: string) {
  await this.atRest(() => this.elNode(name).freeze());
});

When('EL node {string} is thawed', async function (this: VixyWorld, name: string) {
  await this.atRest(() => this.elNode(name).thaw());
});

/** Restarted on the same port and mined back up to the others' height (the same blocks). */
When('EL node {string} is restarted', async function (this: VixyWorld, name: string) {
  const node = this.elNode(name);
  const others = [...this.elNodes().values()].filter((n) => n !== node && n.running);
  await this.atRest(async () => {
    const heights = await Promise.all(others.map((n) => n.blockNumber()));
    await node.restart({ catchUpTo: Math.max(0, ...heights) });
  });
});

When(
  'EL node {string} falls {int} blocks behind',
  async function (this: VixyWorld, name: string, blocks: number) {
    const node = this.elNode(name);
    const miner = this.miner;
    if (miner) {
      miner.holdBack(node, blocks);
      await miner.waitForHeight((await node.blockNumber()) + blocks, blocks * 5000);
      return;
    }
    const others = [...this.elNodes().values()].filter((n) => n !== node && n.running);
    await Promise.all(others.map((n) => n.mine(blocks)));
  },
);

When('EL node {string} catches up', async function (this: VixyWorld, name: string) {
  const node = this.elNode(name);
  const miner = this.miner;
  if (miner) {
    miner.holdBack(node, 0);
    await miner.waitForHeight(miner.height + 1, 10_000);
    return;
  }
  const others = [...this.elNodes().values()].filter((n) => n !== node && n.running);
  const target = Math.max(...(await Promise.all(others.map((n) => n.blockNumber()))));
  const missing = target - (await node.blockNumber());
  if (missing > 0) await node.mine(missing);
});

function elState(status: Status, name: string) {
  const node = status.el_nodes.find((n) => n.name === name);
  if (!node) throw new Error(`/status has no EL node ${name}`);
  return node;
}

Then(
  'within {int} second(s) EL node {string} is {word}',
  async function (this: VixyWorld, seconds: number, name: string, state: string) {
    const healthy = parseState(state);
    await this.waitForStatus(
      `EL node ${name} ${state}`,
      seconds,
      (s) => elState(s, name).is_healthy === healthy,
    );
  },
);

Then(
  'within {int} second(s) CL node {string} is {word}',
  async function (this: VixyWorld, seconds: number, name: string, state: string) {
    const healthy = parseState(state);
    await this.waitForStatus(`CL node ${name} ${state}`, seconds, (s) =>
      s.cl_nodes.some((n) => n.name === name && n.is_healthy === healthy),
    );
  },
);

Then(
  'within {int} second(s) EL failover is {word}',
  async function (this: VixyWorld, seconds: number, state: string) {
    if (state !== 'active' && state !== 'inactive')
      throw new Error(`active or inactive, not ${state}`);
    const active = state === 'active';
    await this.waitForStatus(
      `EL failover ${state}`,
      seconds,
      (s) => s.el_failover_active === active,
    );
  },
);

Then('GET {string} answers {int}', async function (this: VixyWorld, path: string, status: number) {
  const res = await httpRequest(this.requireVixy().url(path), { timeoutMs: 5000 });
  if (res.status !== status) {
    throw new Error(
      `GET ${path}: expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`,
    );
  }
});

function parseState(state: string): boolean {
  if (state === 'healthy') return true;
  if (state === 'unhealthy') return false;
  throw new Error(`healthy or unhealthy, not ${state}`);
}
