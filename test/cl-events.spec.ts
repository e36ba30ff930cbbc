import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { ConfigStore, loadConfigFile } from '../src/config';
import { EventStreamsService } from '../src/proxy/events/event-streams.service';
import {
  CORE_STREAM_PATH,
  EVENTS_CLOCK,
  type EventsClock,
  type TimerHandle,
} from '../src/proxy/events/events.constants';
import {
  type BootedApp,
  baseUrl,
  boot,
  closedPort,
  configFor,
  configTextFor,
} from './http-proxy.support';
import { FakeChain } from './support/fake-chain';
import { SseBeacon } from './support/sse-beacon';
import { SseClient } from './support/sse-client';
import { sleep, waitFor } from './support/wait';

// GET /cl/eth/v1/events against two scriptable beacon nodes (real local servers of one
// FakeChain): what a client sees when the serving node stalls, closes in the middle of
// an event, splits its writes, refuses a topic, or is drained; resume; limits.

const STALL_MS = 600;
const ID = /^\d+-[0-2]-[0-9a-f]{8}$/;

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await register.getSingleMetric(name)?.get())?.values ?? [];
  const match = values.find((v) =>
    Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l),
  );
  return match?.value ?? 0;
}

/** Changes of the serving node, whatever the reason. */
async function allMoves(): Promise<number> {
  let sum = 0;
  for (const reason of ['unavailable', 'stall', 'closed', 'failback']) {
    sum += await metric('vixy_cl_event_stream_moves_total', { reason });
  }
  return sum;
}

/** Internal streams a node was asked for (one per (re)connection). */
function coreStreams(node: SseBeacon): number {
  return node.eventRequests().filter((u) => u === CORE_STREAM_PATH).length;
}

/** True when the slots are consecutive chain blocks without a repeat. */
function expectEveryBlockOnce(client: SseClient, chain: FakeChain): void {
  const slots = client.slots();
  expect(new Set(slots).size).toBe(slots.length);
  const first = slots[0];
  const expected = chain.blocks.filter((b) => b.slot >= first).map((b) => b.slot);
  expect(slots).toEqual(expected.slice(0, slots.length));
}

