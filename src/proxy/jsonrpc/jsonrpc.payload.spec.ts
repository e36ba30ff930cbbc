import {
  createDenyMatcher,
  methodsOf,
  parsePayload as parseBytes,
  type Payload,
} from './jsonrpc.payload';

const limits = { maxBatchSize: 3, isDenied: createDenyMatcher(['admin_', 'eth_sign']) };

const parsePayload = (text: string, l = limits): Payload => parseBytes(Buffer.from(text), l);

describe('parsePayload', () => {
  it('accepts a single call and keeps the parsed object', () => {
    const payload = parsePayload(
      '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
      limits,
    );
    expect(payload).toMatchObject({
      kind: 'single',
      call: { call: { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }, idRaw: '1' },
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

  it('splits a batch into forwarded calls and local answers, in the client order', () => {
    const payload = parsePayload(
      '[{"id":1,"method":"eth_chainId"},{"id":2,"method":"admin_x"},{"id":3},{"method":"n"}]',
      { ...limits, maxBatchSize: 10 },
    );
    expect(payload.kind).toBe('batch');
    if (payload.kind !== 'batch') return;
    expect(payload.calls.map((c) => c.call)).toEqual([
      { id: 1, method: 'eth_chainId' },
      { method: 'n' },
    ]);
    expect(payload.hasInvalid).toBe(true);
    expect(payload.locals).toBe(2);
    const shown = payload.elements.map((e) => (e.local ? JSON.parse(e.local) : e.call?.idRaw));
    expect(shown).toEqual([
      '1',
      {
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32601,
          message: 'Method admin_x is not allowed',
          data: { reason: 'method_denied' },
        },
      },
      {
        jsonrpc: '2.0',
        id: 3,
        error: {
          code: -32600,
          message: 'Invalid request: expected a string "method"',
          data: { reason: 'invalid_request' },
        },
      },
    ]);
    expect(methodsOf(payload)).toEqual(['eth_chainId', 'n']);
  });

  it('keeps every id and every call exactly as the client wrote them', () => {
    const text =
      '[ {"id" : 9007199254740993,"method":"a"}, {"method":"b","id":"\\u0041"} ,{"id":1.0,"method":"c","params":[{"id":5}]}]';
    const payload = parsePayload(text);
    if (payload.kind !== 'batch') throw new Error(payload.kind);
    expect(payload.calls.map((c) => c.idRaw)).toEqual(['9007199254740993', '"\\u0041"', '1.0']);
    expect(payload.calls.map((c) => c.bytes.toString())).toEqual([
      '{"id" : 9007199254740993,"method":"a"}',
      '{"method":"b","id":"\\u0041"}',
      '{"id":1.0,"method":"c","params":[{"id":5}]}',
    ]);
    expect(payload.plainIds).toBe(false);
    const single = parsePayload('{"jsonrpc":"2.0","id":-0,"method":"m"}');
    expect(single).toMatchObject({ kind: 'single', call: { idRaw: '-0' } });
    expect(parsePayload('{"id":12,"method":"m"}', limits)).toMatchObject({ call: { idRaw: '12' } });
    expect(parsePayload('[{"id":12,"method":"m"},{"id":"x","method":"m"}]')).toMatchObject({
      plainIds: true,
    });
  });

  it('answers a denied or invalid call with the id as written', () => {
    expect(parsePayload('{"id":1.50,"method":"admin_x"}')).toMatchObject({ idJson: '1.50' });
    expect(parsePayload('{"id":1e400,"params":"x","method":"m"}')).toMatchObject({
      idJson: '1e400',
    });
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
