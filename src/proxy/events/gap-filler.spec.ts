import { FakeChain } from '../../../test/support/fake-chain';
import { parseCoreEvent } from './beacon-event';
import { type Cursor } from './chain-log';
import { MAX_FILL_BLOCKS } from './events.constants';
import { GapFiller, type FillInput } from './gap-filler';

// The fill against a chain's beacon API answers (FakeChain: the same answers the local
// beacon servers of the e2e specs give), without HTTP.

function filler(chain: FakeChain, paths: string[] = []): GapFiller {
  return new GapFiller((path) => {
    paths.push(path);
    return Promise.resolve(chain.answer(path));
  });
}

function cursorAt(chain: FakeChain, slot: number): Cursor {
  const b = chain.atOrBefore(slot);
  return {
    blockSlot: b.slot,
    headSlot: b.slot,
    headRoot: b.root,
    finalizedEpoch: chain.finalized.epoch,
  };
}

function input(chain: FakeChain, cursor: Cursor, extra: Partial<FillInput> = {}): FillInput {
  return {
    cursor,
    knownBlock: () => false,
    cachedHead: undefined,
    slotsPerEpoch: chain.slotsPerEpoch,
    ...extra,
  };
}

describe('GapFiller', () => {
  it('seeds from the head and finality when the log has no position yet', async () => {
    const chain = new FakeChain();
    chain.addBlocks(20);
    chain.finalize(1);
    const empty: Cursor = { blockSlot: null, headSlot: null, headRoot: null, finalizedEpoch: null };
    await expect(filler(chain).fill(input(chain, empty))).resolves.toEqual({
      kind: 'seed',
      slot: 20,
      root: chain.head.root,
      finalizedEpoch: 1,
    });
  });

  it('rebuilds every block since the cursor along parent roots (empty slots skipped), the head and new finality, exactly as the node sends them', async () => {
    const chain = new FakeChain();
    chain.addBlocks(14);
    const cursor = cursorAt(chain, 14);
    chain.addBlock();
    chain.addBlock(2); // slots 16 and 17 empty
    chain.addBlock();
    chain.finalize(1);
    const result = await filler(chain).fill(input(chain, cursor));
    expect(result.kind).toBe('fill');
    if (result.kind !== 'fill') return;
    const blocks = chain.blocks.filter((b) => b.slot > 14);
    expect(result.events.map((e) => [e.topic, e.data])).toEqual([
      ...blocks.map((b) => ['block', chain.blockData(b)]),
      ['head', chain.headData(chain.head)],
      ['finalized_checkpoint', chain.finalizedData()],
    ]);
    expect(result.incomplete).toBe(false);
    expect(result.skipped).toEqual([]);
  });

  it('stops at a block the log delivered, and takes the node cached head event as it is', async () => {
    const chain = new FakeChain();
    chain.addBlocks(10);
    const cached = parseCoreEvent({
      event: 'head',
      data: chain.headData(chain.head),
      id: undefined,
    });
    const paths: string[] = [];
    const known = (slot: number) => slot <= 8;
    const result = await filler(chain, paths).fill(
      input(chain, cursorAt(chain, 5), { knownBlock: known, cachedHead: cached }),
    );
    expect(
      result.kind === 'fill' && result.events.map((e) => `${e.topic}:${'slot' in e ? e.slot : ''}`),
    ).toEqual(['block:9', 'block:10', 'head:10']);
    expect(result.kind === 'fill' && result.events[2]).toBe(cached);
    // The head's ancestors down to the delivered block the walk stopped at.
    const roots = [8, 9].map((slot) => chain.atSlot(slot)?.root);
    expect(result.kind === 'fill' && result.superseded).toEqual(roots);
    expect(paths.filter((p) => p.startsWith('/eth/v1/beacon/headers/')).length).toBe(3);
  });

  it('delivers nothing from a node behind the cursor, and no block when the gap is too long', async () => {
    const chain = new FakeChain();
    chain.addBlocks(MAX_FILL_BLOCKS + 5);
    const behind = await filler(chain).fill(input(chain, cursorAt(chain, chain.head.slot + 3)));
    expect(behind).toEqual({
      kind: 'fill',
      events: [],
      incomplete: false,
      skipped: [],
      superseded: [],
    });
    const far = await filler(chain).fill(input(chain, cursorAt(chain, 1)));
    expect(far.kind === 'fill' && far.incomplete).toBe(true);
    expect(far.kind === 'fill' && far.events.map((e) => e.topic)).toEqual(['head']);
  });

  it('says why a head it could not rebuild was left out, and still delivers the blocks', async () => {
    const chain = new FakeChain();
    chain.addBlocks(20);
    const cursor = cursorAt(chain, 18);
    const broken = new GapFiller((path) =>
      Promise.resolve(
        /headers\/\d+$/.test(path) && Number(path.split('/').pop()) < 19
          ? { status: 500, body: undefined }
          : chain.answer(path),
      ),
    );
    const result = await broken.fill(input(chain, cursor));
    expect(result.kind === 'fill' && result.events.map((e) => e.topic)).toEqual(['block', 'block']);
    expect(result.kind === 'fill' && result.skipped).toEqual([
      expect.stringMatching(/^headers\/(7|15): HTTP 500$/),
    ]);
  });
});
