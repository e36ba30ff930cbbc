import fc from 'fast-check';
import { isPlainId, scanArray, scanSingle, splice } from './json-scan';

const text = (buf: Buffer, span: { start: number; end: number } | null) =>
  span === null ? null : buf.toString('utf8', span.start, span.end);

describe('scanSingle', () => {
  it.each([
    ['{"id":1,"m":2}', '1'],
    ['  { "a" : {"id":5}, "id" : "x\\"}" }  ', '"x\\"}"'],
    ['{"jsonrpc":"2.0","id":9007199254740993,"result":[1,{"id":2}]}', '9007199254740993'],
    ['{"\\u0069d":7}', '7'],
    ['{"id":1,"id":2}', '2'],
    ['{"result":"id"}', null],
    ['{}', null],
  ])('finds the id of %s', (json, id) => {
    const buf = Buffer.from(json);
    expect(text(buf, scanSingle(buf)!.id)).toBe(id);
  });

  it.each(['', '[1]', '{"id":1', '{"id" 1}', '{"id":1}x', '{"a":"unterminated}', '{,}'])(
    'gives undefined for %j',
    (json) => {
      expect(scanSingle(Buffer.from(json))).toBeUndefined();
    },
  );
});

describe('scanArray', () => {
  it('gives each element with its id', () => {
    const buf = Buffer.from('[ {"id":1}, 2 ,"s", {"x":[{"id":3}]} ,{"id":null}]');
    const elements = scanArray(buf)!;
    expect(elements.map((e) => text(buf, e.span))).toEqual([
      '{"id":1}',
      '2',
      '"s"',
      '{"x":[{"id":3}]}',
      '{"id":null}',
    ]);
    expect(elements.map((e) => text(buf, e.id))).toEqual(['1', null, null, null, 'null']);
  });

  it('agrees with JSON.parse on any JSON array of objects', () => {
    const id = fc.oneof(
      fc.integer(),
      fc.string(),
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const element = fc.record(
      { id, method: fc.string(), params: fc.array(fc.jsonValue(), { maxLength: 3 }) },
      { requiredKeys: ['method'] },
    );
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 6 }), (values) => {
        const json = JSON.stringify(values, null, Math.random() < 0.5 ? 1 : undefined);
        const buf = Buffer.from(json);
        const elements = scanArray(buf)!;
        expect(elements).toHaveLength(values.length);
        elements.forEach((e, i) => {
          expect(JSON.parse(text(buf, e.span)!)).toEqual(JSON.parse(JSON.stringify(values[i])));
          const raw = text(buf, e.id);
          if ('id' in values[i])
            expect(JSON.parse(raw!)).toEqual(JSON.parse(JSON.stringify(values[i].id)));
          else expect(raw).toBeNull();
        });
      }),
    );
  });

  it('never throws on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        scanArray(Buffer.from(bytes));
        scanSingle(Buffer.from(bytes));
      }),
    );
  });
});

describe('splice and isPlainId', () => {
  it('replaces a span', () => {
    const buf = Buffer.from('{"id":0,"r":1}');
    expect(splice(buf, { start: 6, end: 7 }, '1.0').toString()).toBe('{"id":1.0,"r":1}');
  });

  it.each([
    ['1', true],
    ['0', true],
    ['-7', true],
    ['null', true],
    ['"abc"', true],
    ['123456789012345', true],
    ['1234567890123456', false],
    ['-0', false],
    ['1.0', false],
    ['1e2', false],
    ['"a\\"b"', false],
    ['"\\u0041"', false],
  ])('%s is plain: %s', (raw, plain) => {
    expect(isPlainId(raw)).toBe(plain);
  });
});
