import { HTTP_STATUS_OF_KIND, REPORTED_KINDS, toUpstreamError } from './upstream-errors';

function err(
  code: string,
  message = 'connect ECONNREFUSED http://user:secret@10.0.0.1/v2/KEY',
): Error {
  return Object.assign(new Error(message), { code });
}

describe('toUpstreamError', () => {
  it.each([
    ['ECONNREFUSED', 'connect', 502],
    ['ECONNRESET', 'connect', 502],
    ['UND_ERR_SOCKET', 'connect', 502],
    ['UND_ERR_CONNECT_TIMEOUT', 'connect', 502],
    ['ENOTFOUND', 'connect', 502],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout', 504],
    ['UND_ERR_BODY_TIMEOUT', 'timeout', 504],
    ['HPE_INVALID_CONSTANT', 'invalid', 502],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'invalid', 502],
  ] as const)('maps %s to %s (HTTP %i)', (code, kind, status) => {
    const error = toUpstreamError(err(code));
    expect(error.kind).toBe(kind);
    expect(HTTP_STATUS_OF_KIND[kind]).toBe(status);
    expect(error.code).toBe(code);
  });

  it('keeps the original as cause and never its message (it may hold a URL)', () => {
    const original = err('ECONNREFUSED');
    const error = toUpstreamError(original);
    expect(error.cause).toBe(original);
    expect(error.message).toBe('connection failed (ECONNREFUSED)');
    expect(error.message).not.toContain('secret');
  });

  it('recognises aborts and does not report Vixy bugs as node failures', () => {
    expect(toUpstreamError(err('UND_ERR_ABORTED')).kind).toBe('aborted');
    expect(toUpstreamError(Object.assign(new Error('x'), { name: 'AbortError' })).kind).toBe(
      'aborted',
    );
    expect(REPORTED_KINDS.has(toUpstreamError(err('UND_ERR_INVALID_ARG')).kind as never)).toBe(
      false,
    );
  });

  it('reports only connection failures and timeouts', () => {
    expect([...REPORTED_KINDS].sort()).toEqual(['connect', 'timeout']);
  });
});
