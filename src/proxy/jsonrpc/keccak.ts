// Keccak-256 (the original Keccak padding used by Ethereum, not NIST SHA3-256, which
// node:crypto has). Needed only to name a transaction by its hash when a retried
// eth_sendRawTransaction is answered "already known" (see already-known.ts); no
// installed dependency provides it, and this rare path does not justify adding one.
// 64-bit lanes are held as pairs of 32-bit halves (lo, hi).

const ROUNDS = 24;
const RATE_BYTES = 136; // 1088-bit rate of Keccak-256

/** Round constants, as [lo, hi] pairs. */
const RC = new Uint32Array([
  0x00000001, 0x00000000, 0x00008082, 0x00000000, 0x0000808a, 0x80000000, 0x80008000, 0x80000000,
  0x0000808b, 0x00000000, 0x80000001, 0x00000000, 0x80008081, 0x80000000, 0x00008009, 0x80000000,
  0x0000008a, 0x00000000, 0x00000088, 0x00000000, 0x80008009, 0x00000000, 0x8000000a, 0x00000000,
  0x8000808b, 0x00000000, 0x0000008b, 0x80000000, 0x00008089, 0x80000000, 0x00008003, 0x80000000,
  0x00008002, 0x80000000, 0x00000080, 0x80000000, 0x0000800a, 0x00000000, 0x8000000a, 0x80000000,
  0x80008081, 0x80000000, 0x00008080, 0x80000000, 0x80000001, 0x00000000, 0x80008008, 0x80000000,
]);

/** Rotation offsets r[x + 5y] of the rho step. */
const ROTATIONS = [
  0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
];

function keccakF(s: Uint32Array): void {
  const c = new Uint32Array(10);
  const b = new Uint32Array(50);
  for (let round = 0; round < ROUNDS; round++) {
    // theta
    for (let x = 0; x < 5; x++) {
      c[2 * x] = s[2 * x] ^ s[2 * x + 10] ^ s[2 * x + 20] ^ s[2 * x + 30] ^ s[2 * x + 40];
      c[2 * x + 1] = s[2 * x + 1] ^ s[2 * x + 11] ^ s[2 * x + 21] ^ s[2 * x + 31] ^ s[2 * x + 41];
    }
    for (let x = 0; x < 5; x++) {
      const l = c[2 * ((x + 1) % 5)];
      const h = c[2 * ((x + 1) % 5) + 1];
      const dLo = c[2 * ((x + 4) % 5)] ^ ((l << 1) | (h >>> 31));
      const dHi = c[2 * ((x + 4) % 5) + 1] ^ ((h << 1) | (l >>> 31));
      for (let y = 0; y < 25; y += 5) {
        s[2 * (x + y)] ^= dLo;
        s[2 * (x + y) + 1] ^= dHi;
      }
    }
    // rho and pi: B[y, 2x + 3y] = rot(A[x, y], r[x, y])
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 5; y++) {
        const i = x + 5 * y;
        const lo = s[2 * i];
        const hi = s[2 * i + 1];
        const r = ROTATIONS[i];
        let rl: number;
        let rh: number;
        if (r === 0) {
          rl = lo;
          rh = hi;
        } else if (r < 32) {
          rl = (lo << r) | (hi >>> (32 - r));
          rh = (hi << r) | (lo >>> (32 - r));
        } else if (r === 32) {
          rl = hi;
          rh = lo;
        } else {
          rl = (hi << (r - 32)) | (lo >>> (64 - r));
          rh = (lo << (r - 32)) | (hi >>> (64 - r));
        }
        const j = y + 5 * ((2 * x + 3 * y) % 5);
        b[2 * j] = rl;
        b[2 * j + 1] = rh;
      }
    }
    // chi
    for (let y = 0; y < 25; y += 5) {
      for (let x = 0; x < 5; x++) {
        const i = 2 * (x + y);
        const i1 = 2 * (((x + 1) % 5) + y);
        const i2 = 2 * (((x + 2) % 5) + y);
        s[i] = b[i] ^ (~b[i1] & b[i2]);
        s[i + 1] = b[i + 1] ^ (~b[i1 + 1] & b[i2 + 1]);
      }
    }
    // iota
    s[0] ^= RC[2 * round];
    s[1] ^= RC[2 * round + 1];
  }
}

/** Keccak-256 of `data`, as 32 bytes. */
export function keccak256(data: Uint8Array): Buffer {
  return sponge256(data, KECCAK_PADDING);
}

/** Domain padding byte of the original Keccak (Ethereum). */
export const KECCAK_PADDING = 0x01;
/** Domain padding byte of NIST SHA3 (lets a test check the permutation against node:crypto). */
export const SHA3_PADDING = 0x06;

/** The 256-bit sponge over Keccak-f[1600] with the given domain padding byte. */
export function sponge256(data: Uint8Array, padding: number): Buffer {
  const state = new Uint32Array(50);
  const padded = Buffer.alloc((Math.floor(data.length / RATE_BYTES) + 1) * RATE_BYTES);
  padded.set(data);
  padded[data.length] ^= padding;
  padded[padded.length - 1] ^= 0x80;
  for (let offset = 0; offset < padded.length; offset += RATE_BYTES) {
    for (let i = 0; i < RATE_BYTES / 4; i++) state[i] ^= padded.readUInt32LE(offset + 4 * i);
    keccakF(state);
  }
  const out = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) out.writeUInt32LE(state[i], 4 * i);
  return out;
}
