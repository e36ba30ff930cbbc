import { PassThrough } from 'node:stream';
import { Logger } from '@nestjs/common';
import { FakeChain } from '../../../test/support/fake-chain';
import { type BeaconJson, type BeaconNodes, type BeaconStream } from './beacon-nodes';
import { type LogEntry } from './chain-log';
import { EventUpstream } from './event-upstream';
import { type EventsClock, type TimerHandle } from './events.constants';

// The serving node changes while a node's beacon API is ahead of its own event stream
// (its API answers a fill with blocks the stream has not sent yet): what the chain log
// delivers then. Nodes of one FakeChain, their streams written by the spec, their API
// answers held until the spec releases them; no HTTP, no timer runs.

/** Timers that never fire: the moves here come from streams that end. */
const clock: EventsClock = {
  now: () => 0,
  setTimeout: () => 0 as unknown as TimerHandle,
  setInterval: () => 0 as unknown as TimerHandle,
  clear: () => undefined,
};

class FakeNode {
  /** Slot of the newest block this node's API shows. */
  seen: number;
  stream: PassThrough | undefined;
  /** API answers wait here while `hold` is set. */
  hold = false;
  private readonly held: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly chain: FakeChain,
  ) {
    this.seen = chain.head.slot;
  }

  get(path: string): Promise<BeaconJson> {
    return new Promise((resolve) => {
      const answer = (): void => resolve(this.chain.answer(path, this.seen));
      if (this.hold) this.held.push(answer);
      else answer();
    });
  }

  release(): void {
    this.hold = false;
    for (const answer of this.held.splice(0)) answer();
  }

  /** The block and head events of `slot` on its stream. */
  send(slot: number): void {
    const block = this.chain.atSlot(slot);
    if (block === undefined) throw new Error(`no block at ${slot}`);
    this.stream?.write(`event: block\ndata: ${this.chain.blockData(block)}\n\n`);
    this.stream?.write(`event: head\ndata: ${this.chain.headData(block)}\n\n`);
  }
}

/** Lets the fake streams and answers go through (promise jobs and stream events). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('EventUpstream', () => {
  let chain: FakeChain;
  let b1: FakeNode;
  let b2: FakeNode;
  let b3: FakeNode;
  let upstream: EventUpstream;
  let delivered: LogEntry[];

  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterAll(() => jest.restoreAllMocks());

  beforeEach(async () => {
    chain = new FakeChain();
    chain.addBlocks(10);
    b1 = new FakeNode('b1', chain);
    b2 = new FakeNode('b2', chain);
    b3 = new FakeNode('b3', chain);
    const byName = new Map([b1, b2, b3].map((n) => [n.name, n]));
    const node = (name: string): FakeNode => byName.get(name) as FakeNode;
    const nodes = {
      all: () => [...byName.keys()],
      available: () => [...byName.keys()],
      onChange: () => () => undefined,
      openStream: (name: string): Promise<BeaconStream> => {
        const body = new PassThrough();
        node(name).stream = body;
        return Promise.resolve({ status: 200, contentType: 'text/event-stream', body });
      },
      getJson: (name: string, path: string) => node(name).get(path),
      reportFailure: () => undefined,
      describe: () => 'failed',
    } as unknown as BeaconNodes;
    upstream = new EventUpstream({
      nodes,
      clock,
      stallMs: () => 1000,
      requestTimeoutMs: () => 1000,
      moved: () => undefined,
      served: () => undefined,
      filled: () => undefined,
    });
    delivered = [];
    upstream.log.subscribe((entry) => delivered.push(entry));
    upstream.start();
    await settle();
    expect(upstream.serving).toBe('b1');
    expect(upstream.log.cursor.headSlot).toBe(10);
  });

  afterEach(() => upstream.stop());

  const heads = (): number[] =>
    delivered.filter((e) => e.topic === 'head').map((e) => e.position.slot);
  const blocks = (): number[] =>
    delivered.filter((e) => e.topic === 'block').map((e) => e.position.slot);

  it('does not deliver a head older than the one a fill delivered, from the stream of the node filled from', async () => {
    chain.addBlock();
    b1.seen = b2.seen = 11;
    b1.send(11);
    await settle();
    expect(heads()).toEqual([11]);
    chain.addBlocks(2);
    b2.seen = 13;
    b2.hold = true;
    b1.stream?.end(); // b1 closes: b2 serves, its fill waits for its API
    await settle();
    expect(upstream.serving).toBe('b2');
    // b2's stream sends 12 and 13 while the fill waits; the fill then sees 13 on its API.
    b2.send(12);
    b2.send(13);
    b2.release();
    await settle();
    expect(blocks()).toEqual([11, 12, 13]);
    expect(heads()).toEqual([11, 13]);
  });

  it('drops the older heads a lagging stream sends after its fill, and takes its next ones', async () => {
    chain.addBlocks(2);
    b2.seen = 12;
    b1.stream?.end();
    await settle();
    expect(upstream.serving).toBe('b2');
    expect(heads()).toEqual([12]);
    // b2's stream sends what its API showed already, then a new block.
    b2.send(11);
    b2.send(12);
    chain.addBlock();
    b2.seen = 13;
    b2.send(13);
    await settle();
    expect(blocks()).toEqual([11, 12, 13]);
    expect(heads()).toEqual([12, 13]);
  });

  it('drops the heads a later node sends for blocks an earlier fill went past', async () => {
    chain.addBlocks(3);
    b2.seen = 13;
    b1.stream?.end(); // b2 fills 11 to 13 and their one head, 13
    await settle();
    chain.addBlock();
    b3.seen = 14;
    b2.stream?.end(); // b3 fills 14
    await settle();
    expect(upstream.serving).toBe('b3');
    expect(heads()).toEqual([13, 14]);
    // b3's stream sends what it had not sent yet (a node that was behind, or frozen).
    for (const slot of [11, 12, 13, 14]) b3.send(slot);
    await settle();
    expect(blocks()).toEqual([11, 12, 13, 14]);
    expect(heads()).toEqual([13, 14]);
  });

  it('still delivers a head of another branch that the stream sends after the fill (a reorg)', async () => {
    chain.addBlocks(2);
    b2.seen = 12;
    b1.stream?.end();
    await settle();
    expect(heads()).toEqual([12]);
    const fork = `0x${'ab'.repeat(32)}`;
    const data = { ...JSON.parse(chain.headData(chain.blocks[11])), block: fork } as unknown;
    b2.stream?.write(`event: head\ndata: ${JSON.stringify(data)}\n\n`);
    await settle();
    expect(delivered.filter((e) => e.topic === 'head').map((e) => e.key)).toEqual([
      `head:12:${chain.head.root}`,
      `head:11:${fork}`,
    ]);
  });
});
