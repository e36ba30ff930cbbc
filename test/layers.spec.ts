import 'reflect-metadata';
import { WebSocket } from 'ws';
import { parseConfig } from '../src/config';
import { MockNode, rpc } from './http-proxy.support';
import { httpRequest } from './support/http';
import { startVixyApp, type VixyApp } from './vixy-app';

// A fleet of only execution nodes, or only beacon nodes: readiness checks the layers
// configured, the routes of the absent layer answer a clear error.

const QUIET = '[global]\nhealth_check_interval_ms = 3600000\n';

/** Opens a WebSocket and resolves with the HTTP status of a refused upgrade. */
function upgradeStatus(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('the upgrade was accepted'));
    });
    ws.on('error', () => undefined);
  });
}

describe('an EL-only Vixy (no [[cl]])', () => {
  let node: MockNode;
  let vixy: VixyApp;

  beforeAll(async () => {
    node = await MockNode.start('geth-1');
    const config = parseConfig(
      `${QUIET}[[el.primary]]\nname = "geth-1"\nhttp_url = "${node.url}"\nws_url = "${node.url.replace('http', 'ws')}"\n`,
      'el-only.toml',
    );
    vixy = await startVixyApp(config);
  });
  afterAll(async () => {
    await vixy?.close();
    await node?.close();
  });

  it('is ready with a healthy EL node, and not without one', async () => {
    vixy.setEl(['geth-1']);
    const ready = await httpRequest(`${vixy.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text).info).not.toHaveProperty('cl');
    vixy.setEl([]);
    const notReady = await httpRequest(`${vixy.url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.text).error.el.message).toBe('no available EL node');
  });

  it('serves POST /el', async () => {
    vixy.setEl(['geth-1']);
    const res = await httpRequest(`${vixy.url}/el`, { body: rpc('eth_chainId') });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).result).toBe('geth-1');
  });

  it.each(['/cl/eth/v1/node/version', '/cl', '/cl/eth/v1/events?topics=head'])(
    'answers %s with 404 and a JSON message',
    async (path) => {
      const res = await httpRequest(`${vixy.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.text)).toEqual({
        code: 404,
        message: 'this Vixy serves no consensus layer: no [[cl]] node is configured',
      });
    },
  );

  it('shows no CL node in /status', async () => {
    const status = JSON.parse((await httpRequest(`${vixy.url}/status`)).text);
    expect(status.cl_nodes).toEqual([]);
    expect(status.cl_chain_head).toBeNull();
  });
});

describe('a CL-only Vixy (no [el])', () => {
  let beacon: MockNode;
  let vixy: VixyApp;

  beforeAll(async () => {
    beacon = await MockNode.start('cl-1');
    beacon.respond = (_req, res) =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":"cl-1"}');
    const config = parseConfig(
      `${QUIET}[[cl]]\nname = "cl-1"\nurl = "${beacon.url}"\n`,
      'cl-only.toml',
    );
    vixy = await startVixyApp(config);
  });
  afterAll(async () => {
    await vixy?.close();
    await beacon?.close();
  });

  it('is ready with a healthy CL node, and not without one', async () => {
    vixy.setCl(['cl-1']);
    const ready = await httpRequest(`${vixy.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text).info).not.toHaveProperty('el');
    vixy.setCl([]);
    expect((await httpRequest(`${vixy.url}/health/ready`)).status).toBe(503);
  });

  it('serves /cl/*', async () => {
    vixy.setCl(['cl-1']);
    const res = await httpRequest(`${vixy.url}/cl/eth/v1/node/version`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"data":"cl-1"}');
  });

  it.each(['/el', '/el/', '/el?x=1'])(
    'answers POST %s with a JSON-RPC error and HTTP 404',
    async (path) => {
      const res = await httpRequest(`${vixy.url}${path}`, { body: rpc('eth_chainId', 7) });
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text)).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32601,
          message: 'this Vixy serves no execution layer: no [[el.primary]] node is configured',
        },
      });
    },
  );

  it('refuses the /el/ws upgrade with 404 and a JSON message', async () => {
    const port = new URL(vixy.url).port;
    const refused = await upgradeStatus(`ws://127.0.0.1:${port}/el/ws`);
    expect(refused.status).toBe(404);
    expect(JSON.parse(refused.body).message).toMatch(/no execution layer/);
  });
});
