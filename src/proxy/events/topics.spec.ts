import { parseTopics, topicsQuery } from './topics';

describe('parseTopics', () => {
  it('accepts repeated parameters, comma lists and both mixed, without duplicates', () => {
    const result = parseTopics(
      '/cl/eth/v1/events?topics=head&topics=block,attestation&topics=head',
    );
    expect(result).toEqual({
      ok: true,
      topics: {
        all: ['head', 'block', 'attestation'],
        core: new Set(['head', 'block']),
        extra: ['attestation'],
      },
    });
  });

  it('decodes the query (%2C is a comma) and ignores empty items and other parameters', () => {
    const result = parseTopics('/x?foo=1&topics=voluntary_exit%2Cchain_reorg&topics=');
    expect(result.ok && result.topics.extra).toEqual(['chain_reorg', 'voluntary_exit']);
  });

  it('refuses a request without topics or with an unknown one, naming it', () => {
    expect(parseTopics('/cl/eth/v1/events')).toEqual({
      ok: false,
      message: 'Missing topics: at least one is required',
    });
    expect(parseTopics('/e?topics=head,bogus')).toEqual({
      ok: false,
      message: 'Invalid topic: bogus',
    });
    expect(parseTopics(`/e?topics=${'x'.repeat(5000)}`).ok).toBe(false);
  });
});

describe('topicsQuery', () => {
  it('repeats topics= (Lodestar 1.5.1 hangs on comma lists)', () => {
    expect(topicsQuery(['attestation', 'voluntary_exit'])).toBe(
      'topics=attestation&topics=voluntary_exit',
    );
  });
});
