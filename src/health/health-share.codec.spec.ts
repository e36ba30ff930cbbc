import { decodeCheck, encodeCheck, fieldOf, type SharedCheck } from './health-share.codec';

describe('shared check codec', () => {
  const checks: SharedCheck[] = [
    { layer: 'el', node: 'geth-1', at: 1, result: { ok: true, blockNumber: 0, latencyMs: 2 } },
    { layer: 'el', node: 'g', at: 1, result: { ok: false, reason: 'timeout', latencyMs: 5000 } },
    {
      layer: 'cl',
      node: 'lh',
      at: 2,
      result: { healthOk: true, slot: 7, reason: null, latencyMs: 1 },
    },
    {
      layer: 'cl',
      node: 'lh',
      at: 3,
      result: { healthOk: false, slot: null, reason: 'HTTP 503', latencyMs: 1 },
    },
  ];

  it.each(checks)('round-trips %j', (check) => {
    expect(decodeCheck(encodeCheck(check, 'replica-a'))).toEqual({ ...check, from: 'replica-a' });
  });

  const base = { v: 1, from: 'r', layer: 'el', node: 'n', at: 1 };
  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    [
      'another version',
      JSON.stringify({ ...base, v: 2, result: { ok: true, blockNumber: 1, latencyMs: 1 } }),
    ],
    [
      'no sender',
      JSON.stringify({ ...base, from: 1, result: { ok: true, blockNumber: 1, latencyMs: 1 } }),
    ],
    [
      'an empty node name',
      JSON.stringify({ ...base, node: '', result: { ok: true, blockNumber: 1, latencyMs: 1 } }),
    ],
    [
      'an unknown layer',
      JSON.stringify({ ...base, layer: 'da', result: { ok: true, blockNumber: 1, latencyMs: 1 } }),
    ],
    [
      'no time',
      JSON.stringify({ ...base, at: 'now', result: { ok: true, blockNumber: 1, latencyMs: 1 } }),
    ],
    ['an EL ok without a block', JSON.stringify({ ...base, result: { ok: true, latencyMs: 1 } })],
    [
      'a negative block',
      JSON.stringify({ ...base, result: { ok: true, blockNumber: -1, latencyMs: 1 } }),
    ],
    [
      'an EL failure without a reason',
      JSON.stringify({ ...base, result: { ok: false, latencyMs: 1 } }),
    ],
    ['no latency', JSON.stringify({ ...base, result: { ok: true, blockNumber: 1 } })],
    [
      'a CL result with a text slot',
      JSON.stringify({
        ...base,
        layer: 'cl',
        result: { healthOk: true, slot: '1', reason: null, latencyMs: 1 },
      }),
    ],
    [
      'a CL result without healthOk',
      JSON.stringify({ ...base, layer: 'cl', result: { slot: 1, reason: null, latencyMs: 1 } }),
    ],
    [
      'a CL result with a numeric reason',
      JSON.stringify({
        ...base,
        layer: 'cl',
        result: { healthOk: true, slot: 1, reason: 5, latencyMs: 1 },
      }),
    ],
  ])('drops %s', (_what, text) => {
    expect(decodeCheck(text)).toBeUndefined();
  });

  it('keeps only the fields of a result', () => {
    const text = JSON.stringify({
      ...base,
      result: { ok: true, blockNumber: 3, latencyMs: 1, extra: 'x' },
    });
    expect(decodeCheck(text)?.result).toEqual({ ok: true, blockNumber: 3, latencyMs: 1 });
  });

  it('names hash fields by layer and node', () => {
    expect(fieldOf('el', 'geth-1')).toBe('el:geth-1');
    expect(fieldOf('cl', 'geth-1')).toBe('cl:geth-1');
  });
});
