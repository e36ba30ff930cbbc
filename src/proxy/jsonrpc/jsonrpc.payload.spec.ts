import { createDenyMatcher, idJsonOf, methodsOf, parsePayload } from './jsonrpc.payload';

const limits = { maxBatchSize: 3, isDenied: createDenyMatcher(['admin_', 'eth_sign']) };

describe('parsePayload', () => {
  it('accepts a single call and keeps the parsed object', () => {
    const payload = parsePayload(
      '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
      limits,
    );
    expect(payload).toEqual({
      kind: 'single',
      call: { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
    });
  });

  it.each([
    ['not JSON', '{', 'parse', 'null'],
    ['empty', '', 'parse', 'null'],
    ['a number', '42', 'invalid', 'null'],
    ['null', 'null', 'invalid', 'null'],
    ['no method', '{"id":"a"}', 'invalid', '"a"'],
    ['a boolean id', '{"id":true,"method":"m"}', 'invalid', 'null'],
    ['params as a string', '{"id":2,"method":"m","params":"p"}', 'invalid', '2'],
    ['jsonrpc 1.0', '{"jsonrpc":"1.0","id":3,"method":"m"}', 'invalid', '3'],
    ['an empty batch', '[]', 'empty-batch', 'null'],
    [
      'a batch over the limit',
      '[{"method":"a"},{"method":"b"},{"method":"c"},{"method":"d"}]',
      'batch-too-large',
      'null',
    ],
    ['a denied namespace', '{"id":4,"method":"admin_peers"}', 'denied', '4'],
  ])('rejects %s', (_, text, error, idJson) => {
    expect(parsePayload(text, limits)).toMatchObject({ kind: 'rejected', error, idJson });
  });

  it('accepts notifications and null ids', () => {
    expect(parsePayload('{"method":"m"}', limits).kind).toBe('single');
    expect(parsePayload('{"id":null,"method":"m"}', limits).kind).toBe('single');
  });

  it('splits a batch into forwarded calls and local answers, in order', () => {
    const payload = parsePayload(
      '[{"id":1,"method":"eth_chainId"},{"id":2,"method":"admin_x"},{"id":3}]',
      limits,
    );
    expect(payload.kind).toBe('batch');
    if (payload.kind !== 'batch') return;
    expect(payload.calls).toEqual([{ id: 1, method: 'eth_chainId' }]);
    expect(payload.hasInvalid).toBe(true);
    expect(payload.answers.map((a) => JSON.parse(a))).toEqual([
      { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method admin_x is not allowed' } },
      {
        jsonrpc: '2.0',
        id: 3,
        error: { code: -32600, message: 'Invalid request: expected a string "method"' },
      },
    ]);
    expect(methodsOf(payload)).toEqual(['eth_chainId']);
  });

  it('has no batch limit at 0', () => {
    const many = `[${Array.from({ length: 50 }, (_, i) => `{"id":${i},"method":"m"}`).join(',')}]`;
    expect(parsePayload(many, { ...limits, maxBatchSize: 0 }).kind).toBe('batch');
  });
});

describe('createDenyMatcher', () => {
  it('matches prefixes ending in _ and exact names only', () => {
    const denied = createDenyMatcher(['admin_', 'personal_', 'eth_sign']);
    expect(denied('admin_addPeer')).toBe(true);
    expect(denied('personal_sign')).toBe(true);
    expect(denied('eth_sign')).toBe(true);
    expect(denied('eth_signTransaction')).toBe(false);
    expect(denied('administrator')).toBe(false);
    expect(denied('Admin_addPeer')).toBe(false);
  });

  it('denies nothing when empty', () => {
    expect(createDenyMatcher([])('admin_peers')).toBe(false);
  });
});

describe('idJsonOf', () => {
  it.each([
    [{ id: 'x"y' }, '"x\\"y"'],
    [{ id: 7 }, '7'],
    [{ id: null }, 'null'],
    [{}, 'null'],
    [{ id: [1] }, 'null'],
    [[{ id: 1 }], 'null'],
  ])('reads %j as %s', (value, json) => {
    expect(idJsonOf(value)).toBe(json);
  });
});
