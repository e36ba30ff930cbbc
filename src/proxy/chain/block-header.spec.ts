import {
  headerFromBlock,
  headerFromNotification,
  headerProblem,
  NEW_HEADS_FIELDS,
} from './block-header';

const H = (c: string) => `0x${c.repeat(64)}`;
const BLOOM = `0x${'0'.repeat(512)}`;

/** An eth_getBlockByNumber(…, false) result as anvil gives it (keys in its order). */
function block(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hash: H('a'),
    parentHash: H('b'),
    sha3Uncles: H('c'),
    miner: `0x${'0'.repeat(40)}`,
    stateRoot: H('d'),
    transactionsRoot: H('e'),
    receiptsRoot: H('e'),
    logsBloom: BLOOM,
    difficulty: '0x0',
    number: '0x1b4',
    gasLimit: '0x1c9c380',
    gasUsed: '0x0',
    timestamp: '0x6b0f4a6f',
    extraData: '0x',
    mixHash: H('f'),
    nonce: '0x0000000000000000',
    baseFeePerGas: '0x3b9aca00',
    withdrawalsRoot: H('e'),
    blobGasUsed: '0x0',
    excessBlobGas: '0x0',
    parentBeaconBlockRoot: H('0'),
    requestsHash: H('1'),
    totalDifficulty: '0x0',
    size: '0x267',
    uncles: [],
    transactions: [H('2')],
    withdrawals: [],
    ...overrides,
  };
}

describe('block headers', () => {
  it('keeps the newHeads fields in geth order, hash last, and drops the rest of a block', () => {
    const header = headerFromBlock(block());
    expect(header).toMatchObject({
      number: 436,
      hash: H('a'),
      parentHash: H('b'),
      logsBloom: BLOOM,
    });
    const parsed = JSON.parse(header?.json as string) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([...NEW_HEADS_FIELDS.filter((f) => f in block()), 'hash']);
    for (const dropped of ['totalDifficulty', 'size', 'uncles', 'transactions', 'withdrawals']) {
      expect(parsed).not.toHaveProperty(dropped);
    }
    expect(parsed.baseFeePerGas).toBe('0x3b9aca00');
  });

  it('gives the same text from a notification result and from the block', () => {
    const fromBlock = headerFromBlock(block());
    const fromNote = headerFromNotification(
      Buffer.from(JSON.stringify(block({ transactions: [] }))),
    );
    expect(fromNote?.json).toBe(fromBlock?.json);
    expect(headerFromNotification(JSON.stringify(block()))?.json).toBe(fromBlock?.json);
  });

  it('keeps optional fields only when present, lowercases the hashes it compares', () => {
    const header = headerFromBlock(
      block({ baseFeePerGas: undefined, requestsHash: null, hash: H('A') }),
    );
    expect(header?.hash).toBe(H('a'));
    expect(header?.json).not.toContain('baseFeePerGas');
    expect(header?.json).not.toContain('requestsHash');
    expect(header?.json).toContain(`"hash":"${H('A')}"`);
  });

  it.each([
    ['no number', { number: undefined }, 'number is not a hex quantity'],
    ['a number with a leading zero', { number: '0x01' }, 'number is not a hex quantity'],
    ['a JSON number', { number: 5 }, 'number is not a hex quantity'],
    ['a number beyond 2^53', { number: '0x20000000000000' }, 'number is not a hex quantity'],
    ['a short hash', { hash: '0x1234' }, 'hash is not 32 bytes of hex'],
    ['a hash without 0x', { hash: 'a'.repeat(64) }, 'hash is not 32 bytes of hex'],
    ['no parent hash', { parentHash: null }, 'parentHash is not 32 bytes of hex'],
    ['a short bloom', { logsBloom: '0x00' }, 'logsBloom is not 256 bytes of hex'],
    ['a field that is not hex', { miner: 7 }, 'miner is not a hex string'],
    ['a field with quotes', { extraData: '0x"}' }, 'extraData is not a hex string'],
  ])('rejects a header with %s', (_what, overrides, problem) => {
    expect(headerFromBlock(block(overrides))).toBeUndefined();
    expect(headerProblem(block(overrides))).toBe(problem);
  });

  it.each([null, undefined, 42, 'text', [], [block()]])('rejects %p', (value) => {
    expect(headerFromBlock(value)).toBeUndefined();
    expect(headerProblem(value)).toBe('not an object');
  });

  it('rejects a notification that is not JSON', () => {
    expect(headerFromNotification('{"number":')).toBeUndefined();
    expect(headerFromNotification(Buffer.from([0xff, 0xfe]))).toBeUndefined();
  });
});