describe('GET /cl/eth/v1/events', () => {
  let chain: FakeChain;
  let b1: SseBeacon;
  let b2: SseBeacon;
  let booted: BootedApp;
  let base: string;
  let service: EventStreamsService;
  const clients: SseClient[] = [];

  const open = async (query: string, headers: Record<string, string> = {}) => {
    const client = await SseClient.open(`${base}/cl/eth/v1/events${query}`, headers);
    clients.push(client);
    return client;
  };

  /** One block seen by `nodes` (both by default); resolves once `client` has it. */
  const produce = async (n: number, nodes = [b1, b2], client?: SseClient) => {
    for (let i = 0; i < n; i++) {
      chain.addBlock();
      for (const node of nodes) node.follow();
    }
    if (client) await client.waitForBlock(chain.head.slot);
  };

  /** A block every 50 ms on `nodes` until `done()` (a chain that goes on while a node is sick). */
  const runChain = async (nodes: SseBeacon[], what: string, done: () => boolean) => {
    await waitFor(
      what,
      async () => {
        if (done()) return true;
        await produce(1, nodes);
        await sleep(50);
        return undefined;
      },
      { timeoutMs: 15_000, intervalMs: 0 },
    );
  };

  const serving = () => service.servingNode;

  beforeAll(async () => {
    chain = new FakeChain();
    chain.addBlocks(20);
    [b1, b2] = await Promise.all([SseBeacon.start('b1', chain), SseBeacon.start('b2', chain)]);
    // As Lodestar 1.5.1: no response headers before the first event.
    b2.lazyHeaders = true;
    const config = await configFor({
      primary: [{ name: 'el', url: `http://127.0.0.1:${await closedPort()}` }],
      cl: [
        { name: 'b1', url: b1.url },
        { name: 'b2', url: b2.url },
      ],
      global: 'health_check_timeout_ms = 1000',
      proxy: `cl_event_stall_ms = ${STALL_MS}\ncl_event_keepalive_ms = 60000\nmax_event_streams = 6`,
    });
    booted = await boot(config, { listen: true });
    base = baseUrl(booted.app);
    service = booted.app.get(EventStreamsService);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await booted.close();
    await Promise.all([b1.close(), b2.close()]);
  });

  beforeEach(async () => {
    await waitFor(
      'the streams of the last test closed',
      async () => ((await metric('vixy_cl_event_streams_active')) === 0 ? true : undefined),
      { timeoutMs: 5000 },
    );
    for (const node of [b1, b2]) {
      node.thaw();
      node.rejectTopics.clear();
      node.chunkBytes = 0;
    }
    booted.registry.setDrained('cl', 'b1', false);
    booted.setCl(['b1', 'b2']);
    // Back to the preferred node, live on both: one block on both (after a test without
    // blocks both nodes are stalled, and the next block moves nothing, whichever node
    // sends it first), then the fail-back (one stall time) if a test moved the streams.
    if (serving() !== null) {
      await produce(1);
      await sleep(50);
      await runChain([b1, b2], 'b1 serving again', () => serving() === 'b1');
    }
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  it('serves block, head and finalized_checkpoint with chain ids, and other topics from one shared node stream', async () => {
    const a = await open('?topics=head,block&topics=finalized_checkpoint&topics=attestation');
    const b = await open('?topics=attestation');
    expect(a.status).toBe(200);
    expect(a.res.headers['content-type']).toBe('text/event-stream');
    await runChain([b1, b2], 'b1 serving', () => serving() === 'b1');
    await waitFor('the attestation stream on b1', () => b1.streams >= 2 || undefined, {
      timeoutMs: 5000,
    });
    await produce(2, [b1, b2], a);
    b1.emit('attestation', '{"aggregation_bits":"0x01"}');
    chain.finalize(2);
    b1.announceFinality();
    b2.announceFinality();
    await a.waitUntil(
      'attestation and finality',
      () => a.of('attestation').length === 1 && a.of('finalized_checkpoint').length === 1,
    );
    await b.waitUntil('attestation', () => b.events.length === 1);

    expectEveryBlockOnce(a, chain);
    expect(
      a
        .of('head')
        .map((e) => e.data)
        .at(-1),
    ).toBe(chain.headData(chain.head));
    for (const e of a.of('block')) expect(e.id).toMatch(ID);
    const head = a.of('head').at(-1);
    expect(head?.id).toBe(`${chain.head.slot}-1-${chain.head.root.slice(2, 10)}`);
    expect(a.of('finalized_checkpoint')[0].data).toBe(chain.finalizedData());
    expect(a.of('attestation')[0].id).toMatch(/^\d+-[0-2]-[0-9a-f]{8}\.1$/);
    expect(b.events.map((e) => e.event)).toEqual(['attestation']);
    // One internal stream per node (repeated topics=), one shared stream for the attestations.
    expect(b1.eventRequests()).toContain(
      '/eth/v1/events?topics=head&topics=block&topics=finalized_checkpoint',
    );
    expect(
      b1.eventRequests().filter((u) => u === '/eth/v1/events?topics=attestation'),
    ).toHaveLength(1);
    expect(await metric('vixy_cl_events_total', { topic: 'attestation' })).toBe(2);
  });

  it('answers 400 with a JSON body for a missing or unknown topic, as a beacon node does', async () => {
    const none = await open('');
    await none.waitUntil('the answer', () => none.ended);
    expect(none.status).toBe(400);
    expect(JSON.parse(none.text)).toEqual({
      code: 400,
      message: 'Missing topics: at least one is required',
    });
    const bogus = await open('/?topics=head,bogus');
    await bogus.waitUntil('the answer', () => bogus.ended);
    expect(bogus.status).toBe(400);
    expect(JSON.parse(bogus.text)).toEqual({ code: 400, message: 'Invalid topic: bogus' });
  });

  it('passes on the 400 of a serving node that refuses a topic', async () => {
    b1.rejectTopics.add('voluntary_exit');
    const client = await open('?topics=head&topics=voluntary_exit');
    await client.waitUntil('the answer', () => client.ended);
    expect(client.status).toBe(400);
    expect(JSON.parse(client.text)).toEqual({
      code: 400,
      message: 'Invalid topic: voluntary_exit',
    });
    expect(await metric('vixy_cl_event_streams_rejected_total', { reason: 'node_refused' })).toBe(
      1,
    );
  });

  it('moves off a node silent for cl_event_stall_ms and fills the blocks it missed, none twice', async () => {
    const client = await open('?topics=block&topics=head');
    await produce(2, [b1, b2], client);
    const moves = await metric('vixy_cl_event_stream_moves_total', { reason: 'stall' });
    const filled = await metric('vixy_cl_events_filled_total', { topic: 'block' });
    b1.freeze();
    await runChain([b2], 'the move to b2', () => serving() === 'b2');
    await produce(1, [b2], client);
    // The health monitor sleeps in this spec: only the silence can have moved it.
    expect(await metric('vixy_cl_event_stream_moves_total', { reason: 'stall' })).toBe(moves + 1);
    expect(await metric('vixy_cl_events_filled_total', { topic: 'block' })).toBeGreaterThan(filled);
    b1.thaw();
    await runChain([b1, b2], 'the fail-back to b1', () => serving() === 'b1');
    await produce(2, [b1, b2], client);
    expectEveryBlockOnce(client, chain);
    // The head event of a slot follows its block event.
    await waitFor(
      'the last head event',
      () => client.slots('head').at(-1) === chain.head.slot || undefined,
      {
        timeoutMs: 5000,
      },
    );
  });

  it('stays on the serving node while every node is silent (a halted chain), across reopened node streams', async () => {
    const client = await open('?topics=block&topics=head');
    await waitFor('both node streams open', () => (b1.streams && b2.streams) || undefined, {
      timeoutMs: 5000,
    });
    await produce(1, [b1, b2], client);
    const moves = await allMoves();
    const filled = await metric('vixy_cl_events_filled_total', { topic: 'head' });
    const opened = [b1, b2].map((n) => coreStreams(n));
    // Past five stall times of silence both node streams are opened again.
    await waitFor(
      'the silent node streams reopened',
      () => [b1, b2].every((n, i) => coreStreams(n) > opened[i]) || undefined,
      { timeoutMs: 10 * STALL_MS },
    );
    await sleep(2 * STALL_MS);
    expect(serving()).toBe('b1');
    // The chain goes on: b2 sends the next block a moment before b1.
    chain.addBlock();
    b2.follow();
    await sleep(50);
    b1.follow();
    await client.waitForBlock(chain.head.slot);
    await sleep(STALL_MS);
    expect(serving()).toBe('b1');
    expect(await allMoves()).toBe(moves);
    expect(await metric('vixy_cl_events_filled_total', { topic: 'head' })).toBe(filled);
    expectEveryBlockOnce(client, chain);
  });

  it('drops an event cut by a close and delivers its block once from the next node', async () => {
    const client = await open('?topics=block');
    await produce(1, [b1, b2], client);
    const moves = await metric('vixy_cl_event_stream_moves_total', { reason: 'closed' });
    const cut = chain.addBlock();
    b1.closeStreams({ midEvent: cut });
    b2.follow();
    await client.waitForBlock(cut.slot);
    await produce(2, [b1, b2], client);
    expectEveryBlockOnce(client, chain);
    expect(await metric('vixy_cl_event_stream_moves_total', { reason: 'closed' })).toBe(moves + 1);
  });

  it('reads events split across chunks and node comments, and forwards no node comment', async () => {
    const client = await open('?topics=block&topics=head');
    b1.chunkBytes = 7;
    b1.sendRaw(': a comment of the node\n\n');
    chain.addBlock();
    b1.follow();
    await b1.flushed();
    const { slot } = chain.head;
    await client.waitUntil('the head', () => client.slots('head').includes(slot));
    expect(client.slots()).toContain(slot);
    expect(client.of('head').at(-1)?.data).toBe(chain.headData(chain.head));
    expect(client.comments).toEqual([]);
    b2.follow();
  });

  it('moves at once when an operator drains the serving node', async () => {
    const client = await open('?topics=block');
    await produce(1, [b1, b2], client);
    const moves = await metric('vixy_cl_event_stream_moves_total', { reason: 'unavailable' });
    booted.registry.setDrained('cl', 'b1', true);
    expect(serving()).toBe('b2');
    await produce(2, [b1, b2], client);
    expectEveryBlockOnce(client, chain);
    expect(await metric('vixy_cl_event_stream_moves_total', { reason: 'unavailable' })).toBe(
      moves + 1,
    );
  });

  it('resumes from Last-Event-ID with the missed head, block and finalized_checkpoint, then live, none twice', async () => {
    const first = await open('?topics=block&topics=head&topics=finalized_checkpoint');
    await produce(2, [b1, b2], first);
    const lastId = first.lastId ?? '';
    const seen = first.events.length;
    first.close();
    await produce(3);
    chain.finalize(3);
    b1.announceFinality();
    b2.announceFinality();
    const resumes = await metric('vixy_cl_event_resumes_total');
    const again = await open('?topics=block&topics=head&topics=finalized_checkpoint', {
      'last-event-id': lastId,
    });
    await produce(1, [b1, b2], again);
    expect(again.events.map((e) => e.event)).toEqual([
      ...['block', 'head', 'block', 'head', 'block', 'head'],
      'finalized_checkpoint',
      ...['block', 'head'],
    ]);
    const all = [...first.events.slice(0, seen), ...again.events];
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(await metric('vixy_cl_event_resumes_total')).toBe(resumes + 1);

    // An id of the same chain from another Vixy (other root digits): replayed by position.
    const slot = chain.head.slot - 2;
    const other = await open('?topics=block', { 'last-event-id': `${slot}-1-00000000` });
    await produce(1, [b1, b2], other);
    expect(other.slots()).toEqual([slot + 1, slot + 2, slot + 3]);
  });

  it('answers 503 with JSON past max_event_streams, and closes a client that does not read', async () => {
    const open5 = await Promise.all([1, 2, 3, 4, 5].map(() => open('?topics=attestation')));
    expect(open5.map((c) => c.status)).toEqual([200, 200, 200, 200, 200]);
    // The sixth, a client that never reads what it is sent.
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    socket.write('GET /cl/eth/v1/events?topics=attestation HTTP/1.1\r\nhost: x\r\n\r\n');
    socket.pause();
    await waitFor(
      'the sixth stream',
      async () => ((await metric('vixy_cl_event_streams_active')) === 6 ? true : undefined),
      { timeoutMs: 5000 },
    );
    const seventh = await open('?topics=head');
    await seventh.waitUntil('the answer', () => seventh.ended);
    expect(seventh.status).toBe(503);
    expect(JSON.parse(seventh.text)).toEqual({
      code: 503,
      message: 'Too many event streams (max_event_streams = 6)',
    });
    const big = JSON.stringify({ padding: 'x'.repeat(256 * 1024) });
    await waitFor(
      'the slow client closed',
      async () => {
        b1.emit('attestation', big);
        await sleep(5);
        return (
          (await metric('vixy_cl_event_streams_closed_total', { reason: 'slow' })) === 1 ||
          undefined
        );
      },
      { timeoutMs: 15_000, intervalMs: 0 },
    );
    socket.destroy();
    // The clients that read got every event and are still open.
    expect(open5.every((c) => !c.ended)).toBe(true);
  });

  it('answers 503 with JSON when no CL node is available, and keeps open streams waiting', async () => {
    const client = await open('?topics=block');
    await produce(1, [b1, b2], client);
    booted.setCl([]);
    await waitFor('no serving node', () => (serving() === null ? true : undefined), {
      timeoutMs: 5000,
    });
    const refused = await open('?topics=block');
    await refused.waitUntil('the answer', () => refused.ended);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text)).toEqual({ code: 503, message: 'No healthy node available' });
    expect(client.ended).toBe(false);
    await produce(2, [b1, b2]);
    booted.setCl(['b1', 'b2']);
    await client.waitForBlock(chain.head.slot);
    expectEveryBlockOnce(client, chain);
  });
});

