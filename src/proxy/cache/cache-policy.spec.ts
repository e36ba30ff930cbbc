import { cacheKey, canonicalJson, MAX_KEY_LENGTH } from './cache-key';
import { CACHEABLE_METHODS, cachePolicy, mayStore, type StoreRule } from './cache-policy';

// Which calls are cached, under which rule: every method, every kind of block
// parameter, against a known and an unknown finalized height.

const H = `0x${'ab'.repeat(32)}`;
const H2 = `0x${'CD'.repeat(32)}`;
const ADDR = `0x${'12'.repeat(20)}`;
const F = 100; // the finalized block in these tables

type Case = readonly [string, unknown, StoreRule | undefined];

const cases: readonly Case[] = [
  // Constants of the chain.
  ['eth_chainId', [], 'value'],
  ['eth_chainId', undefined, 'value'],
  ['eth_chainId', ['x'], undefined],
  ['net_version', [], 'value'],
  // Never: moving or node-local answers.
  ['eth_blockNumber', [], undefined],
  ['eth_gasPrice', [], undefined],
  ['eth_syncing', [], undefined],
  ['eth_sendRawTransaction', ['0x00'], undefined],
  ['eth_getFilterChanges', ['0x1'], undefined],
  ['eth_getRawTransactionByHash', [H], undefined],
  ['debug_traceTransaction', [H], undefined],
  // Blocks by hash: always; by number: at or below finalized, never a tag.
  ['eth_getBlockByHash', [H, false], 'value'],
  ['eth_getBlockByHash', [H, true], 'value'],
  ['eth_getBlockByHash', [H], 'value'],
  ['eth_getBlockByHash', ['0x1234', false], undefined],
  ['eth_getBlockByHash', [H, false, 'extra'], undefined],
  ['eth_getBlockByHash', [], undefined],
  ['eth_getBlockByNumber', ['0x64', false], 'value'],
  ['eth_getBlockByNumber', ['0x0', true], 'value'],
  ['eth_getBlockByNumber', ['0x65', false], undefined],
  ['eth_getBlockByNumber', ['latest', false], undefined],
  ['eth_getBlockByNumber', ['pending', false], undefined],
  ['eth_getBlockByNumber', ['safe', false], undefined],
  ['eth_getBlockByNumber', ['finalized', false], undefined],
  ['eth_getBlockByNumber', ['earliest', false], undefined],
  ['eth_getBlockByNumber', ['0x064', false], undefined],
  ['eth_getBlockByNumber', ['100', false], undefined],
  ['eth_getBlockByNumber', [100, false], undefined],
  ['eth_getBlockByNumber', ['0x', false], undefined],
  ['eth_getBlockByNumber', [H, false], undefined],
  ['eth_getHeaderByHash', [H], 'value'],
  ['eth_getHeaderByNumber', ['0x1'], 'value'],
  ['eth_getHeaderByNumber', ['latest'], undefined],
  ['eth_getBlockReceipts', [H], 'value'],
  ['eth_getBlockReceipts', ['0x64'], 'value'],
  ['eth_getBlockReceipts', ['0x65'], undefined],
  ['eth_getBlockReceipts', [{ blockHash: H }], 'value'],
  ['eth_getBlockReceipts', ['latest'], undefined],
  ['eth_getBlockTransactionCountByHash', [H], 'value'],
  ['eth_getBlockTransactionCountByNumber', ['0x10'], 'value'],
  ['eth_getBlockTransactionCountByNumber', ['pending'], undefined],
  ['eth_getUncleCountByBlockHash', [H], 'value'],
  ['eth_getUncleCountByBlockNumber', ['0x10'], 'value'],
  ['eth_getUncleCountByBlockNumber', ['0x1000'], undefined],
  ['eth_getTransactionByBlockHashAndIndex', [H, '0x0'], 'value'],
  ['eth_getTransactionByBlockHashAndIndex', [H], undefined],
  ['eth_getTransactionByBlockHashAndIndex', [H, 0], undefined],
  ['eth_getTransactionByBlockNumberAndIndex', ['0x64', '0x2'], 'value'],
  ['eth_getTransactionByBlockNumberAndIndex', ['0x65', '0x2'], undefined],
  ['eth_getTransactionByBlockNumberAndIndex', ['latest', '0x2'], undefined],
  ['eth_getUncleByBlockHashAndIndex', [H, '0x0'], 'value'],
  ['eth_getUncleByBlockNumberAndIndex', ['0x1', '0x0'], 'value'],
  ['eth_getUncleByBlockNumberAndIndex', ['safe', '0x0'], undefined],
  // Transactions and receipts by hash: looked up always, kept once final.
  ['eth_getTransactionByHash', [H], 'finalInclusion'],
  ['eth_getTransactionByHash', ['0x12'], undefined],
  ['eth_getTransactionByHash', [H, H], undefined],
  ['eth_getTransactionReceipt', [H], 'finalInclusion'],
  // Logs: by block hash, or a fully finalized numeric range.
  ['eth_getLogs', [{ blockHash: H }], 'nonEmptyArray'],
  ['eth_getLogs', [{ blockHash: H, address: ADDR, topics: [H, null] }], 'nonEmptyArray'],
  ['eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x64' }], 'array'],
  ['eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x64', address: [ADDR] }], 'array'],
  ['eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x65' }], undefined],
  ['eth_getLogs', [{ fromBlock: '0x1' }], undefined],
  ['eth_getLogs', [{ toBlock: '0x5' }], undefined],
  ['eth_getLogs', [{}], undefined],
  ['eth_getLogs', [{ fromBlock: '0x1', toBlock: 'latest' }], undefined],
  ['eth_getLogs', [{ fromBlock: 'earliest', toBlock: '0x5' }], undefined],
  ['eth_getLogs', [{ fromBlock: 'finalized', toBlock: 'finalized' }], undefined],
  ['eth_getLogs', [{ blockHash: H, fromBlock: '0x1', toBlock: '0x2' }], undefined],
  ['eth_getLogs', [{ blockHash: '0x12' }], undefined],
  ['eth_getLogs', [], undefined],
  ['eth_getLogs', [[]], undefined],
  ['eth_getLogs', [{ blockHash: H }, 'x'], undefined],
  // State at a block: a hash (EIP-1898 or plain), or a number at or below finalized.
  ['eth_getBalance', [ADDR, '0x64'], 'value'],
  ['eth_getBalance', [ADDR, H], 'value'],
  ['eth_getBalance', [ADDR, { blockHash: H }], 'value'],
  ['eth_getBalance', [ADDR, { blockHash: H, requireCanonical: false }], 'value'],
  ['eth_getBalance', [ADDR, { blockHash: H, requireCanonical: true }], undefined],
  ['eth_getBalance', [ADDR, { blockNumber: '0x64' }], 'value'],
  ['eth_getBalance', [ADDR, { blockNumber: '0x65' }], undefined],
  ['eth_getBalance', [ADDR, { blockNumber: 'latest' }], undefined],
  ['eth_getBalance', [ADDR, { blockHash: H, blockNumber: '0x1' }], undefined],
  ['eth_getBalance', [ADDR, { blockHash: H, other: 1 }], undefined],
  ['eth_getBalance', [ADDR, {}], undefined],
  ['eth_getBalance', [ADDR, 'latest'], undefined],
  ['eth_getBalance', [ADDR], undefined],
  ['eth_getBalance', [ADDR, '0x1', 'x'], undefined],
  ['eth_getCode', [ADDR, '0x1'], 'value'],
  ['eth_getCode', [ADDR, 'pending'], undefined],
  ['eth_getTransactionCount', [ADDR, { blockHash: H }], 'value'],
  ['eth_getTransactionCount', [ADDR, 'latest'], undefined],
  ['eth_getStorageAt', [ADDR, '0x0', '0x64'], 'value'],
  ['eth_getStorageAt', [ADDR, '0x0', 'safe'], undefined],
  ['eth_getStorageAt', [ADDR, '0x0'], undefined],
  ['eth_getProof', [ADDR, ['0x0'], H], 'value'],
  ['eth_getProof', [ADDR, ['0x0'], 'latest'], undefined],
  ['eth_getProof', [ADDR, '0x0', H], undefined],
  ['eth_getBalance', [{}, H], undefined],
  ['eth_getStorageAt', [ADDR, 0, H], undefined],
  ['eth_call', [ADDR, H], undefined],
  ['eth_call', [{ to: ADDR, data: '0x' }, '0x64'], 'value'],
  ['eth_call', [{ to: ADDR, data: '0x' }, { blockHash: H }], 'value'],
  ['eth_call', [{ to: ADDR }, H, { [ADDR]: { balance: '0x1' } }], 'value'],
  ['eth_call', [{ to: ADDR }, H, {}, { number: '0x1' }], 'value'],
  ['eth_call', [{ to: ADDR }, H, {}, {}, 'x'], undefined],
  ['eth_call', [{ to: ADDR, data: '0x' }], undefined],
  ['eth_call', [{ to: ADDR, data: '0x' }, 'latest'], undefined],
  ['eth_call', [{ to: ADDR, data: '0x' }, '0x65'], undefined],
  // Not an array of params.
  ['eth_getBlockByHash', { hash: H }, undefined],
  ['eth_chainId', null, undefined],
];

