import { type BlockHeader } from './block-header';
import { type ChainLog, logsOfBlock } from './chain-log';
import {
  FAKE_ADDRESSES as ADDR,
  FAKE_TOPICS as TOPIC,
  FakeChain,
  type FakeLog,
} from './fake-chain';
import { parseLogCriteria } from './log-criteria';
import { LogFilter } from './log-filter';

// Matching a log against criteria with geth's rules (eth/filters/filter.go filterLogs),
// and skipping a block by its bloom (bloomFilter).

const chain = new FakeChain(50);

function blockWith(logs: FakeLog[]) {
  const [block] = chain.mine(1, () => logs);
  return {
    block,
    logs: logsOfBlock(chain.logsResult(block), block.header) as ChainLog[],
  };
}

const filter = (criteria: unknown) => new LogFilter(parseLogCriteria([criteria], 0));
const { block, logs } = blockWith([
  { address: ADDR[0], topics: [] },
  { address: ADDR[1], topics: [TOPIC[0]] },
  { address: ADDR[1], topics: [TOPIC[0], TOPIC[1]] },
  { address: ADDR[2], topics: [TOPIC[1], TOPIC[2], TOPIC[0]] },
]);
const matching = (criteria: unknown) =>
  logs.filter((l) => filter(criteria).matches(l)).map((l) => l.logIndex);
const skips = (criteria: unknown, header: BlockHeader = block.header) =>
  filter(criteria).skipsBlock(header.number, header.hash, () =>
    Buffer.from(header.logsBloom.slice(2), 'hex'),
  );

describe('log filter', () => {
  it('matches any of the addresses given, any address without', () => {
    expect(matching({})).toEqual([0, 1, 2, 3]);
    expect(matching({ address: ADDR[1] })).toEqual([1, 2]);
    expect(matching({ address: [ADDR[0], ADDR[2]] })).toEqual([0, 3]);
  });

  it('needs as many topics as positions, each matching any of its hashes', () => {
    expect(matching({ topics: [TOPIC[0]] })).toEqual([1, 2]);
    expect(matching({ topics: [null] })).toEqual([1, 2, 3]);
    expect(matching({ topics: [[]] })).toEqual([1, 2, 3]);
    expect(matching({ topics: [null, null] })).toEqual([2, 3]);
    expect(matching({ topics: [[TOPIC[0], TOPIC[1]], TOPIC[1]] })).toEqual([2]);
    expect(matching({ topics: [null, null, TOPIC[0]] })).toEqual([3]);
    expect(matching({ address: ADDR[1], topics: [null, TOPIC[1]] })).toEqual([2]);
  });

  it('bounds by numeric fromBlock / toBlock only, and by blockHash', () => {
    const n = block.number;
    expect(matching({ fromBlock: `0x${n.toString(16)}` })).toHaveLength(4);
    expect(matching({ fromBlock: `0x${(n + 1).toString(16)}` })).toEqual([]);
    expect(matching({ fromBlock: '0x0', toBlock: `0x${(n - 1).toString(16)}` })).toEqual([]);
    expect(matching({ fromBlock: 'earliest' })).toHaveLength(4);
    expect(matching({ blockHash: block.hash })).toHaveLength(4);
    expect(matching({ blockHash: `0x${'9'.repeat(64)}` })).toEqual([]);
  });

  it('skips a block whose bloom cannot hold a match, never one that may', () => {
    expect(skips({})).toBe(false);
    expect(skips({ address: ADDR[1] })).toBe(false);
    expect(skips({ topics: [null, TOPIC[2]] })).toBe(false);
    const other = `0x${'4'.repeat(40)}`;
    expect(skips({ address: other })).toBe(true);
    expect(skips({ address: [other, ADDR[2]] })).toBe(false);
    expect(skips({ topics: [`0x${'d'.repeat(64)}`] })).toBe(true);
    const empty = blockWith([]).block.header;
    expect(skips({ address: ADDR[0] }, empty)).toBe(true);
    expect(skips({}, empty)).toBe(false);
    expect(skips({ fromBlock: `0x${(block.number + 1).toString(16)}` })).toBe(true);
  });

  it('gives the criteria back as eth_getLogs parameters', () => {
    const criteria = {
      address: ADDR[0],
      topics: [TOPIC[0], null, [TOPIC[1]]],
      fromBlock: '0x10',
      toBlock: 'latest',
    };
    expect(filter(criteria).toQuery()).toEqual({
      address: [ADDR[0]],
      topics: [[TOPIC[0]], null, [TOPIC[1]]],
      fromBlock: '0x10',
      toBlock: 'latest',
    });
    expect(filter({ blockHash: block.hash }).toQuery()).toEqual({ blockHash: block.hash });
    expect(filter(null).toQuery()).toEqual({});
  });
});
