import fc from 'fast-check';
import { KNOWN_RPC_METHODS, OTHER_METHOD, methodLabel } from './rpc-methods';

describe('methodLabel', () => {
  it('keeps the name of a standard method', () => {
    expect(methodLabel('eth_blockNumber')).toBe('eth_blockNumber');
    expect(methodLabel('eth_getLogs')).toBe('eth_getLogs');
    expect(methodLabel('debug_traceTransaction')).toBe('debug_traceTransaction');
    expect(methodLabel('net_version')).toBe('net_version');
  });

  it.each([
    ['an unknown method', 'eth_doesNotExist'],
    ['a vendor extension', 'anvil_mine'],
    ['a denied namespace', 'admin_addPeer'],
    ['another case', 'ETH_CALL'],
    ['surrounding space', ' eth_call'],
    ['the empty string', ''],
    ['an Object.prototype member', 'constructor'],
    ['__proto__', '__proto__'],
    ['a very long string', `eth_${'x'.repeat(10_000)}`],
  ])('folds %s into "other"', (_, method) => {
    expect(methodLabel(method)).toBe(OTHER_METHOD);
  });

  it.each([undefined, null, 42, true, {}, ['eth_call'], { toString: () => 'eth_call' }])(
    'folds the non-string %p into "other"',
    (method) => {
      expect(methodLabel(method)).toBe(OTHER_METHOD);
    },
  );

  it('never yields more than the known methods plus "other", whatever the input', () => {
    const labels = new Set<string>();
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.constantFrom(...KNOWN_RPC_METHODS), fc.anything()),
        (m) => {
          labels.add(methodLabel(m));
        },
      ),
      { numRuns: 2000 },
    );
    for (const label of labels) {
      expect(label === OTHER_METHOD || KNOWN_RPC_METHODS.has(label)).toBe(true);
    }
    expect(labels.has(OTHER_METHOD)).toBe(true);
  });

  it('has a bounded, well-formed list without "other" in it', () => {
    expect(KNOWN_RPC_METHODS.size).toBeLessThan(200);
    expect(KNOWN_RPC_METHODS.has(OTHER_METHOD)).toBe(false);
    for (const method of KNOWN_RPC_METHODS) {
      expect(method).toMatch(/^(eth|net|web3|debug|trace|txpool)_[A-Za-z0-9]+(_v\d)?$/);
    }
  });
});
