import 'reflect-metadata';
import { request as undiciRequest } from 'undici';
import { type IncomingMessage } from 'node:http';
import { Injectable, Module } from '@nestjs/common';
import { WebSocket } from 'ws';
import { parseConfig } from '../src/config';
import { refuse, VIXY_REQUEST_HOOK, type VixyRequestHook } from '../src/gate/request-hook';
import { routeOf } from '../src/metrics/http-responses';
import { VIXY_VERSION } from '../src/version';
import { MockNode, rpc } from './http-proxy.support';
import { parseExposition, sampleValue } from './metrics-exposition';
import { httpRequest } from './support/http';
import { startVixyApp, type VixyApp } from './vixy-app';

// vixy_http_responses_total{route,status}: every answer to a client, counted once,
// whichever way it was served; vixy_build_info.

/** Refuses requests that carry `x-refuse`. */
@Injectable()
class RefuseMarked implements VixyRequestHook {
  check(req: IncomingMessage) {
    return req.headers['x-refuse'] === undefined ? undefined : refuse(403, 'refused');
  }
}

@Module({ providers: [{ provide: VIXY_REQUEST_HOOK, useClass: RefuseMarked }] })
class RefuseModule {}

function openWs(url: string, headers: Record<string, string> = {}): Promise<number> {
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

describe('vixy_http_responses_total', () => {
  let el: MockNode;
  let cl: MockNode;
  let vixy: VixyApp;

  beforeAll(async () => {
    [el, cl] = await Promise.all([MockNode.start('geth-1'), MockNode.start('cl-1')]);
    cl.respond = (_req, res) => void res.writeHead(200).end('{}');
    const config = parseConfig(
      `[global]\nhealth_check_interval_ms = 3600000\n` +
        `[[el.primary]]\nname = "geth-1"\nhttp_url = "${el.url}"\nws_url = "${el.url.replace('http', 'ws')}"\n` +
        `[[cl]]\nname = "cl-1"\nurl = "${cl.url}"\n`,
      'metrics.toml',
    );
    vixy = await startVixyApp(config, [RefuseModule]);
    vixy.setEl(['geth-1']);
    vixy.setCl(['cl-1']);
  });
  afterAll(async () => {
    await vixy?.close();
    await Promise.all([el?.close(), cl?.close()]);
  });

  it('counts each answer once by route and status', async () => {
    const u = vixy.url;
    const ws = `ws://127.0.0.1:${new URL(u).port}/el/ws`;
    await httpRequest(`${u}/el`, { body: rpc('eth_chainId') }); // the raw listener
    await httpRequest(`${u}/el?x=1`, { body: rpc('eth_chainId') }); // through Fastify
    await httpRequest(`${u}/el`, { body: 'not json' });
    await httpRequest(`${u}/el`, { body: rpc('eth_chainId'), headers: { 'x-refuse': '1' } });
    await httpRequest(`${u}/cl/eth/v1/node/version`);
    await httpRequest(`${u}/cl/eth/v1/node/version`, { headers: { 'x-refuse': '1' } });
    // An event stream is Vixy's own and stays open: counted when it starts.
    const stream = new AbortController();
    const events = await undiciRequest(`${u}/cl/eth/v1/events?topics=head`, {
      signal: stream.signal,
    });
    expect(events.statusCode).toBe(200);
    stream.abort();
    await events.body.text().catch(() => undefined);
    await httpRequest(`${u}/status`);
    await httpRequest(`${u}/health`);
    await httpRequest(`${u}/health/ready`);
    await httpRequest(`${u}/docs-json`);
    await httpRequest(`${u}/admin/nodes`);
    await httpRequest(`${u}/nothing-here`);
    expect(await openWs(ws)).toBe(101);
    expect(await openWs(ws, { 'x-refuse': '1' })).toBe(403);

    await httpRequest(`${u}/metrics`);
    const text = (await httpRequest(`${u}/metrics`)).text;
    const exposition = parseExposition(text);
    const count = (route: string, status: string) =>
      sampleValue(exposition, 'vixy_http_responses_total', { route, status });
    expect(count('el', '200')).toBe(2);
    expect(count('el', '400')).toBe(1);
    expect(count('el', '403')).toBe(1);
    expect(count('cl', '200')).toBe(1);
    expect(count('cl', '403')).toBe(1);
    expect(count('cl_events', '200')).toBe(1);
    expect(count('status', '200')).toBe(1);
    expect(count('health', '200')).toBe(2);
    expect(count('docs', '200')).toBe(1);
    expect(count('admin', '404')).toBe(1);
    expect(count('other', '404')).toBe(1);
    expect(count('el_ws', '101')).toBe(1);
    expect(count('el_ws', '403')).toBe(1);
    expect(count('metrics', '200')).toBe(1);
  });

  it('exposes vixy_build_info with the version of Vixy and of Node', async () => {
    const exposition = parseExposition((await httpRequest(`${vixy.url}/metrics`)).text);
    expect(
      sampleValue(exposition, 'vixy_build_info', {
        version: VIXY_VERSION,
        node_version: process.version,
      }),
    ).toBe(1);
  });
});

describe('routeOf', () => {
  it.each([
    ['/el', 'el'],
    ['/el/?a=1', 'el'],
    ['/el/ws', 'el_ws'],
    ['/cl', 'cl'],
    ['/cl/eth/v1/beacon/headers/head', 'cl'],
    ['/cl/eth/v1/events?topics=head', 'cl_events'],
    ['/status', 'status'],
    ['/health/ready', 'health'],
    ['/metrics', 'metrics'],
    ['/admin/reload', 'admin'],
    ['/docs', 'docs'],
    ['/docs-json', 'docs'],
    ['/docs/swagger-ui.css', 'docs'],
    ['/elephant', 'other'],
    ['/', 'other'],
  ])('%s -> %s', (url, route) => {
    expect(routeOf({ url } as IncomingMessage)).toBe(route);
  });
});
