import { ChainRpcError } from './chain-errors';
import { parseLogCriteria } from './log-criteria';

// The criteria of eth_newFilter / eth_subscribe("logs"), as geth parses and refuses them
// (eth/filters/api.go FilterCriteria.UnmarshalJSON, filter_system.go SubscribeLogs,
// rpc/json.go parsePositionalArguments): the same codes and messages.

const A1 = `0x${'ab'.repeat(20)}`;
const A2 = `0x${'CD'.repeat(20)}`;
const T1 = `0x${'11'.repeat(32)}`;
const T2 = `0x${'22'.repeat(32)}`;

function refusal(params: unknown, index = 0): { code: number; message: string } {
  try {
    parseLogCriteria(params, index);
  } catch (err) {
    if (!(err instanceof ChainRpcError)) throw err;
    return { code: err.code, message: err.message };
  }
  throw new Error(`accepted ${JSON.stringify(params)}`);
}

describe('log criteria', () => {
  it('reads one address or several, lowercased', () => {
    expect(parseLogCriteria([{ address: A2 }], 0).addresses).toEqual([A2.toLowerCase()]);
    expect(parseLogCriteria([{ address: [A1, A2] }], 0).addresses).toEqual([A1, A2.toLowerCase()]);
    expect(parseLogCriteria([{ address: [] }], 0).addresses).toEqual([]);
    expect(parseLogCriteria([{ address: null }], 0).addresses).toEqual([]);
  });

  it('reads topics by position: null and [] are wildcards, an array is an OR', () => {
    const c = parseLogCriteria(['logs', { topics: [T1, null, [T1, T2], []] }], 1);
    expect(c.topics).toEqual([[T1], null, [T1, T2], null]);
    expect(parseLogCriteria([{ topics: [[T1, null, 'junk']] }], 0).topics).toEqual([null]);
    expect(parseLogCriteria([{ topics: null }], 0).topics).toEqual([]);
  });

  it('reads block tags and numbers; null criteria or members mean none', () => {
    const c = parseLogCriteria([{ fromBlock: '0x10', toBlock: 'latest', other: 1 }], 0);
    expect(c).toMatchObject({ fromBlock: 16, toBlock: 'latest', blockHash: undefined });
    expect(parseLogCriteria([{ fromBlock: 'earliest' }], 0).fromBlock).toBe('earliest');
    expect(parseLogCriteria([null], 0)).toEqual({
      addresses: [],
      topics: [],
      blockHash: undefined,
      fromBlock: undefined,
      toBlock: undefined,
    });
    expect(parseLogCriteria([{ blockHash: T1, fromBlock: null }], 0).blockHash).toBe(T1);
  });

  it.each([
    [[], 0, 'missing value for required argument 0'],
    [['logs'], 1, 'missing value for required argument 1'],
    [[{}, {}], 0, 'too many arguments, want at most 1'],
    [{ address: A1 }, 0, 'non-array args'],
  ])('refuses the arguments %j (index %i) as geth: %s', (params, index, message) => {
    expect(refusal(params, index)).toEqual({ code: -32602, message });
  });

  it.each([
    ['abc', 'json: cannot unmarshal string into Go value of type filters.input'],
    [[1], 'json: cannot unmarshal array into Go value of type filters.input'],
    [
      { address: '0x12' },
      'invalid address: hex has invalid length 1 after decoding; expected 20 for address',
    ],
    [{ address: 'ab'.repeat(20) }, 'invalid address: hex string without 0x prefix'],
    [{ address: '0xabc' }, 'invalid address: hex string of odd length'],
    [{ address: '0xzz' }, 'invalid address: invalid hex string'],
    [{ address: '' }, 'invalid address: empty hex string'],
    [{ address: [A1, 5] }, 'non-string address at index 1'],
    [
      { address: [A1, '0x'] },
      'invalid address at index 1: hex has invalid length 0 after decoding; expected 20 for address',
    ],
    [{ address: 7 }, 'invalid addresses in query'],
    [
      { topics: T1 },
      'json: cannot unmarshal string into Go struct field input.topics of type []interface {}',
    ],
    [{ topics: [T1, T1, T1, T1, T1] }, 'exceed max topics'],
    [{ topics: ['0x11'] }, 'hex has invalid length 1 after decoding; expected 32 for topic'],
    [{ topics: [7] }, 'invalid topic(s)'],
    [{ topics: [[T1, 7]] }, 'invalid topic(s)'],
    [{ blockHash: 5 }, 'json: cannot unmarshal non-string into Go value of type common.Hash'],
    [{ blockHash: '0x12' }, 'hex string has length 2, want 64 for common.Hash'],
    [
      { blockHash: '11'.repeat(32) },
      'json: cannot unmarshal hex string without 0x prefix into Go value of type common.Hash',
    ],
    [
      { blockHash: T1, toBlock: 'latest' },
      'cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other',
    ],
    [{ fromBlock: 16 }, 'hex string without 0x prefix'],
    [{ fromBlock: '0x' }, 'hex string "0x"'],
    [{ fromBlock: '0x010' }, 'hex number with leading zero digits'],
    [{ fromBlock: '0xg' }, 'invalid hex string'],
    [{ fromBlock: '0x1ffffffffffffffff' }, 'hex number > 64 bits'],
    [{ fromBlock: '0x8000000000000000' }, 'block number larger than int64'],
    [{ toBlock: 'newest' }, 'hex string without 0x prefix'],
  ])('refuses %j as geth: invalid argument 0: %s', (criteria, message) => {
    expect(refusal([criteria])).toEqual({
      code: -32602,
      message: `invalid argument 0: ${message}`,
    });
    expect(refusal(['logs', criteria], 1)).toEqual({
      code: -32602,
      message: `invalid argument 1: ${message}`,
    });
  });

  it.each([
    [{ fromBlock: 'pending' }, 'pending logs are not supported'],
    [{ toBlock: 'pending' }, 'pending logs are not supported'],
    [{ fromBlock: '0x10', toBlock: '0xf' }, 'invalid block range params'],
    [{ toBlock: '0x10' }, 'invalid block range params'],
    [{ fromBlock: 'safe' }, 'invalid block range params'],
    [{ fromBlock: 'finalized', toBlock: 'latest' }, 'invalid block range params'],
    [{ fromBlock: '0x1', toBlock: 'earliest' }, 'invalid block range params'],
  ])('refuses the range %j: %s', (criteria, message) => {
    expect(refusal([criteria])).toEqual({ code: -32602, message });
  });

  it.each([
    [{ fromBlock: 'earliest' }],
    [{ fromBlock: 'earliest', toBlock: '0x5' }],
    [{ fromBlock: '0x5', toBlock: '0x5' }],
    [{ fromBlock: 'latest', toBlock: 'latest' }],
    [{ fromBlock: '0x0' }],
  ])('accepts the range %j', (criteria) => {
    expect(() => parseLogCriteria([criteria], 0)).not.toThrow();
  });

  it('refuses more than 1000 hashes in one topic position', () => {
    expect(refusal([{ topics: [Array(1001).fill(T1)] }])).toEqual({
      code: -32602,
      message: 'invalid argument 0: exceed max topics',
    });
  });

  it('refuses more than 1000 addresses with geth -32000', () => {
    const address = Array.from({ length: 1001 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
    expect(refusal([{ address }])).toEqual({
      code: -32000,
      message: 'exceed max addresses or topics per search position',
    });
  });
});
