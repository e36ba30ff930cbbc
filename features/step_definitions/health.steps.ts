import { AfterAll, Given, Then, When } from '@cucumber/cucumber';
import { httpRequest, LodestarNode, waitFor, logLineMatches } from '../../test/support';
import { sharedBeacon } from '../support/beacons';
import { type Status, type VixyWorld } from '../support/world';

// Steps of features/health.feature: what /status says about a node, readiness over
// time, the transition logs, and the Lodestar nodes only this feature needs.

/** A Lodestar node on the shared beacon's chain, never connected to it: stuck at genesis. */
let peerless: Promise<LodestarNode> | undefined;

function peerlessBeacon(): Promise<LodestarNode> {
  peerless ??= sharedBeacon().then((leader) =>
    LodestarNode.start({ validators: false, genesisTime: leader.genesisTime }),
  );
  return peerless;
}

AfterAll(async function () {
  const node = peerless;
  peerless = undefined;
  if (node) await (await node.catch(() => undefined))?.stop();
});

/** Beacon nodes a scenario started itself, by their CL name (stopped by the world after it). */
const ownBeacons = new WeakMap<VixyWorld, Map<string, LodestarNode>>();

function addBeacon(world: VixyWorld, url: string): string {
  const name = `cl-${world.beacons.length + 1}`;
  world.beacons.push({ name, url });
  return name;
}

Given('a peerless beacon node on the same chain', async function (this: VixyWorld) {
  addBeacon(this, (await peerlessBeacon()).url);
});

Given('a beacon node of its own', async function (this: VixyWorld) {
  const node = this.own(await LodestarNode.start({ validators: true }));
  const name = addBeacon(this, node.url);
  const mine = ownBeacons.get(this) ?? new Map<string, LodestarNode>();
  mine.set(name, node);
  ownBeacons.set(this, mine);
});

Given('Vixy is started without waiting for the nodes', async function (this: VixyWorld) {
  await this.startVixy();
});

When('beacon node {string} is stopped', async function (this: VixyWorld, name: string) {
  const node = ownBeacons.get(this)?.get(name);
  if (!node) throw new Error(`beacon node ${name} was not started by this scenario`);
  await node.stop();
});

type NodeStatus = Status['el_nodes'][number] | Status['cl_nodes'][number];

function nodeOf(status: Status, layer: string, name: string): NodeStatus {
  const nodes: readonly NodeStatus[] =
    layer === 'EL' ? status.el_nodes : layer === 'CL' ? status.cl_nodes : [];
  const node = nodes.find((n) => n.name === name);
  if (!node) throw new Error(`/status has no ${layer} node ${name}: ${JSON.stringify(status)}`);
  return node;
}

function expectEqual(what: string, actual: unknown, expected: unknown, status: unknown): void {
  if (actual !== expected) {
    throw new Error(
      `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}\n` +
        `/status: ${JSON.stringify(status)}`,
    );
  }
}

Then(
  /^(EL|CL) node "([^"]+)" shows lag (\d+) and last error "(.*)"$/,
  async function (this: VixyWorld, layer: string, name: string, lag: string, error: string) {
    const status = await this.status();
    const node = nodeOf(status, layer, name);
    expectEqual(`${name} lag`, node.lag, Number(lag), status);
    expectEqual(`${name} last_error`, node.last_error, error, status);
  },
);

Then(
  /^(EL|CL) node "([^"]+)" shows lag (\d+) and no last error$/,
  async function (this: VixyWorld, layer: string, name: string, lag: string) {
    const status = await this.status();
    const node = nodeOf(status, layer, name);
    expectEqual(`${name} lag`, node.lag, Number(lag), status);
    expectEqual(`${name} last_error`, node.last_error, null, status);
  },
);

Then(
  /^the last error of (EL|CL) node "([^"]+)" starts with "(.*)"$/,
  async function (this: VixyWorld, layer: string, name: string, prefix: string) {
    const status = await this.status();
    const error = nodeOf(status, layer, name).last_error;
    if (typeof error !== 'string' || !error.startsWith(prefix)) {
      throw new Error(
        `${name} last_error ${JSON.stringify(error)} does not start with "${prefix}"`,
      );
    }
  },
);

Then(
  'within {int} second(s) the slot of CL node {string} advances',
  async function (this: VixyWorld, seconds: number, name: string) {
    const slotOf = (s: Status) => nodeOf(s, 'CL', name) as Status['cl_nodes'][number];
    const first = slotOf(await this.status()).slot;
    if (first === null) throw new Error(`CL node ${name} has no slot yet`);
    await this.waitForStatus(`CL node ${name} past slot ${first}`, seconds, (s) => {
      const node = slotOf(s);
      return node.slot !== null && node.slot > first && node.is_healthy;
    });
  },
);

Then(
  'within {int} second(s) CL node {string} shows slot {int} and a lag above {int}',
  async function (this: VixyWorld, seconds: number, name: string, slot: number, lag: number) {
    await this.waitForStatus(`CL node ${name} at slot ${slot}, lag > ${lag}`, seconds, (s) => {
      const node = nodeOf(s, 'CL', name) as Status['cl_nodes'][number];
      return node.slot === slot && node.lag !== null && node.lag > lag && !node.is_healthy;
    });
  },
);

Then(
  'within {int} second(s) the readiness probe answers {int}',
  async function (this: VixyWorld, seconds: number, expected: number) {
    const url = this.requireVixy().url('/health/ready');
    let last = '';
    try {
      await waitFor(
        `GET /health/ready to answer ${expected}`,
        async () => {
          const res = await httpRequest(url, { timeoutMs: 2000 });
          last = `${res.status} ${res.text}`;
          return res.status === expected ? true : undefined;
        },
        { timeoutMs: seconds * 1000, intervalMs: 100 },
      );
    } catch (err) {
      throw new Error(`${String(err)}\nlast answer: ${last}`, { cause: err });
    }
  },
);

function expectLogged(world: VixyWorld, message: string, fields: string, times: number): void {
  const lines = world
    .requireVixy()
    .logs()
    .split('\n')
    .filter((line) => logLineMatches(line, message, fields));
  if (lines.length !== times) {
    throw new Error(
      `expected ${times} log line(s) "${message}" with "${fields}", found ${lines.length}:\n${lines.join('\n')}`,
    );
  }
}

Then('Vixy logged {string} once', function (this: VixyWorld, message: string) {
  expectLogged(this, message, '', 1);
});

Then(
  'Vixy logged {string} with {string} once',
  function (this: VixyWorld, message: string, fields: string) {
    expectLogged(this, message, fields, 1);
  },
);

Then(
  'Vixy logged {string} with {string} {int} times',
  function (this: VixyWorld, message: string, fields: string, times: number) {
    expectLogged(this, message, fields, times);
  },
);
