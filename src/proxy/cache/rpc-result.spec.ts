import fc from 'fast-check';
import { batchElements, cachedAnswer, idText, resultText } from './rpc-result';

// The raw parts of answers, found by scanning: any JSON value as a result, any
// spacing, strings full of quotes, brackets and escapes.

describe('rpc-result', () => {
  it('finds the raw result text of an answer, whatever it holds', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
        fc.constantFrom(undefined, 1, 2, '\t'),
        (result, id, space) => {
          const text = JSON.stringify({ jsonrpc: '2.0', id, result }, null, space);
          const found = resultText(text);
          expect(found).toBeDefined();
          expect(text.includes(found as string)).toBe(true);
          expect(JSON.parse(found as string)).toEqual(JSON.parse(JSON.stringify(result)));
          expect(JSON.parse(idText(text))).toEqual(id);
        },
      ),
    );
  });

  it('keeps the node bytes as they are (no re-serialisation)', () => {
    const text = '{"jsonrpc":"2.0","id":7,"result":{ "b" : 1,"a":[ 1.50, "x\\"}]" ]}}';
    expect(resultText(text)).toBe('{ "b" : 1,"a":[ 1.50, "x\\"}]" ]}');
    expect(resultText(' { "result" : null , "id":1 } ')).toBe('null');
    expect(resultText('{"id":1,"result":"\\\\"}')).toBe('"\\\\"');
  });

  it.each([
    ['an error answer', '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x"}}'],
    ['an error beside a result', '{"id":1,"result":"0x1","error":{"code":1}}'],
    ['no result', '{"jsonrpc":"2.0","id":1}'],
    ['not an object', '[{"result":1}]'],
    ['truncated', '{"jsonrpc":"2.0","id":1,"result":{"a":'],
    ['an open string', '{"result":"abc'],
    ['garbage', '<html>'],
    ['empty', ''],
  ])('gives nothing for %s', (_what, text) => {
    expect(resultText(text)).toBeUndefined();
  });

  it('splits a batch answer into its elements, raw', () => {
    const a = '{"jsonrpc":"2.0","id":1,"result":"0x1"}';
    const b = '{"jsonrpc":"2.0","id":"two","error":{"code":-32601,"message":"x]"}}';
    expect(batchElements(`[${a},${b}]`)).toEqual([a, b]);
    expect(batchElements(` [ ${a} ,\n ${b} ] `)).toEqual([a, b]);
    expect(batchElements('[]')).toEqual([]);
    expect(batchElements(a)).toBeUndefined();
    expect(batchElements(`[${a},`)).toBeUndefined();
    expect(idText(b)).toBe('"two"');
    expect(idText('{"result":1}')).toBe('null');
  });

  it('splits any batch into elements that parse back to the originals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 20 }),
        fc.constantFrom(undefined, 1),
        (values, space) => {
          const elements = batchElements(JSON.stringify(values, null, space));
          expect(elements?.map((e) => JSON.parse(e))).toEqual(JSON.parse(JSON.stringify(values)));
        },
      ),
    );
  });

  it('builds an answer from a cached result and the caller id', () => {
    const answer = cachedAnswer('"abc"', '{"number":"0x1"}');
    expect(JSON.parse(answer)).toEqual({ jsonrpc: '2.0', id: 'abc', result: { number: '0x1' } });
  });
});
