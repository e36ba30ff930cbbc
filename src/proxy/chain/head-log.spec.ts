import { type ChainEntry } from './chain-entry';
import { type ChainGap, type ChainReorg, type HeadLogOptions } from './chain.types';
import { FAKE_ADDRESSES, FAKE_TOPICS, type FakeBlock, FakeChain } from './fake-chain';
import { HeadLog } from './head-log';

// Worked examples of the head log's rules, one each (the properties over random
// sequences of chain events are in chain.properties.spec.ts).

const A = { node: 'a', authoritative: true };
const B = { node: 'b', authoritative: false };

type Event =
  ['added', number, string] | ['reorg', string[], string[]] | ['gap', ChainGap] | ['logs', number];

function setup(options: Partial<HeadLogOptions> = {}, chain = new FakeChain(100)) {
  const log = new HeadLog(chain, { depth: 8, ...options });
  const events: Event[] = [];
  const short = (b: ChainEntry) => `${b.number}:${b.hash.slice(-4)}`;
  log.subscribe({
    added: (b) => events.push(['added', b.number, b.hash]),
    reorg: (r: ChainReorg) => events.push(['reorg', r.removed.map(short), r.added.map(short)]),
    gap: (g) => events.push(['gap', g]),
    logs: (b) => events.push(['logs', b.number]),
  });
  const see = async (block: FakeBlock, source = A) => {
    log.observe(block.header, source);
    await log.idle();
  };
  const canonical = () => {
    const out: number[] = [];
    for (let n = log.tail?.number ?? 0; n <= (log.head?.number ?? -1); n++) out.push(n);
    return out.map((n) => log.at(n)?.hash);
  };
  return { chain, log, events, see, canonical, short };
}