describe('cachePolicy', () => {
  it.each(cases)('%s %j -> %s (finalized %d)', (method, params, rule) => {
    expect(cachePolicy(method, params, F)?.store).toBe(rule);
  });

  // With the finalized block unknown, no block number is final: only what a hash names.
  it.each(cases)('%s %j with finalized unknown: as if no block were final', (method, params) => {
    expect(cachePolicy(method, params, undefined)).toEqual(cachePolicy(method, params, -1));
  });

  it.each([
    ['eth_getBlockByNumber', ['0x0', false], undefined],
    ['eth_getLogs', [{ fromBlock: '0x0', toBlock: '0x0' }], undefined],
    ['eth_getBalance', [ADDR, '0x0'], undefined],
    ['eth_getBlockByHash', [H, false], 'value'],
    ['eth_getTransactionReceipt', [H], 'finalInclusion'],
    ['eth_chainId', [], 'value'],
  ] as const)('%s %j with finalized unknown -> %s', (method, params, rule) => {
    expect(cachePolicy(method, params, undefined)?.store).toBe(rule);
  });

  it('never caches by a number above finalized, whatever the method', () => {
    const above = [
      ['0x65'],
      ['0x65', false],
      ['0x65', '0x65'],
      [ADDR, '0x65'],
      [ADDR, { blockNumber: '0x65' }],
      [ADDR, '0x0', '0x65'],
      [ADDR, ['0x0'], '0x65'],
      [{ to: ADDR }, '0x65'],
      [{ fromBlock: '0x1', toBlock: '0x65' }],
      [{ fromBlock: '0x65', toBlock: '0x1' }],
    ];
    for (const method of CACHEABLE_METHODS) {
      for (const params of above) expect(cachePolicy(method, params, F)).toBeUndefined();
    }
  });

  it('keys by method and canonical params: case and member order do not matter', () => {
    const a = cachePolicy('eth_getLogs', [{ blockHash: H2.toLowerCase(), address: ADDR }], F);
    const b = cachePolicy(
      'eth_getLogs',
      [{ address: ADDR.toUpperCase().replace('0X', '0x'), blockHash: H2 }],
      F,
    );
    expect(a?.key).toBe(b?.key);
    expect(a?.key).toBe(`eth_getLogs:[{"address":"${ADDR}","blockHash":"${H2.toLowerCase()}"}]`);
    expect(cachePolicy('eth_getBlockByHash', [H, false], F)?.key).not.toBe(
      cachePolicy('eth_getBlockByHash', [H, true], F)?.key,
    );
    expect(cachePolicy('eth_getBlockByHash', [H], F)?.key).not.toBe(
      cachePolicy('eth_getBlockByHash', [H, false], F)?.key,
    );
    expect(cachePolicy('eth_getBalance', [ADDR, H], F)?.key).not.toBe(
      cachePolicy('eth_getCode', [ADDR, H], F)?.key,
    );
    expect(cachePolicy('eth_chainId', undefined, F)?.key).toBe(
      cachePolicy('eth_chainId', [], F)?.key,
    );
  });
});

