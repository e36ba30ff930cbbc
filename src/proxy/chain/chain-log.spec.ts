import { type BlockHeader } from './block-header';
import { logsOfBlock } from './chain-log';
import { FAKE_ADDRESSES, FAKE_TOPICS, FakeChain } from './fake-chain';

// Logs of a block read from eth_getLogs({ blockHash }), checked against the block.

const chain = new FakeChain(7);
const [block] = chain.mine(1, () => [
  { address: FAKE_ADDRESSES[0], topics: [FAKE_TOPICS[0]] },
  { address: FAKE_ADDRESSES[1], topics: [] },
]);
const raw = () => chain.logsResult(block);

describe('chain logs', () => {
  it('writes geth field order, the header timestamp when the node gives none', () => {
    const [log] = logsOfBlock(raw(), block.header) as Exclude<
      ReturnType<typeof logsOfBlock>,
      string
    >;
    expect(Object.keys(JSON.parse(log.json) as object)).toEqual([
      'address',
      'topics',
      'data',
      'blockNumber',
      'transactionHash',
      'transactionIndex',
      'blockHash',
      'blockTimestamp',
      'logIndex',
      'removed',
    ]);
    expect(JSON.parse(log.json)).toMatchObject({
      blockTimestamp: block.header.timestamp,
      removed: false,
    });
    expect(JSON.parse(log.removedJson)).toEqual({ ...JSON.parse(log.json), removed: true });
    expect(log.notification(true).toString()).toBe(`","result":${log.removedJson}}}`);
  });

  it('keeps a timestamp the node gives, and sorts by log index', () => {
    const given = raw()
      .map((l) => ({ ...l, blockTimestamp: '0x5' }))
      .reverse();
    const logs = logsOfBlock(given, block.header) as Exclude<
      ReturnType<typeof logsOfBlock>,
      string
    >;
    expect(logs.map((l) => l.logIndex)).toEqual([0, 1]);
    expect(JSON.parse(logs[0].json)).toMatchObject({ blockTimestamp: '0x5' });
  });

  it.each([
    ['not an array', () => ({}), 'logs are not an array'],
    ['no logs for a non-empty bloom', () => [], 'no logs but a non-empty bloom'],
    [
      'a log of another block',
      () => [{ ...raw()[0], blockHash: `0x${'9'.repeat(64)}` }],
      'log of another block',
    ],
    [
      'a wrong block number',
      () => [{ ...raw()[0], blockNumber: '0x1' }],
      'log blockNumber is not the block',
    ],
    ['a repeated index', () => [raw()[0], raw()[0]], 'two logs with one index'],
    ['a removed log', () => [{ ...raw()[0], removed: true }], 'log of a block marked removed'],
    [
      'five topics',
      () => [{ ...raw()[0], topics: Array(5).fill(FAKE_TOPICS[0]) }],
      'log topics are not at most 4 hashes',
    ],
    [
      'a bad address',
      () => [{ ...raw()[0], address: '0x12' }],
      'log address is not 20 bytes of hex',
    ],
    [
      'a bad index',
      () => [{ ...raw()[0], logIndex: 3 }],
      'log index or transaction index is not a quantity',
    ],
    ['a log that is no object', () => ['x'], 'a log is not an object'],
  ])('refuses %s', (_what, result, problem) => {
    expect(logsOfBlock(result(), block.header as BlockHeader)).toBe(problem);
  });
});