describe('HeadLog', () => {
  it('starts at the first header and grows by parent hash; duplicates change nothing', async () => {
    const { chain, log, events, see } = setup();
    const [b1, b2] = chain.mine(2);
    await see(chain.at(100) as FakeBlock);
    await see(b1);
    await see(b1, B);
    await see(b2, B);
    expect(events).toEqual([
      ['added', 100, chain.at(100)?.hash],
      ['added', 101, b1.hash],
      ['added', 102, b2.hash],
    ]);
    expect(log.head?.hash).toBe(b2.hash);
    expect(chain.calls.blockByHash + chain.calls.blockByNumber).toBe(0);
  });

  it('ignores an authoritative node behind the oldest block held (it catches up, a stale poll)', async () => {
    const { chain, log, events, see } = setup({}, new FakeChain(90));
    chain.mine(10);
    const [b1, b2] = chain.mine(2);
    await see(b2, B); // a log that has just started: one block
    await see(b1); // the authoritative node is one block behind
    await see(chain.at(97) as FakeBlock);
    expect(events).toEqual([['added', 102, b2.hash]]);
    // checked by walking the oldest block's parents, fetched once
    expect(chain.calls.blockByHash).toBe(5);
    const [b3] = chain.mine(1);
    await see(b3);
    expect(events.at(-1)).toEqual(['added', 103, b3.hash]);
    expect(log.head?.hash).toBe(b3.hash);
  });

  it('fills a hole from the source and announces the blocks oldest first', async () => {
    const { chain, log, events, see } = setup();
    await see(chain.head);
    const blocks = chain.mine(5);
    await see(blocks[4], B);
    expect(events.slice(1)).toEqual(blocks.map((b) => ['added', b.number, b.hash]));
    expect(chain.calls.blockByHash).toBe(4);
    expect(log.head?.number).toBe(105);
  });

  it('fetches a hole by number first for the authoritative node, checking every link', async () => {
    const { chain, events, see } = setup();
    await see(chain.head);
    const blocks = chain.mine(6);
    await see(blocks[5], A);
    expect(events.slice(1)).toEqual(blocks.map((b) => ['added', b.number, b.hash]));
    expect(chain.calls.blockByNumber).toBe(5);
    expect(chain.calls.blockByHash).toBe(0);
  });

  it('treats a parent mismatch above the head as a reorg from the fork point', async () => {
    const { chain, events, see, short, log } = setup();
    await see(chain.head);
    const old = chain.mine(3);
    for (const b of old) await see(b);
    const fresh = chain.reorg(2, 3);
    await see(fresh[2], B);
    const entry = (b: FakeBlock) => short(log.known(b.hash) as ChainEntry);
    expect(events.at(-1)).toEqual(['reorg', old.slice(1).map(entry), fresh.map(entry)]);
    expect(log.head?.hash).toBe(fresh[2].hash);
  });

  it('follows an authoritative reorg to a shorter chain, but not a side node', async () => {
    const { chain, log, events, see } = setup();
    await see(chain.head);
    const old = chain.mine(3);
    for (const b of old) await see(b);
    const [fresh] = chain.reorg(2, 1);
    await see(fresh, B);
    expect(log.head?.hash).toBe(old[2].hash);
    await see(fresh, A);
    expect(log.head?.hash).toBe(fresh.hash);
    expect(events.at(-1)).toMatchObject([
      'reorg',
      [expect.any(String), expect.any(String)],
      [expect.any(String)],
    ]);
  });

  it('restarts with a gap on an authoritative jump beyond the depth, ignores it from a side node', async () => {
    const { chain, log, events, see } = setup();
    await see(chain.head);
    const far = chain.mine(20)[19];
    await see(far, B);
    expect(log.head?.number).toBe(100);
    await see(far, A);
    expect(events.slice(1)).toEqual([
      ['gap', { reason: 'gap', from: 101, to: 119 }],
      ['added', 120, far.hash],
    ]);
    expect(log.epoch).toBe(1);
    expect(chain.calls.blockByHash + chain.calls.blockByNumber).toBe(0);
  });

  it('never fetches more than depth blocks for a header a node claims far ahead', async () => {
    const { chain, log, see } = setup();
    await see(chain.head);
    const hostile = { ...chain.mine(1)[0].header, number: 1e9, hash: '0x' + 'e'.repeat(64) };
    log.observe(hostile, A);
    log.observe(
      { ...hostile, number: 108, hash: '0x' + 'f'.repeat(64), parentHash: '0x' + '9'.repeat(64) },
      B,
    );
    await log.idle();
    expect(chain.calls.blockByHash + chain.calls.blockByNumber).toBeLessThanOrEqual(8);
    expect(log.head?.number).toBe(1e9);
  });

  it('changes nothing when a fetch fails, and goes on from the kept blocks later', async () => {
    const { chain, log, see } = setup();
    await see(chain.head);
    const blocks = chain.mine(4);
    let failing = true;
    chain.fail = (call, key) => failing && call === 'blockByHash' && key === blocks[0].hash;
    await see(blocks[3], B);
    expect(log.head?.number).toBe(100);
    const calls = chain.calls.blockByHash;
    failing = false;
    const next = chain.mine(1)[0];
    await see(next, B);
    expect(log.head?.hash).toBe(next.hash);
    expect(chain.calls.blockByHash - calls).toBe(1); // only the block that failed
  });

  it('retries a stalled authoritative observation after the next one', async () => {
    const problems: string[] = [];
    const { chain, log, see } = setup({ onProblem: (p) => problems.push(p.kind) });
    await see(chain.head);
    const blocks = chain.mine(2);
    chain.fail = () => true;
    await see(blocks[1], A);
    expect(problems).toContain('stall');
    chain.fail = () => false;
    await see(chain.at(100) as FakeBlock, B);
    expect(log.head?.hash).toBe(blocks[1].hash);
  });

  it('restarts when an authoritative chain forks below the oldest block held', async () => {
    const { chain, log, events, see } = setup({ depth: 4 });
    await see(chain.head);
    for (const b of chain.mine(6)) await see(b);
    const fresh = chain.reorg(5, 5);
    await see(fresh[4], B);
    expect(log.head?.number).toBe(106);
    expect(log.epoch).toBe(0);
    await see(fresh[4], A);
    expect(events.at(-2)).toEqual(['gap', { reason: 'reorg', below: 103 }]);
    expect(log.epoch).toBe(1);
  });

  it('keeps depth blocks', async () => {
    const { chain, log, see } = setup({ depth: 4 });
    await see(chain.head);
    for (const b of chain.mine(10)) await see(b);
    expect(log.tail?.number).toBe(107);
    expect(log.at(106)).toBeUndefined();
    expect(log.stats().blocks).toBe(4);
  });

  it('drops its oldest blocks at once when the depth is made smaller', async () => {
    const { chain, log, see } = setup({ depth: 8 });
    await see(chain.head);
    for (const b of chain.mine(7)) await see(b);
    log.configure({ depth: 3 });
    expect([log.tail?.number, log.head?.number]).toEqual([105, 107]);
    expect(() => log.configure({ depth: 0 })).toThrow('head log depth must be >= 1, not 0');
  });

  it('processes one observation at a time, in order', async () => {
    const { chain, log, events } = setup();
    log.observe(chain.head.header, A);
    const blocks = chain.mine(6);
    for (const b of [blocks[3], blocks[1], blocks[5], blocks[4]]) log.observe(b.header, B);
    await log.idle();
    expect(events.map((e) => e[1])).toEqual([100, 101, 102, 103, 104, 105, 106]);
  });

  it('fetches logs on request, once per block, never for an empty bloom', async () => {
    const { chain, log, events, see } = setup();
    await see(chain.head);
    const [empty, full] = chain.mine(2, (i) =>
      i === 0 ? [] : [{ address: FAKE_ADDRESSES[0], topics: [FAKE_TOPICS[0]] }],
    );
    await see(full);
    const e0 = log.known(empty.hash) as ChainEntry;
    const e1 = log.known(full.hash) as ChainEntry;
    expect(log.requestLogs(e0)).toBe(true);
    expect(log.requestLogs(e1)).toBe(false);
    expect(log.requestLogs(e1)).toBe(false);
    await log.idle();
    expect(log.requestLogs(e1)).toBe(true);
    expect(e1.logs?.map((l) => [l.address, l.logIndex])).toEqual([[FAKE_ADDRESSES[0], 0]]);
    expect(chain.calls.logsOfBlock).toBe(1);
    expect(events.at(-1)).toEqual(['logs', 102]);
  });

  it('retries a failed logs fetch only after a later observation', async () => {
    const { chain, log, see } = setup();
    await see(chain.head);
    const [b] = chain.mine(1, () => [{ address: FAKE_ADDRESSES[1], topics: [] }]);
    await see(b);
    chain.fail = (call) => call === 'logsOfBlock';
    const entry = log.known(b.hash) as ChainEntry;
    log.requestLogs(entry);
    await log.idle();
    expect(entry.logsState).toBe('failed');
    log.requestLogs(entry);
    await log.idle();
    expect(chain.calls.logsOfBlock).toBe(1);
    chain.fail = () => false;
    await see(b, B);
    expect(entry.logsState).toBe('ready');
    expect(chain.calls.logsOfBlock).toBe(2);
  });

  it('rejects logs that are not the block asked for', async () => {
    const { chain, log, see } = setup();
    await see(chain.head);
    const [b] = chain.mine(1, () => [{ address: FAKE_ADDRESSES[1], topics: [] }]);
    await see(b);
    chain.logsOfBlock = async () => chain.logsResult({ ...b, hash: '0x' + '7'.repeat(64) });
    const entry = log.known(b.hash) as ChainEntry;
    log.requestLogs(entry);
    await log.idle();
    expect(entry.logsState).toBe('failed');
    expect(entry.logs).toBeUndefined();
  });
});
