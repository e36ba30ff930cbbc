import { type BootedApp, MockNode, boot, configFor } from './http-proxy.support';

// Vixy's own filters on POST /el: answered by Vixy, in single calls and inside batches
// beside calls that go to a node; eth_getFilterLogs sent as the filter's eth_getLogs
// with the caller's id as written. (The head log itself is tested in src/proxy/chain,
// and against anvil in test/ws-subscriptions.spec.ts.)

const JSON_CT = { 'content-type': 'application/json' };
const ADDRESS = `0x${'ab'.repeat(20)}`;

describe('POST /el filters', () => {
  let p1: MockNode;
  let booted: BootedApp;

  beforeAll(async () => {
    p1 = await MockNode.start('p1');
    booted = await boot(
      await configFor({ primary: [{ name: 'p1', url: p1.url }], proxy: 'max_filters = 3' }),
    );
    booted.setEl(['p1']);
  });
  afterAll(async () => {
    await booted.close();
    await p1.close();
  });
  beforeEach(() => p1.reset());

  const post = async (payload: string) => {
    const res = await booted.app.inject({ method: 'POST', url: '/el', payload, headers: JSON_CT });
    return { status: res.statusCode, text: res.body, body: JSON.parse(res.body) as unknown };
  };
  /** What reached the node for the clients (not the head log's own block fetches). */
  const forwarded = () => p1.calls.filter((c) => !c.body.includes('"eth_getBlockByNumber"'));

  it('installs, polls and uninstalls a filter without calling a node', async () => {
    const created = await post(
      '{"jsonrpc":"2.0","id":1,"method":"eth_newBlockFilter","params":[]}',
    );
    const id = (created.body as { result: string }).result;
    expect(id).toMatch(/^0x[0-9a-f]{32}$/);
    expect(
      await post(`{"jsonrpc":"2.0","id":2,"method":"eth_getFilterChanges","params":["${id}"]}`),
    ).toMatchObject({
      status: 200,
      body: { jsonrpc: '2.0', id: 2, result: [] },
    });
    expect(
      (await post(`{"jsonrpc":"2.0","id":3,"method":"eth_uninstallFilter","params":["${id}"]}`))
        .body,
    ).toEqual({ jsonrpc: '2.0', id: 3, result: true });
    expect(
      (await post(`{"jsonrpc":"2.0","id":4,"method":"eth_getFilterChanges","params":["${id}"]}`))
        .body,
    ).toEqual({ jsonrpc: '2.0', id: 4, error: { code: -32000, message: 'filter not found' } });
    expect(forwarded().filter((c) => c.body.includes('Filter'))).toEqual([]);
  });

  it('answers filter calls of a batch in place, the others from the node, in order', async () => {
    const res = await post(
      '[{"jsonrpc":"2.0","id":"a","method":"eth_chainId","params":[]},' +
        '{"jsonrpc":"2.0","id":"b","method":"eth_newFilter","params":[{"address":"' +
        ADDRESS +
        '"}]},' +
        '{"jsonrpc":"2.0","id":"c","method":"eth_newFilter","params":[{"topics":[["0x1"]]}]},' +
        '{"jsonrpc":"2.0","id":"d","method":"eth_blockNumber","params":[]}]',
    );
    const answers = res.body as { id: string; result?: unknown; error?: { code: number } }[];
    expect(answers.map((a) => a.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(answers[0].result).toBe('p1');
    expect(answers[1].result).toMatch(/^0x[0-9a-f]{32}$/);
    expect(answers[2].error?.code).toBe(-32602);
    expect(answers[3].result).toBe('p1');
    const sent = forwarded();
    expect(sent).toHaveLength(1);
    expect(sent[0].body).not.toContain('eth_newFilter');
  });

  it('sends eth_getFilterLogs as the filter eth_getLogs, with the caller id byte for byte', async () => {
    const created = await post(
      `{"jsonrpc":"2.0","id":1,"method":"eth_newFilter","params":[{"address":"${ADDRESS}","fromBlock":"0x10"}]}`,
    );
    const id = (created.body as { result: string }).result;
    const res = await post(
      `{"jsonrpc":"2.0","id":9007199254740993,"method":"eth_getFilterLogs","params":["${id}"]}`,
    );
    expect(res.text).toBe('{"jsonrpc":"2.0","id":9007199254740993,"result":"p1"}');
    const sent = forwarded().at(-1)!;
    const call = JSON.parse(sent.body) as { method: string; params: unknown[] };
    expect(call.method).toBe('eth_getLogs');
    expect(call.params).toEqual([
      expect.objectContaining({ address: [ADDRESS], fromBlock: '0x10' }),
    ]);
  });

  it('refuses a filter over max_filters with -32005', async () => {
    const ids: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await post(`{"jsonrpc":"2.0","id":${i},"method":"eth_newBlockFilter"}`)).body);
    }
    expect(
      ids.filter((a) => (a as { error?: { code: number } }).error?.code === -32005).length,
    ).toBeGreaterThan(0);
  });
});
