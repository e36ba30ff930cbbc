import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { Given, Then, When } from '@cucumber/cucumber';
import {
  type AnvilNode,
  type BlockMiner,
  DEV_ACCOUNT,
  deployLogEmitter,
  emitLogTx,
  httpJson,
  renderConfig,
  sleep,
  toHex,
  waitFor,
} from '../../test/support';
import { establishedOn } from '../../test/support/tcp';
import { WsFront } from '../../test/support/ws-front';
import { scrape } from '../support/node-metrics';
import { type VixyWorld } from '../support/world';
import { WsClient } from '../support/ws-client';
import { wsClient, wsState, wsUrl } from '../support/ws-state';

// Steps of features/subscriptions.feature: what clients of /el/ws and of filters on /el
// received, checked against the chain the nodes hold. The fleet is one chain mined in
// step by world.miner; which node serves a session is read from vixy_ws_upstream_node.

interface Block {
  readonly number: number;
  readonly hash: string;
  readonly parentHash: string;
}

/** The fields of a log that identify it and that Vixy must pass on as the node gives them. */
const LOG_FIELDS = [
  'address',
  'topics',
  'data',
  'blockNumber',
  'blockHash',
  'transactionHash',
  'transactionIndex',
  'logIndex',
  'removed',
] as const;
type Log = Record<(typeof LOG_FIELDS)[number], unknown>;

interface Poll {
  readonly at: number;
  readonly result?: unknown;
  readonly error?: string;
}

interface SubsState {
  contract?: string;
  fronts: Map<string, WsFront>;
  /** Blocks and logs of the chain the reorg replaced, and its fork point. */
  reorg?: { fork: number; oldBlocks: Map<number, string>; oldLogs: Log[] };
  filter?: { id: string; installedAt: number; polls: Poll[]; stop?: () => Promise<void> };
}

const states = new WeakMap<VixyWorld, SubsState>();

function subs(world: VixyWorld): SubsState {
  let state = states.get(world);
  if (!state) {
    state = { fronts: new Map() };
    states.set(world, state);
  }
  return state;
}

function miner(world: VixyWorld): BlockMiner {
  if (!world.miner) throw new Error('this scenario has no same-chain fleet mined in step');
  return world.miner;
}

function contract(world: VixyWorld): string {
  const address = subs(world).contract;
  if (!address) throw new Error('no contract deployed in this scenario');
  return address;
}

/** A node that answers now: the chain as the fleet holds it. */
function liveNode(world: VixyWorld): AnvilNode {
  const node = miner(world).live()[0];
  if (!node) throw new Error('no live EL node');
  return node;
}

async function canonical(
  world: VixyWorld,
  numbers: readonly number[],
): Promise<Map<number, string>> {
  const node = liveNode(world);
  const blocks = await Promise.all(
    numbers.map((n) =>
      node.rpc<{ hash: string } | null>('eth_getBlockByNumber', [toHex(n), false]),
    ),
  );
  return new Map(numbers.map((n, i) => [n, blocks[i]?.hash ?? 'missing']));
}

function pickLog(raw: Record<string, unknown>): Log {
  const log = {} as Log;
  for (const key of LOG_FIELDS) log[key] = raw[key] ?? (key === 'removed' ? false : undefined);
  return log;
}

async function chainLogs(world: VixyWorld, fromBlock: number): Promise<Log[]> {
  const logs = await liveNode(world).rpc<Record<string, unknown>[]>('eth_getLogs', [
    { fromBlock: toHex(fromBlock), toBlock: 'latest', address: contract(world) },
  ]);
  return logs.map(pickLog);
}

const logKey = (l: Log): string => `${Number(l.blockNumber)}/${Number(l.logIndex)}`;
const describeLogs = (logs: readonly Log[]): string =>
  logs.map((l) => `${logKey(l)}${l.removed ? ' removed' : ''}`).join(', ');

function blocksOf(world: VixyWorld, id: number): Block[] {
  const c = wsClient(world);
  return c.results(c.sub(id)).map((r) => ({
    number: Number(r.number),
    hash: String(r.hash),
    parentHash: String(r.parentHash),
  }));
}

const describeBlocks = (blocks: readonly Block[]): string =>
  blocks.map((b) => `${b.number}:${b.hash.slice(0, 8)}`).join(' ');