/** Timers that run when the spec moves the time, not before. */
class ManualClock implements EventsClock {
  private ms = 0;
  private next = 1;
  private readonly timers = new Map<number, { at: number; every: number | null; fn: () => void }>();

  now(): number {
    return this.ms;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, ms);
  }

  clear(timer: TimerHandle): void {
    this.timers.delete(timer as unknown as number);
  }

  advance(ms: number): void {
    const until = this.ms + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.ms = timer.at;
      if (timer.every === null) this.timers.delete(id);
      else timer.at += timer.every;
      timer.fn();
    }
    this.ms = until;
  }

  private add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const id = this.next++;
    this.timers.set(id, { at: this.ms + ms, every, fn });
    return id as unknown as TimerHandle;
  }
}

describe('GET /cl/eth/v1/events keep-alive (manual clock)', () => {
  const clock = new ManualClock();
  let chain: FakeChain;
  let node: SseBeacon;
  let booted: BootedApp;
  let client: SseClient | undefined;

  beforeAll(async () => {
    chain = new FakeChain();
    node = await SseBeacon.start('b1', chain);
    const config = await configFor({
      primary: [{ name: 'el', url: `http://127.0.0.1:${await closedPort()}` }],
      cl: [{ name: 'b1', url: node.url }],
      proxy: 'cl_event_keepalive_ms = 15000',
    });
    booted = await boot(config, {
      listen: true,
      customize: (b) => b.overrideProvider(EVENTS_CLOCK).useValue(clock),
    });
    booted.setCl(['b1']);
  });

  let closed = false;

  afterAll(async () => {
    client?.close();
    if (!closed) await booted.close();
    await node.close();
  });

  it('writes an SSE comment line every cl_event_keepalive_ms on an idle stream', async () => {
    client = await SseClient.open(
      `${baseUrl(booted.app)}/cl/eth/v1/events?topics=finalized_checkpoint`,
    );
    expect(client.status).toBe(200);
    clock.advance(14_999);
    await sleep(50);
    expect(client.comments).toEqual([]);
    clock.advance(1);
    await client.waitUntil('one comment', () => client?.comments.length === 1);
    clock.advance(15_000);
    await client.waitUntil('two comments', () => client?.comments.length === 2);
    expect(client.comments).toEqual(['keep-alive', 'keep-alive']);
    expect(client.events).toEqual([]);
  });

  it('ends open streams when Vixy shuts down, so that the server can close', async () => {
    const open = await SseClient.open(`${baseUrl(booted.app)}/cl/eth/v1/events?topics=head`);
    expect(open.status).toBe(200);
    closed = true;
    await booted.close();
    await open.waitUntil('the end of the stream', () => open.ended);
    expect(open.ended).toBe(true);
  });
});

