import { parseDecimalUint, parseHexQuantity } from './check-parsers';

describe('parseHexQuantity', () => {
  it.each([
    ['0x0', 0],
    ['0x1', 1],
    ['0x1a', 26],
    ['0xABCDEF', 0xabcdef],
    ['0xdeadbeef', 0xdeadbeef],
    ['0x1fffffffffffff', Number.MAX_SAFE_INTEGER],
  ])('reads %s as %d', (text, value) => {
    expect(parseHexQuantity(text)).toBe(value);
  });

  it.each([
    ['empty', ''],
    ['no digits', '0x'],
    ['no prefix', '1a'],
    ['upper-case prefix', '0X1a'],
    ['leading zero', '0x01'],
    ['zeros', '0x00'],
    ['non-hex digit', '0xzz'],
    ['sign', '-0x1'],
    ['space', ' 0x1'],
    ['trailing text', '0x1 '],
    ['decimal', '123'],
    ['above MAX_SAFE_INTEGER', '0x20000000000000'],
    ['17 digits', '0x10000000000000000'],
    ['2^64 - 1', '0xffffffffffffffff'],
  ])('rejects %s (%j)', (_what, text) => {
    expect(parseHexQuantity(text)).toBeNull();
  });

  it.each([[123], [null], [undefined], [true], [{}], [['0x1']]])(
    'rejects the non-string %j',
    (v) => {
      expect(parseHexQuantity(v)).toBeNull();
    },
  );
});

describe('parseDecimalUint', () => {
  it.each([
    ['0', 0],
    ['7', 7],
    ['123456', 123456],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('reads %s as %d', (text, value) => {
    expect(parseDecimalUint(text)).toBe(value);
  });

  it.each([
    ['empty', ''],
    ['leading zero', '012'],
    ['sign', '+1'],
    ['negative', '-1'],
    ['hex', '0x10'],
    ['fraction', '1.5'],
    ['exponent', '1e3'],
    ['space', '1 '],
    ['above MAX_SAFE_INTEGER', '9007199254740992'],
    ['uint64 max', '18446744073709551615'],
  ])('rejects %s (%j)', (_what, text) => {
    expect(parseDecimalUint(text)).toBeNull();
  });

  it('rejects a number (the beacon API sends uint64 as strings)', () => {
    expect(parseDecimalUint(100)).toBeNull();
  });
});
