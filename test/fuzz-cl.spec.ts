import * as fc from 'fast-check';
import { type BootedApp, boot, configFor, MockNode } from './http-proxy.support';
import { MisbehavingUpstream } from './support/misbehaving-upstream';

// ANY /cl/* under fuzzed paths, methods, headers and bodies (app.inject on the whole
// service, one local beacon node that answers 200 to everything): every request gets
// an HTTP answer and the service keeps serving.

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;
const SKIPPED_HEADERS = new Set(['content-length', 'transfer-encoding', 'host', 'expect']);

describe('ANY /cl/* fuzzed', () => {
  let el: MisbehavingUpstream;
  let cl: MockNode;
  let booted: BootedApp;

  beforeAll(async () => {
    el = await MisbehavingUpstream.start('p1');
    cl = await MockNode.start('cl-1');
    cl.respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
    };
    booted = await boot(
      await configFor({
        primary: [{ name: 'p1', url: el.httpUrl }],
        cl: [{ name: 'cl-1', url: cl.url }],
      }),
    );
    booted.setEl(['p1']);
    booted.setCl(['cl-1']);
  });

  afterAll(async () => {
    await booted.close();
    await cl.close();
    await el.close();
  });

  afterEach(async () => {
    const res = await booted.app.inject({ method: 'GET', url: '/cl/eth/v1/node/version' });
    expect(res.statusCode).toBe(200);
  });

  const header = fc.tuple(
    fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((h) => !SKIPPED_HEADERS.has(h)),
    fc.stringMatching(/^[\x20-\x7e]{0,40}$/).map((v) => v.trim()),
  );

  it('answers odd paths, methods, headers and bodies with an HTTP status', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        fc.oneof(
          fc.webPath(),
          fc.webSegment().map((s) => `/${s}`),
          fc.constantFrom('/..', '/%00', '/%zz', '//', '/a?b=%ff'),
        ),
        fc.array(header, { maxLength: 6 }),
        fc.option(fc.uint8Array({ maxLength: 256 }), { nil: undefined }),
        async (method, path, headers, body) => {
          const res = await booted.app.inject({
            method,
            url: `/cl${path.startsWith('/') ? path : `/${path}`}`,
            headers: Object.fromEntries(headers),
            ...(body && method !== 'GET' && method !== 'HEAD'
              ? { payload: Buffer.from(body) }
              : {}),
          });
          expect(res.statusCode).toBeGreaterThanOrEqual(200);
          expect(res.statusCode).toBeLessThan(600);
        },
      ),
      { numRuns: 100 },
    );
  });
});