describe('cache keys', () => {
  it('sorts members, lowercases hex, keeps other strings and array order', () => {
    expect(canonicalJson({ b: [2, 1], a: '0xAbC', c: 'Latest', d: undefined, e: null })).toBe(
      '{"a":"0xabc","b":[2,1],"c":"Latest","e":null}',
    );
    expect(canonicalJson('0xZZ')).toBe('"0xZZ"');
  });

  it('hashes long keys (large call data)', () => {
    const data = `0x${'ff'.repeat(500)}`;
    const key = cacheKey('eth_call', [{ data }, H]);
    expect(key.length).toBeLessThan(MAX_KEY_LENGTH);
    expect(key).toMatch(/^eth_call:#[A-Za-z0-9_-]{43}$/);
    expect(cacheKey('eth_call', [{ data: data.toUpperCase().replace('0X', '0x') }, H])).toBe(key);
    expect(cacheKey('eth_call', [{ data: `${data}00` }, H])).not.toBe(key);
  });
});

describe('mayStore', () => {
  const plan = (rule: StoreRule) => ({ method: 'm', key: 'k', store: rule });
  const tx = (blockNumber: string | null) => JSON.stringify({ hash: H, blockNumber, from: ADDR });

  it.each([
    ['value', '"0x1"', F, true],
    ['value', '{"number":"0x1"}', F, true],
    ['value', '"0x"', F, true],
    ['value', '[]', F, true],
    ['value', 'null', F, false],
    ['value', ' null ', F, false],
    ['value', '', F, false],
    ['array', '[]', F, true],
    ['array', '[{"logIndex":"0x0"}]', F, true],
    ['array', 'null', F, false],
    ['array', '{}', F, false],
    ['nonEmptyArray', '[{"logIndex":"0x0"}]', F, true],
    ['nonEmptyArray', '[ ]', F, false],
    ['nonEmptyArray', '[]', F, false],
    ['finalInclusion', tx('0x64'), F, true],
    ['finalInclusion', tx('0x1'), F, true],
    ['finalInclusion', tx('0x65'), F, false],
    ['finalInclusion', tx(null), F, false],
    ['finalInclusion', tx('0x64'), undefined, false],
    ['finalInclusion', 'null', F, false],
    ['finalInclusion', '{"hash":"0x1"}', F, false],
    ['finalInclusion', '{broken', F, false],
    ['finalInclusion', '"0x64"', F, false],
  ] as const)('%s %s (finalized %s) -> %s', (rule, text, finalized, expected) => {
    expect(mayStore(plan(rule), text, finalized)).toBe(expected);
  });

  it('keeps a receipt only once its block is final', () => {
    const p = cachePolicy('eth_getTransactionReceipt', [H], undefined);
    expect(p).toBeDefined();
    const receipt = JSON.stringify({
      transactionHash: H,
      blockNumber: '0x70',
      status: '0x1',
      logs: [],
    });
    expect(mayStore(p!, receipt, 0x6f)).toBe(false);
    expect(mayStore(p!, receipt, 0x70)).toBe(true);
  });
});
