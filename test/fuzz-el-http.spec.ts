import * as fc from 'fast-check';
import { type BootedApp, boot, configFor } from './http-proxy.support';
import { MisbehavingUpstream } from './support/misbehaving-upstream';
import { parseReplies, type RpcReply } from './fuzz-rpc-shape';

// POST /el under fuzzed input (app.inject on the whole service, one well-behaved local
// EL node): every answer is a well-formed JSON-RPC response or an array of them, with
// a status that matches it, the caller's id when it was readable, and the service keeps
// serving afterwards.

const STATUSES = new Set([200, 400, 403, 413, 429, 502, 503, 504]);
const RUNS = { numRuns: 150 };

describe('POST /el fuzzed', () => {
  let node: MisbehavingUpstream;
  let booted: BootedApp;

  beforeAll(async () => {
    node = await MisbehavingUpstream.start('p1');
    booted = await boot(await configFor({ primary: [{ name: 'p1', url: node.httpUrl }] }));
    booted.setEl(['p1']);
  });

  afterAll(async () => {
    await booted.close();
    await node.close();
  });

  async function post(body: string | Buffer): Promise<{ status: number; replies: RpcReply[] }> {
    const res = await booted.app.inject({
      method: 'POST',
      url: '/el',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(STATUSES).toContain(res.statusCode);
    const replies = parseReplies(res.body);
    if (res.statusCode !== 200) for (const r of replies) expect(r.error).toBeDefined();
    return { status: res.statusCode, replies };
  }

  async function stillServes(): Promise<void> {
    const { status, replies } = await post(
      '{"jsonrpc":"2.0","id":"after","method":"eth_getBalance"}',
    );
    expect(status).toBe(200);
    expect(replies).toEqual([{ jsonrpc: '2.0', id: 'after', result: 'p1' }]);
  }

  afterEach(stillServes);

  const isReadableId = (id: unknown): id is string | number =>
    typeof id === 'string' || Number.isSafeInteger(id);

  it('answers arbitrary bytes with JSON-RPC (parse error 400 when the body is not JSON)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        const body = Buffer.from(bytes);
        const { status, replies } = await post(body);
        let json = true;
        try {
          JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
        } catch {
          json = false;
        }
        if (!json) {
          expect(status).toBe(400);
          expect(replies).toHaveLength(1);
          expect(replies[0].id).toBeNull();
        }
      }),
      RUNS,
    );
  });

  const call = fc.record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue()),
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), fc.jsonValue()),
      method: fc.oneof(
        fc.constantFrom('eth_getBalance', 'admin_peers', 'eth_chainId', ''),
        fc.jsonValue(),
      ),
      params: fc.jsonValue({ maxDepth: 3 }),
    },
    { requiredKeys: [] },
  );

  it('answers malformed single calls with the caller id when it is readable', async () => {
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const { replies } = await post(JSON.stringify(c));
        expect(replies).toHaveLength(1);
        // As sent: JSON.stringify writes -0 as 0.
        const sent = JSON.parse(JSON.stringify(c)) as typeof c;
        if (isReadableId(sent.id) && 'method' in sent) expect(replies[0].id).toEqual(sent.id);
      }),
      RUNS,
    );
  });

  it('answers malformed batches with at most one reply per call, ids among the callers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(call, fc.jsonValue({ maxDepth: 2 })), { maxLength: 12 }),
        async (batch) => {
          const { status, replies } = await post(JSON.stringify(batch));
          if (batch.length === 0) expect(status).toBe(400);
          else expect(replies.length).toBeLessThanOrEqual(batch.length);
          const sent = batch.map((c) =>
            c !== null && typeof c === 'object' && 'id' in c ? c.id : undefined,
          );
          for (const r of replies) if (r.id !== null) expect(sent).toContainEqual(r.id);
        },
      ),
      RUNS,
    );
  });

  it('answers invalid UTF-8 inside an otherwise valid call', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .uint8Array({ minLength: 1, maxLength: 8 })
          .map((b) => Buffer.from(b.map((x) => x | 0x80))),
        fc.constantFrom('method', 'id', 'params'),
        async (bad, where) => {
          const text = (s: string) => Buffer.from(s, 'utf8');
          const parts = {
            method: [text('{"jsonrpc":"2.0","id":5,"method":"eth_'), bad, text('","params":[]}')],
            id: [text('{"jsonrpc":"2.0","id":"'), bad, text('","method":"eth_chainId"}')],
            params: [
              text('{"jsonrpc":"2.0","id":5,"method":"eth_call","params":["'),
              bad,
              text('"]}'),
            ],
          }[where];
          await post(Buffer.concat(parts));
        },
      ),
      RUNS,
    );
  });

  it.each([
    ['100k nested arrays', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['100k nested objects', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
    [
      '100k nested arrays in params',
      `{"jsonrpc":"2.0","id":9,"method":"eth_call","params":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    ],
  ])('answers %s without crashing', async (_name, body) => {
    await post(body);
  });

  it('refuses a batch of 100k calls with 400', async () => {
    const one = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}';
    const { status } = await post(`[${Array.from({ length: 100_000 }, () => one).join(',')}]`);
    expect(status).toBe(400);
  });

  it('forwards a call whose params hold a 500k-element array', async () => {
    const params = JSON.stringify([Array.from({ length: 500_000 }, (_, i) => i)]);
    const { status, replies } = await post(
      `{"jsonrpc":"2.0","id":"big","method":"eth_call","params":${params}}`,
    );
    expect(status).toBe(200);
    expect(replies[0].id).toBe('big');
  });

  it('refuses a body over max_body_bytes with 413', async () => {
    const { status } = await post(`[${'1,'.repeat(6_000_000)}1]`);
    expect(status).toBe(413);
  });
});
