import { isAlreadyKnownMessage, rawTransactionHash } from './already-known';
import { keccak256 } from './keccak';

// Signed by anvil's first dev account; the hashes are what anvil answered to
// eth_sendRawTransaction.
const LEGACY =
  '0xf86d80843b9aca008252089470997970c51812dc3a010c7d01b50e0d17dc79c8880de0b6b3a7640000808201e0a091f54a3d258c8d2269e5785bfb76fd75517d5012be11d65d374e190ed51fe593a05ddf083c66fce387c054b3012717886527122fb3afbaad41817ce98ed6ab8c1e';
const LEGACY_HASH = '0xf50ceba6326a906f8af2ed789a0d1552bc24fb0526ee1d5da7b958ee124084d1';
const EIP1559 =
  '0x02f86781de010184773594008252089470997970c51812dc3a010c7d01b50e0d17dc79c80180c080a0bf0352913839597e98de733708558e979a1a728a9326d006890326091b14c35ca0572f26d3fc1c6be33e35c03a3d4796a8d0f0cdc080bef3d3e0b2c12f670d6b66';
const EIP1559_HASH = '0x9571021d71a3341c7fd71ff0e116e556078a3b51dc4a496d60e1f8fd8bf1e587';

describe('rawTransactionHash', () => {
  it('names legacy and typed transactions as the node does', () => {
    expect(rawTransactionHash(LEGACY)).toBe(LEGACY_HASH);
    expect(rawTransactionHash(EIP1559)).toBe(EIP1559_HASH);
  });

  it('hashes a blob transaction in network form without its sidecar', () => {
    // 0x03 || rlp([tx, blobs, commitments, proofs]) with tx = rlp list [0x01, 0x02].
    const tx = Buffer.from([0xc2, 0x01, 0x02]);
    const sidecar = Buffer.from([0x82, 0xaa, 0xbb, 0xc0, 0xc0]);
    const outer = Buffer.concat([Buffer.from([0xc0 + tx.length + sidecar.length]), tx, sidecar]);
    const network = `0x03${outer.toString('hex')}`;
    const canonical = Buffer.concat([Buffer.from([0x03]), tx]);
    expect(rawTransactionHash(network)).toBe(`0x${keccak256(canonical).toString('hex')}`);
    // The canonical form (no sidecar) hashes as sent.
    expect(rawTransactionHash(`0x${canonical.toString('hex')}`)).toBe(
      `0x${keccak256(canonical).toString('hex')}`,
    );
  });

  it.each([['0x'], ['0x123'], ['f86d'], [42], [undefined]])('refuses %j', (raw) => {
    expect(rawTransactionHash(raw)).toBeUndefined();
  });
});

describe('isAlreadyKnownMessage', () => {
  it.each([
    ['already known', true],
    ['ALREADY_EXISTS: already known', true],
    ['AlreadyKnown', true],
    ['Known transaction', true],
    ['nonce too low', false],
    [undefined, false],
  ])('%j -> %s', (message, expected) => {
    expect(isAlreadyKnownMessage(message)).toBe(expected);
  });
});
