import { clUpstreamPath, parseTarget } from './upstream-target';

describe('parseTarget', () => {
  it('splits origin, path and query, and turns user-info into Basic auth', () => {
    const target = parseTarget('https://us%40er:p%3Ass@node.example:8443/v2/KEY?token=t');
    expect(target).toEqual({
      origin: 'https://node.example:8443',
      path: '/v2/KEY?token=t',
      basePath: '/v2/KEY',
      baseQuery: 'token=t',
      authorization: `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`,
    });
  });

  it('posts to / for a bare origin', () => {
    expect(parseTarget('http://127.0.0.1:8545')).toMatchObject({
      path: '/',
      basePath: '',
      baseQuery: '',
      authorization: undefined,
    });
  });
});

describe('clUpstreamPath', () => {
  it('prefixes the node path and appends the node query', () => {
    const target = parseTarget('http://h:1/beacon/?apikey=k');
    expect(clUpstreamPath(target, '/eth/v1/node/version')).toBe(
      '/beacon/eth/v1/node/version?apikey=k',
    );
    expect(clUpstreamPath(target, '/eth/v1/events?topics=head&topics=block')).toBe(
      '/beacon/eth/v1/events?topics=head&topics=block&apikey=k',
    );
    expect(clUpstreamPath(target, '/x?')).toBe('/beacon/x?apikey=k');
  });

  it('keeps the client path and query byte for byte', () => {
    const target = parseTarget('http://h:1');
    expect(clUpstreamPath(target, '/eth/v1/beacon/states/head/validators?id=0x%2Fab&id=1')).toBe(
      '/eth/v1/beacon/states/head/validators?id=0x%2Fab&id=1',
    );
    expect(clUpstreamPath(target, '/')).toBe('/');
  });
});
