import { forwardRequestHeaders, forwardResponseHeaders } from './hop-by-hop';

describe('forwardRequestHeaders', () => {
  it('drops hop-by-hop headers and those Connection lists, keeps the rest in order', () => {
    // prettier-ignore
    const raw = [
      'Host', 'vixy:8080',
      'Connection', 'keep-alive, X-Hop',
      'Keep-Alive', 'timeout=5',
      'X-Hop', 'secret',
      'Accept', 'application/octet-stream',
      'TE', 'trailers',
      'Transfer-Encoding', 'chunked',
      'Upgrade', 'h2c',
      'Proxy-Authorization', 'Basic x',
      'Proxy-Connection', 'keep-alive',
      'Trailer', 'Expires',
      'Expect', '100-continue',
      'X-Custom', 'a',
      'X-Custom', 'b',
    ];
    // prettier-ignore
    expect(forwardRequestHeaders(raw)).toEqual([
      'Accept', 'application/octet-stream',
      'X-Custom', 'a',
      'X-Custom', 'b',
    ]);
  });

  it('reads several Connection headers', () => {
    const raw = ['Connection', 'x-a', 'connection', 'X-B', 'X-A', '1', 'x-b', '2', 'x-c', '3'];
    expect(forwardRequestHeaders(raw)).toEqual(['x-c', '3']);
  });
});

describe('forwardResponseHeaders', () => {
  it('keeps end-to-end headers (consensus version, cookies) and drops hop-by-hop ones', () => {
    expect(
      forwardResponseHeaders({
        'content-type': 'application/octet-stream',
        'eth-consensus-version': 'deneb',
        'set-cookie': ['a=1', 'b=2'],
        connection: 'close, x-internal',
        'x-internal': 'yes',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'proxy-authenticate': 'Basic',
        'content-length': '8',
      }),
    ).toEqual({
      'content-type': 'application/octet-stream',
      'eth-consensus-version': 'deneb',
      'set-cookie': ['a=1', 'b=2'],
      'content-length': '8',
    });
  });
});
