import 'reflect-metadata';
import { type IncomingMessage } from 'node:http';
import { Injectable, Module } from '@nestjs/common';
import { WebSocket } from 'ws';
import { parseConfig } from '../src/config';
import {
  refuse,
  VIXY_REQUEST_HOOK,
  type VixyHookResult,
  type VixyRequestHook,
  type VixyRoute,
} from '../src/gate/request-hook';
import { MockNode, rpc } from './http-proxy.support';
import { httpRequest } from './support/http';
import { startVixyApp, type VixyApp } from './vixy-app';

// VIXY_REQUEST_HOOK in front of the three proxied routes, whichever way a request
// reaches them: POST /el from the server's request listener, /el with a query through
// Fastify, /cl/* through Fastify, and the /el/ws upgrade.

/** Lets through `x-key: good`, refuses anything else; async for `x-async: 1`. */
@Injectable()
class KeyHook implements VixyRequestHook {
  readonly seen: { route: VixyRoute; url: string }[] = [];
  failWith: Error | null = null;

  check(req: IncomingMessage, route: VixyRoute): VixyHookResult | Promise<VixyHookResult> {
    this.seen.push({ route, url: req.url ?? '' });
    if (this.failWith) throw this.failWith;
    const verdict =
      req.headers['x-key'] === 'good'
        ? undefined
        : refuse(401, 'missing or unknown key', { headers: { 'www-authenticate': 'Key' } });
    return req.headers['x-async'] === '1' ? Promise.resolve(verdict) : verdict;
  }
}

/** An ordinary (not global) module: the gate finds the hook anywhere in the application. */
@Module({ providers: [KeyHook, { provide: VIXY_REQUEST_HOOK, useExisting: KeyHook }] })
class KeyHookModule {}

function upgrade(url: string, headers: Record<string, string>): Promise<number> {
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

describe('VIXY_REQUEST_HOOK', () => {
  let el: MockNode;
  let cl: MockNode;
  let vixy: VixyApp;
  let hook: KeyHook;
  const good = { 'x-key': 'good' };

  beforeAll(async () => {
    [el, cl] = await Promise.all([MockNode.start('geth-1'), MockNode.start('cl-1')]);
    cl.respond = (_req, res) => void res.writeHead(200).end('{"data":"cl-1"}');
    const config = parseConfig(
      `[global]\nhealth_check_interval_ms = 3600000\n` +
        `[[el.primary]]\nname = "geth-1"\nhttp_url = "${el.url}"\nws_url = "${el.url.replace('http', 'ws')}"\n` +
        `[[cl]]\nname = "cl-1"\nurl = "${cl.url}"\n`,
      'hook.toml',
    );
    vixy = await startVixyApp(config, [KeyHookModule]);
    vixy.setEl(['geth-1']);
    vixy.setCl(['cl-1']);
    hook = vixy.app.get(KeyHook);
  });
  afterAll(async () => {
    await vixy?.close();
    await Promise.all([el?.close(), cl?.close()]);
  });
  beforeEach(() => {
    hook.seen.length = 0;
    hook.failWith = null;
  });

  it.each(['/el', '/el/', '/el?tenant=a'])(
    'refuses POST %s without a key, as a JSON-RPC error',
    async (path) => {
      const calls = el.calls.length;
      const res = await httpRequest(`${vixy.url}${path}`, { body: rpc('eth_chainId', 5) });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Key');
      expect(JSON.parse(res.text)).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'missing or unknown key' },
      });
      expect(el.calls.length).toBe(calls);
      expect(hook.seen).toEqual([{ route: 'el', url: path }]);
    },
  );

  it.each([
    ['a sync', good],
    ['an async', { ...good, 'x-async': '1' }],
  ])('lets POST /el through after %s answer', async (_, headers) => {
    const res = await httpRequest(`${vixy.url}/el`, { body: rpc('eth_chainId'), headers });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).result).toBe('geth-1');
    const viaFastify = await httpRequest(`${vixy.url}/el?x=1`, {
      body: rpc('eth_chainId'),
      headers,
    });
    expect(JSON.parse(viaFastify.text).result).toBe('geth-1');
  });

  it('refuses /cl/* without a key in the beacon error shape, lets it through with one', async () => {
    const refused = await httpRequest(`${vixy.url}/cl/eth/v1/node/version`);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text)).toEqual({ code: 401, message: 'missing or unknown key' });
    const served = await httpRequest(`${vixy.url}/cl/eth/v1/node/version`, {
      headers: { ...good, 'x-async': '1' },
    });
    expect(served.status).toBe(200);
    expect(served.text).toBe('{"data":"cl-1"}');
    expect(hook.seen.map((s) => s.route)).toEqual(['cl', 'cl']);
  });

  it('refuses the /el/ws upgrade without a key, accepts it with one', async () => {
    const ws = `ws://127.0.0.1:${new URL(vixy.url).port}/el/ws`;
    expect(await upgrade(ws, {})).toBe(401);
    expect(await upgrade(ws, good)).toBe(101);
    expect(await upgrade(ws, { ...good, 'x-async': '1' })).toBe(101);
    expect(hook.seen.map((s) => s.route)).toEqual(['el_ws', 'el_ws', 'el_ws']);
  });

  it('does not run for the operations routes', async () => {
    for (const path of ['/status', '/health', '/metrics']) {
      expect((await httpRequest(`${vixy.url}${path}`)).status).toBe(200);
    }
    expect(hook.seen).toEqual([]);
  });

  it('answers 500 when the hook throws', async () => {
    hook.failWith = new Error('tenant store down');
    const res = await httpRequest(`${vixy.url}/el`, { body: rpc('eth_chainId'), headers: good });
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text).error.message).toBe('Internal error');
    const cl = await httpRequest(`${vixy.url}/cl/eth/v1/node/version`, { headers: good });
    expect(cl.status).toBe(500);
  });
});
