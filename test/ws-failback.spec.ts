import { WebSocket } from 'ws';
import { type BootedApp, MockNode, baseUrl, boot, configFor } from './http-proxy.support';

// Hysteresis of the node WebSocket sessions are pointed at: a primary that flaps between
// healthy and unhealthy moves them to the backup once, and back only once it has stayed
// available for failback_delay_ms, not at every change of its health.

const FAILBACK_MS = 600;

describe('/el/ws sessions and a flapping primary', () => {
  let p1: MockNode;
  let b1: MockNode;
  let booted: BootedApp;
  let client: WebSocket;

  beforeAll(async () => {
    [p1, b1] = await Promise.all([MockNode.start('p1'), MockNode.start('b1')]);
    const config = await configFor({
      primary: [{ name: 'p1', url: p1.url }],
      backup: [{ name: 'b1', url: b1.url }],
      extra: `[websocket]\nfailback_delay_ms = ${FAILBACK_MS}`,
    });
    booted = await boot(config, { listen: true });
    booted.setEl(['p1', 'b1']);
    client = new WebSocket(`${baseUrl(booted.app).replace('http', 'ws')}/el/ws`);
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  });
  afterAll(async () => {
    client.terminate();
    await booted.close();
    await Promise.all([p1.close(), b1.close()]);
  });

  const metrics = async () => (await booted.app.inject({ method: 'GET', url: '/metrics' })).body;
  const value = (text: string, series: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(series))
        ?.split(' ')[1] ?? NaN,
    );
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('moves once to the backup while the primary flaps, and back once it has settled', async () => {
    const start = value(await metrics(), 'vixy_ws_reconnections_total');
    expect(value(await metrics(), 'vixy_ws_upstream_node{node="p1"}')).toBe(1);
    // 12 flaps in about 2.4 s: two failed checks (unhealthy), two good ones (healthy again)
    for (let i = 0; i < 12; i++) {
      booted.setEl(['b1']);
      booted.setEl(['b1']);
      await sleep(100);
      booted.setEl(['p1', 'b1']);
      booted.setEl(['p1', 'b1']);
      await sleep(100);
    }
    const during = await metrics();
    expect(value(during, 'vixy_ws_reconnections_total') - start).toBe(1);
    expect(value(during, 'vixy_ws_upstream_node{node="b1"}')).toBe(1);
    // the primary stays healthy: sessions go back after failback_delay_ms, once
    await sleep(FAILBACK_MS + 400);
    const after = await metrics();
    expect(value(after, 'vixy_ws_reconnections_total') - start).toBe(2);
    expect(value(after, 'vixy_ws_upstream_node{node="p1"}')).toBe(1);
    expect(value(after, 'vixy_ws_upstream_node{node="b1"}')).toBe(0);
  });
});