function assertOpen(world: VixyWorld): void {
  const code = wsClient(world).closeCode;
  if (code !== undefined) throw new Error(`Vixy closed the session with code ${code}`);
}

// ---- the fleet and the network -------------------------------------------------------

When('the network mines {int} block(s)', async function (this: VixyWorld, n: number) {
  const m = miner(this);
  await m.waitForHeight(m.height + n, n * 2000 + 5000);
});

When(
  'EL node {string} is frozen for {int} blocks',
  async function (this: VixyWorld, name: string, blocks: number) {
    const node = this.elNode(name);
    const m = miner(this);
    const from = await this.atRest(async () => {
      await node.freeze();
      return m.height;
    });
    await m.waitForHeight(from + blocks, blocks * 2000 + 5000);
    await this.atRest(() => node.thaw());
  },
);

When(
  'every EL node is frozen for {int} second(s)',
  async function (this: VixyWorld, seconds: number) {
    const nodes = [...this.elNodes().values()];
    await this.atRest(() => Promise.all(nodes.map((n) => n.freeze())));
    await sleep(seconds * 1000);
    await this.atRest(() => Promise.all(nodes.map((n) => n.thaw())));
  },
);

Given(
  'Vixy takes EL nodes up to {int} blocks behind as healthy',
  function (this: VixyWorld, blocks: number) {
    this.sections.global = { ...this.sections.global, max_el_lag_blocks: blocks };
  },
);

Given('Vixy routes EL requests round robin', function (this: VixyWorld) {
  this.sections.proxy = { ...this.sections.proxy, el_routing: 'round_robin' };
});

/** A sibling of the fleet mined to `behind` blocks below the network, held there. */
When(
  'a new EL node {int} blocks behind the others is added as {string} and Vixy gets SIGHUP',
  async function (this: VixyWorld, behind: number, name: string) {
    assert.equal(name, `el-primary-${this.primaries.length + 1}`, 'new primaries come last');
    const m = miner(this);
    const node = await this.primaries[0].sibling();
    await this.atRest(async () => {
      await node.mine(m.height - behind);
      m.holdBack(node, behind);
      this.primaries = [...this.primaries, node];
    });
    const vixy = this.requireVixy();
    writeFileSync(vixy.configPath, renderConfig(this.configInput()));
    assert.ok(vixy.signal('SIGHUP'), 'could not send SIGHUP');
    await vixy.waitForLog(/config reloaded/, 5000);
  },
);

Given('a contract that emits a log is deployed on every node', async function (this: VixyWorld) {
  subs(this).contract = await deployLogEmitter(miner(this));
});

When('every block carries a log of the contract', function (this: VixyWorld) {
  const tx = emitLogTx(contract(this));
  miner(this).carry(() => [tx]);
});

When('blocks carry no more logs', function (this: VixyWorld) {
  miner(this).carry(undefined);
});

/**
 * Pauses the schedule, mines 3 blocks with one log each, replaces them on every node
 * (anvil_reorg) by 3 blocks with 2, 1 and 0 logs, and resumes; the old blocks and logs
 * are kept for the checks.
 */
When(
  'the network mines 3 blocks with a log each, then replaces them by 3 blocks with 2, 1 and 0 logs',
  async function (this: VixyWorld) {
    const m = miner(this);
    const tx = emitLogTx(contract(this));
    await m.pause();
    try {
      for (let i = 0; i < 3; i++) await m.mineNow([tx]);
      await sleep(300); // Vixy has the old chain's blocks by now
      const fork = await m.reorg(3, async (at) => {
        const range = [at + 1, at + 2, at + 3];
        const oldLogs = await chainLogs(this, at + 1);
        subs(this).reorg = { fork: at, oldBlocks: await canonical(this, range), oldLogs };
        const nonce = await m.nonceAt(DEV_ACCOUNT, at);
        const call = (i: number) => ({ ...tx, nonce: toHex(nonce + i) });
        return [
          [call(0), 0],
          [call(1), 0],
          [call(2), 1],
        ];
      });
      assert.equal(fork, subs(this).reorg?.fork);
    } finally {
      m.resume();
    }
  },
);

// ---- WebSocket fronts ----------------------------------------------------------------

