import { After, Before, Given, Then, When } from '@cucumber/cucumber';
import { type LodestarNode, waitFor } from '../../test/support';
import { LodestarEventClient } from '../../test/support/lodestar-events';
import { SseClient } from '../../test/support/sse-client';
import { type BeaconPair, sharedBeaconPair } from '../support/beacons';
import { type VixyWorld } from '../support/world';

// Steps of @events: event streams through Vixy in front of a Lodestar pair of one
// chain (features/support/beacons.ts). Times from a fault to the next event and to
// the move are measured and reported (attached to the scenario and printed), never
// asserted.

interface EventsState {
  pair?: BeaconPair;
  names: Map<string, LodestarNode>;
  topics: string;
  /** Every connection of "the client", in order (a reconnect adds one). */
  connections: SseClient[];
  api?: LodestarEventClient;
  frozen?: LodestarNode;
  faultAt?: number;
  movedAt?: number;
  stopWatch?: () => void;
}

let state: EventsState = { names: new Map(), topics: '', connections: [] };

Before({ tags: '@events' }, function () {
  state = { names: new Map(), topics: '', connections: [] };
});

After({ tags: '@events' }, async function () {
  state.stopWatch?.();
  for (const c of state.connections) c.close();
  await state.api?.stop();
  await state.frozen?.thaw();
});

function node(name: string): LodestarNode {
  const found = state.names.get(name);
  if (!found) throw new Error(`no beacon node ${name} in this scenario`);
  return found;
}

function client(): SseClient {
  const last = state.connections.at(-1);
  if (!last) throw new Error('no client stream in this scenario');
  return last;
}

function producer(): LodestarNode {
  if (!state.pair) throw new Error('no beacon pair in this scenario');
  return state.pair.producer;
}

/** Every block and head event of every connection of the client, in order. */
function received(topic: string): { slot: number; id: string | undefined }[] {
  return state.connections.flatMap((c) =>
    c
      .of(topic)
      .map((e) => ({ slot: Number((JSON.parse(e.data) as { slot: string }).slot), id: e.id })),
  );
}

/** Slots of the producer's canonical chain that have a block, from `from` to `to`. */
async function blockSlots(from: number, to: number): Promise<number[]> {
  const slots: number[] = [];
  for (let slot = from; slot <= to; slot++) {
    try {
      await producer().get(`/eth/v1/beacon/headers/${slot}`);
      slots.push(slot);
    } catch (err) {
      if (!String(err).includes('HTTP 404')) throw err;
    }
  }
  return slots;
}

async function expectEverySlotOnce(what: string, slots: readonly number[]): Promise<void> {
  if (slots.length === 0) throw new Error(`${what}: no event at all`);
  const unique = new Set(slots);
  if (unique.size !== slots.length) throw new Error(`${what}: a slot twice in ${slots.join(',')}`);
  const chain = await blockSlots(Math.min(...slots), Math.max(...slots));
  const sorted = [...slots].sort((a, b) => a - b);
  if (sorted.join(',') !== chain.join(',')) {
    throw new Error(
      `${what}: got slots ${sorted.join(',')}, the chain has blocks at ${chain.join(',')}`,
    );
  }
}

function report(world: VixyWorld, line: string): void {
  world.log(line);
  process.stdout.write(`\n  [events] ${line}\n`);
}

Given(
  'a beacon pair: a follower as {string}, then the block producer as {string}',
  async function (this: VixyWorld, followerName: string, producerName: string) {
    state.pair = await sharedBeaconPair();
    state.names.set(followerName, state.pair.follower);
    state.names.set(producerName, state.pair.producer);
    this.beacons.push({ name: followerName, url: state.pair.follower.url });
    this.beacons.push({ name: producerName, url: state.pair.producer.url });
  },
);

Given(
  'Vixy checks node health too slowly to notice a hang before the stream does',
  function (this: VixyWorld) {
    // A frozen node fails its checks by timeout: 10 of them take far longer than two slots.
    this.sections.global = {
      health_check_interval_ms: 1000,
      health_check_timeout_ms: 2000,
      health_check_max_failures: 10,
    };
  },
);

