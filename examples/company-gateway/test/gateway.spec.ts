import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WebSocket } from 'ws';
import { createVixyApp, NodeRegistry, parseConfig } from 'vixy';
import { GatewayModule } from '../src/gateway.module';
import { parseTenants } from '../src/tenants';

// The company gateway booted as it runs (createVixyApp with GatewayModule) in front of
// local nodes that answer every JSON-RPC call with their own name (and eth_blockNumber,
// the health check, with a block number).

const KEY_A = 'tenant-a-key-0123456789';
const KEY_B = 'tenant-b-key-0123456789';

interface Node {
  readonly name: string;
  readonly url: string;
  readonly server: Server;
}

async function startNode(name: string): Promise<Node> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url?.startsWith('/eth/')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(`{"data":"${name}"}`);
        return;
      }
      const calls: { id?: unknown; method?: string }[] = JSON.parse(body || '{}');
      // Health checks get a block number; every other call the node's name.
      const answer = (c: { id?: unknown; method?: string }) => ({
        jsonrpc: '2.0',
        id: c.id ?? null,
        result: c.method === 'eth_blockNumber' ? '0x64' : name,
      });
      const out = Array.isArray(calls) ? calls.map(answer) : answer(calls);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { name, url: `http://127.0.0.1:${port}`, server };
}

function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => undefined);
  });
}

describe('company gateway', () => {
  let nodes: Node[];
  let app: NestFastifyApplication;
  let base: string;

  const post = async (body: unknown, headers: Record<string, string> = { 'x-api-key': KEY_A }) => {
    const res = await fetch(`${base}/el`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const call = (method: string, id = 1) => ({ jsonrpc: '2.0', id, method, params: [] });
  const servedBy = async (body: unknown) => {
    const res = await post(body);
    expect(res.status).toBe(200);
    const answers = res.body as { result: string } | { result: string }[];
    return Array.isArray(answers) ? answers.map((a) => a.result) : answers.result;
  };

  beforeAll(async () => {
    nodes = await Promise.all(['geth-1', 'geth-2', 'archive-1', 'cl-1'].map(startNode));
    const el = (table: string, n: Node) =>
      `[[el.${table}]]\nname = "${n.name}"\nhttp_url = "${n.url}"\nws_url = "${n.url.replace('http', 'ws')}"\n`;
    const config = parseConfig(
      `[global]\nhealth_check_interval_ms = 3600000\n[proxy]\nel_routing = "round_robin"\n` +
        el('primary', nodes[0]) +
        el('primary', nodes[1]) +
        el('backup', nodes[2]) +
        `[[cl]]\nname = "cl-1"\nurl = "${nodes[3].url}"\n`,
      'gateway.toml',
    );
    const tenants = parseTenants(`tenant-a:${KEY_A}, tenant-b:${KEY_B}`);
    app = await createVixyApp({
      config,
      logger: false,
      imports: [GatewayModule.forRoot({ archiveNode: 'archive-1', tenants })],
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  // Every node healthy and in rotation, as three good checks make them (a WebSocket test
  // reports the mocks down: they speak no WebSocket).
  beforeEach(() => {
    const registry = app.get(NodeRegistry);
    const good = new Map(
      ['geth-1', 'geth-2', 'archive-1'].map((n) => [
        n,
        { ok: true as const, blockNumber: 100, latencyMs: 1 },
      ]),
    );
    const cl = new Map([['cl-1', { healthOk: true, slot: 100, reason: null, latencyMs: 1 }]]);
    for (let i = 0; i < 3; i++) {
      for (const [name, result] of good) registry.applyElCheck(name, result);
      for (const [name, result] of cl) registry.applyClCheck(name, result);
    }
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all(nodes.map((n) => new Promise((r) => n.server.close(r))));
  });

  describe('API keys', () => {
    it('refuses /el without a key, and with an unknown one', async () => {
      const missing = await post(call('eth_chainId'), {});
      expect(missing.status).toBe(401);
      expect(missing.body).toMatchObject({
        id: null,
        error: { message: expect.stringMatching(/API key is required/) },
      });
      expect((await post(call('eth_chainId'), { 'x-api-key': 'nope' })).status).toBe(401);
    });

    it('refuses the /el/ws upgrade without a key', async () => {
      const ws = base.replace('http', 'ws') + '/el/ws';
      expect(await upgrade(ws)).toBe(401);
      expect(await upgrade(`${ws}?api_key=${KEY_B}`)).toBe(101);
      expect(await upgrade(ws, { 'x-api-key': KEY_A })).toBe(101);
    });

    it('refuses /cl/* without a key', async () => {
      const missing = await fetch(`${base}/cl/eth/v1/node/version`);
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ code: 401 });
      const ok = await fetch(`${base}/cl/eth/v1/node/version`, { headers: { 'x-api-key': KEY_B } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ data: 'cl-1' });
    });

    it('leaves the probes and /status to the operators', async () => {
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/status`)).status).toBe(200);
    });
  });

  describe('archive routing', () => {
    it('sends debug_* and trace_* to the archive node', async () => {
      expect(await servedBy(call('debug_traceTransaction'))).toBe('archive-1');
      expect(await servedBy(call('trace_block'))).toBe('archive-1');
      expect(await servedBy([call('trace_block', 1), call('debug_traceCall', 2)])).toEqual([
        'archive-1',
        'archive-1',
      ]);
    });

    it('sends everything else to the built-in strategy (round_robin over the primaries)', async () => {
      const served = new Set<unknown>();
      for (let id = 1; id <= 4; id++) served.add(await servedBy(call('eth_getBalance', id)));
      expect(served).toEqual(new Set(['geth-1', 'geth-2']));
      const mixed = (await servedBy([call('trace_block', 1), call('eth_chainId', 2)])) as string[];
      expect(mixed[0]).not.toBe('archive-1');
    });

    it('sends debug_* to the primaries while the archive node is down', async () => {
      const registry = app.get(NodeRegistry);
      const down = new Map([['archive-1', { ok: false as const, reason: 'down', latencyMs: 1 }]]);
      for (let i = 0; i < 3; i++) {
        for (const [name, result] of down) registry.applyElCheck(name, result);
      }
      expect(['geth-1', 'geth-2']).toContain(await servedBy(call('debug_traceTransaction')));
    });
  });
});