async function front(world: VixyWorld, name: string, behaviour: WsFront['behaviour']) {
  const f = await WsFront.start(world.elNode(name).port, behaviour);
  world.onCleanUp(() => f.close());
  subs(world).fronts.set(name, f);
  world.wsUrls.set(name, f.wsUrl);
  return f;
}

Given(
  'EL node {string} closes every WebSocket with code 1000 right after it opens',
  async function (this: VixyWorld, name: string) {
    await front(this, name, 'close-1000');
  },
);

Given(
  'EL node {string} leaves every WebSocket upgrade unanswered',
  async function (this: VixyWorld, name: string) {
    await front(this, name, 'hang');
  },
);

Given(
  'Vixy reaches the WebSocket of every EL node through a counting front',
  async function (this: VixyWorld) {
    for (const name of this.elNodes().keys()) await front(this, name, 'pass');
  },
);

Then(
  'EL node {string} got fewer than {int} WebSocket connections in the last {int} seconds',
  function (this: VixyWorld, name: string, max: number, seconds: number) {
    const f = subs(this).fronts.get(name);
    if (!f) throw new Error(`no front before ${name}`);
    const n = f.upgradesSince(Date.now() - seconds * 1000);
    if (n >= max) throw new Error(`${n} WebSocket connections to ${name} in ${seconds} s`);
  },
);

Then(
  'no EL node has more than {int} established TCP connections on its WebSocket front',
  function (this: VixyWorld, max: number) {
    const counts = [...subs(this).fronts].map(([name, f]) => ({
      name,
      tcp: establishedOn(f.port),
      ws: f.openWebSockets,
    }));
    if (counts.length === 0) throw new Error('no fronts in this scenario');
    const over = counts.filter((c) => c.tcp > max || c.ws > max);
    if (over.length > 0) throw new Error(`more than ${max}: ${JSON.stringify(counts)}`);
  },
);

Then(
  'vixy_ws_upstream_connections is between {int} and {int} for every EL node',
  async function (this: VixyWorld, min: number, max: number) {
    const e = await scrape(this);
    const names = [...this.elNodes().keys()];
    const values = names.map((node) => ({
      node,
      value: e.samples.find(
        (s) => s.name === 'vixy_ws_upstream_connections' && s.labels.node === node,
      )?.value,
    }));
    const bad = values.filter((v) => v.value === undefined || v.value < min || v.value > max);
    if (bad.length > 0) throw new Error(`vixy_ws_upstream_connections: ${JSON.stringify(values)}`);
  },
);

// ---- WebSocket clients ---------------------------------------------------------------

When(
  "the client subscribes to the contract's logs with id {int}",
  async function (this: VixyWorld, id: number) {
    await wsClient(this).subscribe(id, ['logs', { address: contract(this) }]);
  },
);

Then('the client gets eth_blockNumber answered with a result', async function (this: VixyWorld) {
  const answer = await wsClient(this).call('block-number', 'eth_blockNumber');
  if (typeof answer.result !== 'string') throw new Error(JSON.stringify(answer));
});

Then(
  "subscription {int} keeps receiving blocks: within {int} seconds it has {int} blocks past the network's head",
  async function (this: VixyWorld, id: number, seconds: number, past: number) {
    const target = miner(this).height + past;
    await waitFor(
      `block ${target} on subscription ${id}`,
      () => {
        assertOpen(this);
        return blocksOf(this, id).some((b) => b.number >= target) || undefined;
      },
      { timeoutMs: seconds * 1000, intervalMs: 20 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; got: ${describeBlocks(blocksOf(this, id))}`);
    });
  },
);

/** Consecutive numbers, each block's parent the one before, the hashes of the chain. */
Then(
  'subscription {int} got every canonical block once, in order, from the head it subscribed at',
  async function (this: VixyWorld, id: number) {
    assertOpen(this);
    const blocks = blocksOf(this, id);
    const at = wsState(this).subscribedAt.get(id);
    const got = describeBlocks(blocks);
    if (!at || blocks.length === 0) throw new Error(`no newHeads on subscription ${id}`);
    // Vixy may not have seen the network's newest block when it took the subscription.
    const first = blocks[0].number;
    if (first < at.sent - 1 || first > at.answered + 1) {
      throw new Error(`first block ${first}, subscribed at ${at.sent}..${at.answered}: ${got}`);
    }
    const chain = await canonical(
      this,
      blocks.map((b) => b.number),
    );
    blocks.forEach((b, i) => {
      const prev = blocks[i - 1];
      if (prev && b.number !== prev.number + 1) {
        throw new Error(`block ${b.number} came after ${prev.number}: ${got}`);
      }
      if (prev && b.parentHash !== prev.hash)
        throw new Error(`${b.number}: parent is not the block before: ${got}`);
      if (chain.get(b.number) !== b.hash)
        throw new Error(`${b.number} is not the chain's block: ${got}`);
    });
  },
);

