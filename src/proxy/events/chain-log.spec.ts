import { blockEvent, type CoreEvent, finalizedEvent } from './beacon-event';
import { ChainLog, type LogEntry } from './chain-log';
import { comparePositions, eventId, parseEventId } from './event-id';

const root = (n: number, fork = 0): string =>
  `0x${n.toString(16).padStart(8, '0')}${String(fork).repeat(56)}`;

function head(slot: number, r = root(slot)): CoreEvent {
  return { topic: 'head', slot, root: r, data: JSON.stringify({ slot: String(slot), block: r }) };
}

function feed(log: ChainLog, events: readonly CoreEvent[]): (LogEntry | undefined)[] {
  return events.map((e) => log.append(e, false));
}

describe('event ids', () => {
  it('derive from slot, rank and root, and parse back (with an n suffix for other topics)', () => {
    const id = eventId({ slot: 1234, rank: 1 }, `0xab12cd34${'0'.repeat(56)}`);
    expect(id).toBe('1234-1-ab12cd34');
    expect(parseEventId(`${id}.7`)).toEqual({ base: id, position: { slot: 1234, rank: 1 } });
    for (const bad of [
      '',
      '12',
      '1-3-ab12cd34',
      '1-0-AB12CD34',
      'x1-0-ab12cd34',
      '1-0-ab12cd34.x',
    ]) {
      expect(parseEventId(bad)).toBeUndefined();
    }
    expect(comparePositions({ slot: 2, rank: 0 }, { slot: 1, rank: 2 })).toBeGreaterThan(0);
    expect(comparePositions({ slot: 2, rank: 0 }, { slot: 2, rank: 1 })).toBeLessThan(0);
  });
});

describe('ChainLog', () => {
  it('orders a slot as nodes do (block, head, then finality at the newest slot) and ids say so', () => {
    const log = new ChainLog(16);
    const [b, h, f] = feed(log, [
      blockEvent(8, root(8), false),
      head(8),
      finalizedEvent(1, root(0), root(99), false),
    ]);
    expect([b?.id, h?.id, f?.id]).toEqual([
      `8-0-${root(8).slice(2, 10)}`,
      `8-1-${root(8).slice(2, 10)}`,
      `8-2-${root(0).slice(2, 10)}`,
    ]);
    expect(f?.wire).toBe(
      `id: ${f?.id}\nevent: finalized_checkpoint\ndata: ${finalizedEvent(1, root(0), root(99), false).data}\n\n`,
    );
    expect(log.cursor).toEqual({ blockSlot: 8, headSlot: 8, headRoot: root(8), finalizedEpoch: 1 });
  });

  it('never appends the same topic, slot and root twice, nor finality that did not move', () => {
    const log = new ChainLog(16);
    const seen: string[] = [];
    log.subscribe((e) => seen.push(e.id));
    const out = feed(log, [
      blockEvent(1, root(1), false),
      blockEvent(1, root(1), true), // same block from another node, other flags
      blockEvent(1, root(1, 1), false), // another block at the slot: a fork, delivered
      head(1),
      head(1),
      finalizedEvent(2, root(0), root(9), false),
      finalizedEvent(2, root(0), root(8), false),
      finalizedEvent(1, root(3), root(8), false),
    ]);
    expect(out.map((e) => e !== undefined)).toEqual([
      true,
      false,
      true,
      true,
      false,
      true,
      false,
      false,
    ]);
    expect(seen).toHaveLength(4);
  });

  it('keeps the last `capacity` events and refuses events older than it can tell apart', () => {
    const log = new ChainLog(4);
    feed(
      log,
      [1, 2, 3, 4, 5, 6].map((s) => blockEvent(s, root(s), false)),
    );
    expect(log.size).toBe(4);
    expect(log.append(blockEvent(2, root(2), false), false)).toBeUndefined();
    expect(log.append(blockEvent(3, root(3, 2), false), false)).toBeDefined();
  });

  it('refuses a head for a block it was told it went past, not the block nor another branch', () => {
    const log = new ChainLog(3);
    log.passHeads([root(1), root(2)]);
    expect(log.append(head(2), false)).toBeUndefined();
    expect(log.append(blockEvent(2, root(2), false), false)).toBeDefined();
    expect(log.append(head(2, root(2, 1)), false)).toBeDefined(); // a fork at slot 2
    // Bounded: the oldest roots are forgotten first.
    log.passHeads([root(3), root(4)]);
    expect(log.append(head(1), false)).toBeDefined();
    expect(log.append(head(3), false)).toBeUndefined();
  });

  it('replays what came after an id it holds, and after the position of one it does not', () => {
    const log = new ChainLog(16);
    const entries = feed(
      log,
      [1, 2, 3].flatMap((s) => [blockEvent(s, root(s), false), head(s)]),
    );
    const after = log.replayAfter(`${entries[1]?.id}.3`);
    expect(after?.entries.map((e) => e.id)).toEqual(entries.slice(2).map((e) => e?.id));
    expect(after?.floor).toBeNull();
    // An id of the same chain from another replica (other root digits): by position.
    const other = log.replayAfter('2-0-ffffffff');
    expect(other?.entries.map((e) => e.position)).toEqual([
      { slot: 2, rank: 1 },
      { slot: 3, rank: 0 },
      { slot: 3, rank: 1 },
    ]);
    expect(other?.floor).toEqual({ slot: 2, rank: 0 });
    expect(log.replayAfter('not an id of ours')).toBeUndefined();
  });

  it('seeds its position from a node without delivering anything', () => {
    const log = new ChainLog(4);
    log.seed(100, root(100), 10);
    expect(log.size).toBe(0);
    expect(log.lastId).toBe(`100-1-${root(100).slice(2, 10)}`);
    expect(log.cursor).toEqual({
      blockSlot: 100,
      headSlot: 100,
      headRoot: root(100),
      finalizedEpoch: 10,
    });
  });
});
