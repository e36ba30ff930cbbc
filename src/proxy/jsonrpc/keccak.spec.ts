import { createHash } from 'node:crypto';
import { SHA3_PADDING, keccak256, sponge256 } from './keccak';

describe('keccak256', () => {
  it.each([
    ['', 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
    ['abc', '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
    [
      'The quick brown fox jumps over the lazy dog',
      '4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15',
    ],
  ])('hashes %j', (text, hex) => {
    expect(keccak256(Buffer.from(text)).toString('hex')).toBe(hex);
  });

  it('differs from NIST SHA3-256 (the padding Ethereum does not use)', () => {
    expect(keccak256(Buffer.from('abc')).toString('hex')).not.toBe(
      createHash('sha3-256').update('abc').digest('hex'),
    );
  });

  it('runs the same permutation and blocks as node:crypto SHA3-256 for every length to 3 blocks', () => {
    // SHA3-256 is the same sponge with another padding byte: an independent check of the
    // permutation, the absorbing of whole blocks and the 135/136-byte padding edges.
    for (let n = 0; n <= 3 * 136 + 1; n++) {
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++) data[i] = (i * 31 + n) & 0xff;
      expect(sponge256(data, SHA3_PADDING).toString('hex')).toBe(
        createHash('sha3-256').update(data).digest('hex'),
      );
    }
  });
});