Then(
  'subscription {int} got the old chain up to the reorg, then the new chain from the fork point, each block once',
  async function (this: VixyWorld, id: number) {
    assertOpen(this);
    const reorg = subs(this).reorg;
    if (!reorg) throw new Error('no reorg in this scenario');
    const blocks = blocksOf(this, id);
    const got = describeBlocks(blocks);
    const last = blocks.at(-1)?.number ?? 0;
    const first = blocks[0]?.number ?? 0;
    const oldTop = reorg.fork + 3;
    const numbers = (from: number, to: number) =>
      Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
    const now = await canonical(this, numbers(first, last));
    const expected = [
      ...numbers(first, oldTop).map(
        (n) => `${n}:${(reorg.oldBlocks.get(n) ?? now.get(n))?.slice(0, 8)}`,
      ),
      ...numbers(reorg.fork + 1, last).map((n) => `${n}:${now.get(n)?.slice(0, 8)}`),
    ].join(' ');
    if (first > oldTop) throw new Error(`the subscription saw no block of the old chain: ${got}`);
    assert.equal(got, expected, 'newHeads around the reorg');
  },
);

Then(
  'subscription {int} got the 3 old logs, then the same logs with removed true, then the 3 new logs, each once',
  async function (this: VixyWorld, id: number) {
    assertOpen(this);
    const reorg = subs(this).reorg;
    if (!reorg) throw new Error('no reorg in this scenario');
    const c = wsClient(this);
    const got = c.results(c.sub(id)).map(pickLog);
    const newLogs = await chainLogs(this, reorg.fork + 1);
    assert.equal(reorg.oldLogs.length, 3, `old logs: ${describeLogs(reorg.oldLogs)}`);
    assert.equal(newLogs.length, 3, `new logs: ${describeLogs(newLogs)}`);
    const detail = `got: ${describeLogs(got)}`;
    assert.deepEqual(got.slice(0, 3), reorg.oldLogs, `the old chain's logs first; ${detail}`);
    const removed = got.slice(3, 6);
    const byKey = (a: Log, b: Log) => logKey(a).localeCompare(logKey(b));
    assert.deepEqual(
      [...removed].sort(byKey),
      reorg.oldLogs.map((l) => ({ ...l, removed: true })).sort(byKey),
      `then the old logs again with removed: true; ${detail}`,
    );
    assert.deepEqual(got.slice(6), newLogs, `then the new chain's logs; ${detail}`);
  },
);

// ---- more clients --------------------------------------------------------------------

Then(
  '{int} new WebSocket clients, one after the other, each get eth_blockNumber answered within {int} second(s) of connecting',
  async function (this: VixyWorld, n: number, seconds: number) {
    for (let i = 0; i < n; i++) {
      const start = Date.now();
      const c = await WsClient.open(wsUrl(this, '/el/ws'), seconds * 1000);
      wsState(this).crowd.push(c);
      const left = Math.max(1, seconds * 1000 - (Date.now() - start));
      const answer = await c.call(1, 'eth_blockNumber', [], left);
      if (typeof answer.result !== 'string')
        throw new Error(`client ${i + 1}: ${JSON.stringify(answer)}`);
    }
  },
);

Then(
  'a new WebSocket client subscribed to newHeads gets its first block within {int} second(s)',
  async function (this: VixyWorld, seconds: number) {
    const start = Date.now();
    const c = await WsClient.open(wsUrl(this, '/el/ws'), seconds * 1000);
    wsState(this).crowd.push(c);
    const sub = await c.subscribe(1, ['newHeads']);
    await waitFor('the first newHeads', () => c.notes(sub).length > 0 || undefined, {
      timeoutMs: Math.max(1, seconds * 1000 - (Date.now() - start)),
      intervalMs: 10,
    });
  },
);

