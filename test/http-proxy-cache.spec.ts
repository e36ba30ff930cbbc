import 'reflect-metadata';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { ElFinality } from '../src/proxy/http/el-finality.service';
import { type BootedApp, MockNode, boot, configFor } from './http-proxy.support';
import { waitFor } from './support/wait';

// POST /el with [cache] enabled: immutable answers served from the cache per call and
// per batch element, with the caller's id; everything else always goes to a node.

const JSON_CT = { 'content-type': 'application/json' };
const HASH = `0x${'ab'.repeat(32)}`;
const FINALIZED = 100;

interface Call {
  id: unknown;
  method: string;
  params?: unknown[];
}

/** A node that knows blocks 0..120, finalized at 100; `served` counts calls by method. */
function chainNode(node: MockNode, served: Map<string, number>): void {
  node.respond = (_req: IncomingMessage, res: ServerResponse, body: string) => {
    const parsed = JSON.parse(body) as Call | Call[];
    const answer = (c: Call) => {
      served.set(c.method, (served.get(c.method) ?? 0) + 1);
      const tag = c.params?.[0];
      const key = `${c.method}:${String(tag)}`;
      served.set(key, (served.get(key) ?? 0) + 1);
      switch (c.method) {
        case 'eth_blockNumber':
          return { jsonrpc: '2.0', id: c.id, result: '0x78' };
        case 'eth_getBlockByNumber':
          if (tag === 'finalized') return { jsonrpc: '2.0', id: c.id, result: { number: '0x64' } };
          return { jsonrpc: '2.0', id: c.id, result: { number: tag, n: served.get(c.method) } };
        case 'eth_getBlockByHash':
          return { jsonrpc: '2.0', id: c.id, result: { hash: tag, big: 'BIG' } };
        case 'eth_getTransactionReceipt':
          return { jsonrpc: '2.0', id: c.id, result: null };
        case 'eth_chainId':
          return { jsonrpc: '2.0', id: c.id, error: { code: -32603, message: 'busy' } };
        default:
          return { jsonrpc: '2.0', id: c.id, result: node.name };
      }
    };
    const out = Array.isArray(parsed) ? parsed.map(answer) : answer(parsed);
    // A number no JS number holds, as a node may write it: it must come back as written.
    res
      .writeHead(200, JSON_CT)
      .end(JSON.stringify(out).replaceAll('"BIG"', '123456789012345678901234567890'));
  };
}

describe('POST /el with the answer cache', () => {
  let p1: MockNode;
  let booted: BootedApp;
  const served = new Map<string, number>();

  beforeAll(async () => {
    p1 = await MockNode.start('p1');
    chainNode(p1, served);
    const config = await configFor({
      primary: [{ name: 'p1', url: p1.url }],
      extra: '[cache]\nenabled = true',
    });
    booted = await boot(config);
    booted.setEl(['p1']);
    const finality = booted.app.get(ElFinality);
    await waitFor('the finalized block', () => finality.height === FINALIZED || undefined, {
      timeoutMs: 5000,
    });
  });
  afterAll(async () => {
    await booted.close();
    await p1.close();
  });
  beforeEach(() => served.clear());

  const post = (payload: string) =>
    booted.app.inject({ method: 'POST', url: '/el', payload, headers: JSON_CT });
  const call = (method: string, id: string, params: unknown[]) =>
    `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${JSON.stringify(params)}}`;

  it('serves a block by hash from the cache the second time, with the caller id and the node bytes', async () => {
    const first = await post(call('eth_getBlockByHash', '1', [HASH, false]));
    expect(first.headers['x-vixy-cache']).toBe('miss');
    const second = await post(call('eth_getBlockByHash', '9007199254740993', [HASH, false]));
    expect(second.headers['x-vixy-cache']).toBe('hit');
    expect(second.body).toBe(
      `{"jsonrpc":"2.0","id":9007199254740993,"result":{"hash":"${HASH}","big":123456789012345678901234567890}}`,
    );
    expect(served.get('eth_getBlockByHash')).toBe(1);
  });

  it('caches blocks by number at or below finalized, never above, never latest', async () => {
    for (let i = 0; i < 2; i++) {
      await post(call('eth_getBlockByNumber', '1', ['0x64', false]));
      await post(call('eth_getBlockByNumber', '2', ['0x65', false]));
      const latest = await post(call('eth_getBlockByNumber', '3', ['latest', false]));
      expect(latest.headers['x-vixy-cache']).toBeUndefined();
    }
    expect(served.get('eth_getBlockByNumber:0x64')).toBe(1);
    expect(served.get('eth_getBlockByNumber:0x65')).toBe(2);
    expect(served.get('eth_getBlockByNumber:latest')).toBe(2);
    const again = await post(call('eth_getBlockByNumber', '"x"', ['0x64', false]));
    expect(again.headers['x-vixy-cache']).toBe('hit');
    expect(JSON.parse(again.body)).toMatchObject({ id: 'x', result: { number: '0x64' } });
  });

  it('never keeps errors or null results', async () => {
    for (let i = 0; i < 2; i++) {
      await post(call('eth_chainId', '1', []));
      await post(call('eth_getTransactionReceipt', '2', [HASH]));
    }
    expect(served.get('eth_chainId')).toBe(2);
    expect(served.get('eth_getTransactionReceipt')).toBe(2);
  });

  it('answers a batch per element: hits from the cache, the rest from the node, in order', async () => {
    const other = `0x${'cd'.repeat(32)}`;
    await post(call('eth_getBlockByHash', '1', [HASH, false]));
    const res = await post(
      `[${call('eth_getBlockByHash', '"a"', [HASH, false])},${call('net_peerCount', '"b"', [])},${call('eth_getBlockByHash', '"c"', [other, false])}]`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-vixy-cache']).toBe('miss');
    expect((JSON.parse(res.body) as { id: string }[]).map((a) => a.id)).toEqual(['a', 'b', 'c']);
    // The other hash is kept now: the same batch is answered without the node but for net_peerCount.
    served.clear();
    await post(
      `[${call('eth_getBlockByHash', '"a"', [HASH, false])},${call('eth_getBlockByHash', '"c"', [other, false])}]`,
    );
    expect(served.get('eth_getBlockByHash')).toBeUndefined();
  });
});
