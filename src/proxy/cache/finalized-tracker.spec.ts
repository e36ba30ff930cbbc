import { Logger } from '@nestjs/common';
import { AnvilNode } from '../../../test/support/anvil';
import { jsonRpc } from '../../../test/support/json-rpc';
import { stopAll } from '../../../test/support/processes';
import { FinalizedTracker, finalizedNumberOf } from './finalized-tracker';

// The finalized height: from the nodes only, never backwards, refreshed on a schedule
// and when the head moves; against a scripted fetch and a real anvil node.

/** A fetch that answers from a script of results (numbers, null, or errors). */
function scripted(...answers: (number | null | Error)[]) {
  const calls: number[] = [];
  const fetch = jest.fn(async () => {
    calls.push(calls.length);
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next instanceof Error) throw next;
    return next ?? null;
  });
  return fetch;
}

describe('FinalizedTracker', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('is unknown until a node reports a finalized block, and never guesses', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const tracker = new FinalizedTracker(scripted(null, new Error('ECONNREFUSED'), 40));
    expect(tracker.height).toBeUndefined();
    expect(await tracker.refresh()).toBeUndefined();
    expect(await tracker.refresh()).toBeUndefined();
    expect(await tracker.refresh()).toBe(40);
  });

  it('never goes back: a lower answer is ignored with one warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const gauge = { set: jest.fn() };
    const tracker = new FinalizedTracker(scripted(50, 45, 44, 50, 60, 55), { gauge });
    for (let i = 0; i < 6; i++) await tracker.refresh();
    expect(tracker.height).toBe(60);
    expect(gauge.set.mock.calls).toEqual([[50], [60]]);
    const lower = warn.mock.calls.filter((c) => String(c[1]).includes('older finalized block'));
    expect(lower).toHaveLength(2); // 45 (then 44 quietly), and 55 after agreement at 50/60
  });

  it('keeps the known height through failed fetches, logging the failure once', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const tracker = new FinalizedTracker(
      scripted(10, new Error('timeout'), new Error('timeout'), 12),
    );
    for (let i = 0; i < 4; i++) await tracker.refresh();
    expect(tracker.height).toBe(12);
    expect(warn.mock.calls.filter((c) => String(c[1]).includes('cannot read'))).toHaveLength(1);
    expect(log.mock.calls.filter((c) => String(c[0]).includes('readable again'))).toHaveLength(1);
  });

  it('ignores answers that are not block numbers', async () => {
    const tracker = new FinalizedTracker(scripted(-1, 1.5, Number.MAX_VALUE, 3));
    for (let i = 0; i < 4; i++) await tracker.refresh();
    expect(tracker.height).toBe(3);
  });

  it('runs one fetch at a time', async () => {
    let release: (n: number) => void = () => undefined;
    const fetch = jest.fn(() => new Promise<number>((resolve) => (release = resolve)));
    const tracker = new FinalizedTracker(fetch);
    const a = tracker.refresh();
    const b = tracker.refresh();
    release(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('refreshes on its schedule and, at most every minIntervalMs, when the head moves', async () => {
    jest.useFakeTimers();
    let t = 0;
    const fetch = scripted(1, 2, 3, 4, 5, 6);
    const tracker = new FinalizedTracker(fetch, {
      refreshMs: 10_000,
      minIntervalMs: 1000,
      now: () => t,
    });
    tracker.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(1);
    t = 500;
    tracker.headMoved();
    expect(fetch).toHaveBeenCalledTimes(1);
    t = 1000;
    tracker.headMoved();
    await jest.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(2);
    t = 10_000;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(fetch).toHaveBeenCalledTimes(3);
    tracker.stop();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(tracker.height).toBe(3);
  });

  it('lowers the height only when told of a reorg beyond it', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const tracker = new FinalizedTracker(scripted(100));
    await tracker.refresh();
    tracker.reorgBeyond(120);
    expect(tracker.height).toBe(100);
    tracker.reorgBeyond(90);
    expect(tracker.height).toBe(90);
  });

  it.each([
    [null, null],
    [{ number: '0x24', hash: '0x1' }, 36],
    [{ number: '0x0' }, 0],
  ])('reads the number of %j', (result, expected) => {
    expect(finalizedNumberOf(result)).toBe(expected);
  });

  it.each([[{}], ['0x24'], [{ number: 36 }], [{ number: '0x' }], [[]]])('refuses %j', (result) => {
    expect(() => finalizedNumberOf(result)).toThrow(/not a block/);
  });
});

describe('FinalizedTracker against anvil', () => {
  let node: AnvilNode;

  beforeAll(async () => {
    node = await AnvilNode.start({ noMining: true });
  });

  afterAll(() => stopAll());

  it('follows the finalized block a real node reports (anvil: head - 64)', async () => {
    const fetch = async () =>
      finalizedNumberOf(await jsonRpc(node.httpUrl, 'eth_getBlockByNumber', ['finalized', false]));
    const tracker = new FinalizedTracker(fetch);
    expect(await tracker.refresh()).toBe(0);
    await node.mine(100);
    expect(await tracker.refresh()).toBe(36);
    await node.mine(10);
    tracker.headMoved();
    expect(await tracker.refresh()).toBe(46);
  });
});