When(
  '{int} WebSocket clients connect to {string}, {int} at a time, and subscribe to newHeads',
  async function (this: VixyWorld, n: number, path: string, batch: number) {
    const crowd = wsState(this).crowd;
    for (let first = 0; first < n; first += batch) {
      const size = Math.min(batch, n - first);
      const clients = await Promise.all(
        Array.from({ length: size }, () => WsClient.open(wsUrl(this, path))),
      );
      crowd.push(...clients);
      await Promise.all(clients.map((c) => c.subscribe(1, ['newHeads'])));
    }
  },
);

// ---- filters over HTTP ---------------------------------------------------------------

async function elCall(world: VixyWorld, method: string, params: unknown[]): Promise<Poll> {
  const at = Date.now();
  try {
    const res = await httpJson<{ result?: unknown; error?: unknown }>(
      world.requireVixy().url('/el'),
      {
        body: { jsonrpc: '2.0', id: 1, method, params },
        timeoutMs: 5000,
      },
    );
    return 'result' in res ? { at, result: res.result } : { at, error: JSON.stringify(res.error) };
  } catch (err) {
    return { at, error: String(err) };
  }
}

async function installFilter(world: VixyWorld): Promise<NonNullable<SubsState['filter']>> {
  const address = contract(world);
  // Between two blocks, once Vixy has seen the last one: the filter starts after it.
  const { installedAt, answer } = await world.atRest(async () => {
    await sleep(300);
    return {
      installedAt: miner(world).height,
      answer: await elCall(world, 'eth_newFilter', [{ address }]),
    };
  });
  if (typeof answer.result !== 'string') throw new Error(`eth_newFilter: ${answer.error}`);
  const filter = { id: answer.result, installedAt, polls: [] as Poll[] };
  subs(world).filter = filter;
  return filter;
}

function poll(world: VixyWorld, filter: NonNullable<SubsState['filter']>): Promise<void> {
  return elCall(world, 'eth_getFilterChanges', [filter.id]).then((p) => {
    filter.polls.push(p);
  });
}

When(
  "an HTTP client installs a filter for the contract's logs through \\/el",
  async function (this: VixyWorld) {
    await installFilter(this);
  },
);

When(
  "an HTTP client installs a filter for the contract's logs through \\/el and polls it every {int} ms",
  async function (this: VixyWorld, ms: number) {
    const filter = await installFilter(this);
    let running = true;
    const loop = (async () => {
      while (running) {
        await poll(this, filter);
        await sleep(ms);
      }
    })();
    filter.stop = async () => {
      running = false;
      await loop;
    };
    this.onCleanUp(() => filter.stop?.() ?? Promise.resolve());
  },
);

When(
  '{int} times a block with a log is mined and the client calls eth_getFilterChanges',
  async function (this: VixyWorld, n: number) {
    const filter = subs(this).filter;
    if (!filter) throw new Error('no filter installed');
    const tx = emitLogTx(contract(this));
    for (let i = 0; i < n; i++) {
      await miner(this).mineNow([tx]);
      await poll(this, filter);
    }
  },
);

Then('every poll of the filter was answered with a result', async function (this: VixyWorld) {
  const filter = subs(this).filter;
  if (!filter) throw new Error('no filter installed');
  await filter.stop?.();
  await sleep(1000); // the last blocks reach Vixy; one more poll collects their logs
  await poll(this, filter);
  const failed = filter.polls.filter((p) => p.error !== undefined || !Array.isArray(p.result));
  if (failed.length > 0) {
    throw new Error(
      `${failed.length} of ${filter.polls.length} polls failed, first: ${failed[0].error ?? JSON.stringify(failed[0].result)}`,
    );
  }
});

Then(
  'the filter returned every log of the contract since it was installed once, in order',
  async function (this: VixyWorld) {
    const filter = subs(this).filter;
    if (!filter) throw new Error('no filter installed');
    const got = filter.polls.flatMap((p) => (p.result as Record<string, unknown>[]).map(pickLog));
    const expected = await chainLogs(this, filter.installedAt + 1);
    if (expected.length < 3) throw new Error(`only ${expected.length} logs on the chain`);
    assert.deepEqual(
      got.map(logKey),
      expected.map(logKey),
      `logs returned by the filter (${filter.polls.length} polls)`,
    );
    assert.deepEqual(got, expected);
  },
);