describe('GET /cl/eth/v1/events after a config reload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vixy-events-reload-'));
  const path = join(dir, 'config.toml');
  let chain: FakeChain;
  let b1: SseBeacon;
  let b2: SseBeacon;
  let booted: BootedApp;
  let client: SseClient | undefined;
  let el: string;

  const write = async (nodes: SseBeacon[], keepaliveMs: number) => {
    const cl = nodes.map((n) => ({ name: n.name, url: n.url }));
    const proxy = `cl_event_keepalive_ms = ${keepaliveMs}`;
    writeFileSync(path, await configTextFor({ primary: [{ name: 'el', url: el }], cl, proxy }));
  };

  beforeAll(async () => {
    chain = new FakeChain();
    chain.addBlocks(5);
    [b1, b2] = await Promise.all([SseBeacon.start('b1', chain), SseBeacon.start('b2', chain)]);
    el = `http://127.0.0.1:${await closedPort()}`;
    await write([b1], 60_000);
    booted = await boot(loadConfigFile(path), { listen: true, source: { path, overrides: {} } });
    booted.setCl(['b1']);
  });

  afterAll(async () => {
    client?.close();
    await booted.close();
    await Promise.all([b1.close(), b2.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves off a node the reload removed, to the node it added, and takes the new keep-alive', async () => {
    client = await SseClient.open(`${baseUrl(booted.app)}/cl/eth/v1/events?topics=block`);
    const service = booted.app.get(EventStreamsService);
    await waitFor(
      'b1 serving, its stream open',
      () => (service.servingNode === 'b1' && b1.streams === 1 ? true : undefined),
      { timeoutMs: 5000 },
    );
    chain.addBlock();
    b1.follow();
    await client.waitForBlock(chain.head.slot);
    await write([b2], 200);
    expect(booted.app.get(ConfigStore).reload()).toMatchObject({ ok: true });
    booted.setCl(['b2']);
    chain.addBlocks(2); // only b2 sees them
    await waitFor(
      'b2 serving',
      () => {
        b2.follow();
        return service.servingNode === 'b2' ? true : undefined;
      },
      { timeoutMs: 5000 },
    );
    await client.waitForBlock(chain.head.slot);
    expect(client.slots()).toEqual([6, 7, 8]);
    expect(b1.streams).toBe(0);
    await client.waitUntil(
      'a keep-alive comment at the new interval',
      () => client?.comments.length !== 0,
    );
  });
});