When('a client streams block and head events through Vixy', async function (this: VixyWorld) {
  state.topics = 'topics=block&topics=head';
  const stream = await SseClient.open(this.requireVixy().url(`/cl/eth/v1/events?${state.topics}`));
  if (stream.status !== 200) throw new Error(`GET /cl/eth/v1/events answered ${stream.status}`);
  state.connections.push(stream);
  state.stopWatch = this.requireVixy().onLine((line) => {
    if (line.includes('CL event stream moved')) state.movedAt ??= performance.now();
  });
});

When(
  "@lodestar\\/api's event client streams block and head events through Vixy",
  async function (this: VixyWorld) {
    state.api = await LodestarEventClient.start(this.requireVixy().url('/cl'), ['block', 'head']);
  },
);

When('the client has received {int} block events', async function (this: VixyWorld, n: number) {
  await client().waitUntil(`${n} block events`, () => client().of('block').length >= n, 30_000);
});

When('the client disconnects', function () {
  client().close();
});

When('the chain goes on for {int} blocks', async function (this: VixyWorld, n: number) {
  const head = await producer().headSlot();
  await producer().waitForSlot(head + n);
});

When('the client reconnects with its Last-Event-ID', async function (this: VixyWorld) {
  const lastId = state.connections.at(-1)?.lastId;
  if (lastId === undefined) throw new Error('the client has no event id to resume from');
  const url = this.requireVixy().url(`/cl/eth/v1/events?${state.topics}`);
  const stream = await SseClient.open(url, { 'last-event-id': lastId });
  if (stream.status !== 200) throw new Error(`the resume answered ${stream.status}`);
  state.connections.push(stream);
});

When('beacon node {string} is frozen', async function (this: VixyWorld, name: string) {
  state.frozen = node(name);
  state.faultAt = performance.now();
  await node(name).freeze();
});

When('beacon node {string} is killed', async function (this: VixyWorld, name: string) {
  state.faultAt = performance.now();
  await node(name).kill();
});

Then(
  'within {int} seconds the client receives a block event after the fault',
  async function (this: VixyWorld, seconds: number) {
    const at = state.faultAt;
    if (at === undefined) throw new Error('no fault in this scenario');
    const after = () => client().events.find((e) => e.at > at);
    await client().waitUntil(
      'an event after the fault',
      () => after() !== undefined,
      seconds * 1000,
    );
    await client().waitUntil(
      'a block event after the fault',
      () =>
        client()
          .of('block')
          .some((e) => e.at > at),
      seconds * 1000,
    );
    const next = after()?.at ?? at;
    const moved =
      state.movedAt === undefined ? 'not logged' : `${Math.round(state.movedAt - at)} ms`;
    report(
      this,
      `fault -> move logged: ${moved}; fault -> next event delivered: ${Math.round(next - at)} ms`,
    );
  },
);

Then(
  'within {int} seconds the client has received {int} more block events',
  async function (this: VixyWorld, seconds: number, n: number) {
    const target = client().of('block').length + n;
    await client().waitUntil(
      `${n} more block events`,
      () => client().of('block').length >= target,
      seconds * 1000,
    );
  },
);

Then(
  'the client has received a block event for every slot with a block, none twice',
  async function (this: VixyWorld) {
    await expectEverySlotOnce(
      'block events',
      received('block').map((e) => e.slot),
    );
    const ids = received('block').map((e) => e.id);
    if (new Set(ids).size !== ids.length) throw new Error(`an event id twice: ${ids.join(',')}`);
  },
);

Then('the client has received a head event for every block, none twice', async function () {
  await expectEverySlotOnce(
    'head events',
    received('head').map((e) => e.slot),
  );
});

Then("@lodestar\\/api's event client saw every block once and no error", async function () {
  const api = state.api;
  if (!api) throw new Error('no @lodestar/api client in this scenario');
  const last = Math.max(...received('block').map((e) => e.slot));
  await waitFor(
    `the API client to see block ${last}`,
    () => (api.slots().includes(last) ? true : undefined),
    {
      timeoutMs: 10_000,
    },
  );
  if (api.errors.length > 0 || api.opens !== 1) {
    throw new Error(
      `the API client saw ${api.opens} connection(s) and errors: ${api.errors.join('; ')}`,
    );
  }
  await expectEverySlotOnce('@lodestar/api block events', api.slots());
});
