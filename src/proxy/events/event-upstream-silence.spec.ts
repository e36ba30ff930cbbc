import { PassThrough } from 'node:stream';
import { Logger } from '@nestjs/common';
import { FakeChain } from '../../../test/support/fake-chain';
import { ManualClock } from '../../../test/manual-clock';
import { type BeaconJson, type BeaconNodes, type BeaconStream } from './beacon-nodes';
import { type LogEntry } from './chain-log';
import { EventUpstream, type MoveReason } from './event-upstream';
import { type EventsClock, TICK_MS } from './events.constants';

// Which node serves while nodes are silent: a halted chain (every node silent) moves
// nothing, a silent serving node moves once to the node that goes on. Two nodes of one
// FakeChain, their streams written by the spec, time moved by hand (stall time 1 s, the
// streams of silent nodes are reopened after 5 s).

const STALL_MS = 1000;

class FakeNode {
  stream: PassThrough | undefined;
  opens = 0;
  /** API reads other than the spec: the fills. */
  readonly fills: string[] = [];

  constructor(
    readonly name: string,
    private readonly chain: FakeChain,
  ) {}

  open(): BeaconStream {
    this.opens++;
    this.stream = new PassThrough();
    return { status: 200, contentType: 'text/event-stream', body: this.stream };
  }

  get(path: string): BeaconJson {
    if (path !== '/eth/v1/config/spec') this.fills.push(path);
    return this.chain.answer(path);
  }

  /** The block and head events of the chain's head on this node's stream. */
  send(): void {
    const block = this.chain.head;
    this.stream?.write(`event: block\ndata: ${this.chain.blockData(block)}\n\n`);
    this.stream?.write(`event: head\ndata: ${this.chain.headData(block)}\n\n`);
  }

  /** A comment line, as a node's own keep-alive. */
  comment(): void {
    this.stream?.write(': keep-alive\n\n');
  }
}

/** Lets the fake streams and answers go through (promise jobs and stream events). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('EventUpstream with silent nodes', () => {
  let clock: ManualClock;
  let chain: FakeChain;
  let b1: FakeNode;
  let b2: FakeNode;
  let upstream: EventUpstream;
  let moves: { at: number; reason: MoveReason; to: string | null }[];
  let delivered: LogEntry[];

  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterAll(() => jest.restoreAllMocks());

  beforeEach(async () => {
    clock = new ManualClock();
    chain = new FakeChain();
    chain.addBlocks(10);
    b1 = new FakeNode('b1', chain);
    b2 = new FakeNode('b2', chain);
    const byName = new Map([b1, b2].map((n) => [n.name, n]));
    const node = (name: string): FakeNode => byName.get(name) as FakeNode;
    const nodes = {
      all: () => [...byName.keys()],
      available: () => [...byName.keys()],
      onChange: () => () => undefined,
      openStream: (name: string) => Promise.resolve(node(name).open()),
      getJson: (name: string, path: string) => Promise.resolve(node(name).get(path)),
      reportFailure: () => undefined,
      describe: () => 'failed',
    } as unknown as BeaconNodes;
    moves = [];
    upstream = new EventUpstream({
      nodes,
      clock: clock as unknown as EventsClock,
      stallMs: () => STALL_MS,
      requestTimeoutMs: () => 1000,
      moved: (reason) => moves.push({ at: clock.now(), reason, to: upstream.serving }),
      served: () => undefined,
      filled: () => undefined,
    });
    delivered = [];
    upstream.log.subscribe((entry) => delivered.push(entry));
    upstream.start();
    await settle();
    expect(upstream.serving).toBe('b1');
    // Both nodes live: each sends the next block.
    chain.addBlock();
    b1.send();
    b2.send();
    await settle();
    b1.fills.length = 0;
    b2.fills.length = 0;
  });

  afterEach(() => upstream.stop());

  /** Moves the time tick by tick, letting the streams through after each; `each` runs first. */
  const pass = async (ms: number, each: (now: number) => void = () => undefined) => {
    const serving = new Set<string | null>();
    for (let t = 0; t < ms; t += TICK_MS) {
      each(clock.now());
      await settle();
      clock.advance(TICK_MS);
      await settle();
      serving.add(upstream.serving);
    }
    return serving;
  };

  const blocks = (): number[] =>
    delivered.filter((e) => e.topic === 'block').map((e) => e.position.slot);

  it('moves nothing and fills nothing while every node is silent, across the reopened streams', async () => {
    // b2 is a little ahead of b1: its last event is the newer one.
    await pass(TICK_MS);
    chain.addBlock();
    b2.send();
    b1.send();
    // Their own keep-alive comments are no sign of a chain that goes on.
    const serving = await pass(5.5 * STALL_MS, (now) => {
      if (now % 1000 === 0) for (const node of [b1, b2]) node.comment();
    });
    expect(b1.opens).toBe(2);
    expect(b2.opens).toBe(2);
    await pass(5.5 * STALL_MS);
    expect(b1.opens).toBe(3);
    expect(serving).toEqual(new Set(['b1']));
    expect(upstream.serving).toBe('b1');
    expect(moves).toEqual([]);
    expect([...b1.fills, ...b2.fills]).toEqual([]);
  });

  it('stays on the serving node when the chain goes on again and another node sends first', async () => {
    await pass(3 * STALL_MS);
    chain.addBlock();
    b2.send();
    await pass(TICK_MS);
    b1.send();
    await pass(2 * STALL_MS, (now) => {
      if (now % 500 !== 0) return;
      chain.addBlock();
      b2.send();
      b1.send();
    });
    expect(moves).toEqual([]);
    expect(upstream.serving).toBe('b1');
    expectConsecutive(blocks(), chain.head.slot);
  });

  it('moves once, after the stall time, off a serving node that is silent while the other sends', async () => {
    const silentFrom = clock.now();
    const serving = await pass(8 * STALL_MS, (now) => {
      if (now % 500 !== 0) return;
      chain.addBlock();
      b2.send();
    });
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ reason: 'stall', to: 'b2' });
    expect(moves[0].at - silentFrom).toBeGreaterThan(STALL_MS);
    expect(moves[0].at - silentFrom).toBeLessThanOrEqual(STALL_MS + TICK_MS);
    expect(serving).toEqual(new Set(['b1', 'b2']));
    expect(upstream.serving).toBe('b2');
    expect(b1.opens).toBeGreaterThan(1); // its stream was reopened meanwhile
    expect(b2.fills.length).toBeGreaterThan(0);
    expectConsecutive(blocks(), chain.head.slot);
  });

  it('gives the streams back to the preferred node once it has sent events for a stall time', async () => {
    const sendAll = (nodes: FakeNode[]) => (now: number) => {
      if (now % 500 !== 0) return;
      chain.addBlock();
      for (const node of nodes) node.send();
    };
    await pass(2 * STALL_MS, sendAll([b2]));
    expect(upstream.serving).toBe('b2');
    await pass(2 * STALL_MS, sendAll([b1, b2]));
    expect(moves.map((m) => [m.reason, m.to])).toEqual([
      ['stall', 'b2'],
      ['failback', 'b1'],
    ]);
    expectConsecutive(blocks(), chain.head.slot);
  });
});

/** Every slot from the first delivered up to `head`, once each. */
function expectConsecutive(slots: number[], head: number): void {
  const first = slots[0];
  expect(slots).toEqual(Array.from({ length: head - first + 1 }, (_, i) => first + i));
}
