import { sleep, type VixyProcess } from '../../test/support';
import { metricSum, noSessionsLeft, type SwarmSet, vixyMetrics } from './paths';
import { establishedTo, FakeChainNode, rssKiB } from './processes';

// Idle sessions of bench/ws.ts: Vixy's RSS before and after K sessions (one newHeads
// subscription each), and Vixy's WebSockets to the node while they are open.

export interface IdleFigures {
  /** Sessions opened (of `asked`: fewer when a limit was hit). */
  readonly sessions: number;
  readonly asked: number;
  readonly openErrors: readonly string[];
  readonly rssBeforeKiB: number;
  readonly rssAfterKiB: number;
  /** vixy_ws_upstream_connections summed over nodes (NaN: no such metric). */
  readonly metric: number;
  /** Established TCP connections to the port of the node's ws_url. */
  readonly tcp: number;
  /** Open WebSockets on that port as the node counts them. */
  readonly nodeSockets: number;
  /** Sessions that got the block made after the measurement. */
  readonly nextBlockDelivered: number;
}

/** RSS once it moves less than 1% in a second (at most 10 s). */
async function settledRssKiB(pid: number): Promise<number> {
  let last = rssKiB(pid);
  for (let i = 0; i < 10; i++) {
    await sleep(1000);
    const now = rssKiB(pid);
    if (Math.abs(now - last) < last * 0.01) return now;
    last = now;
  }
  return last;
}

/**
 * The same measure on a bare `ws` server (a fresh fake node, sessions straight on it):
 * what a WebSocket session costs in Node before any proxy logic.
 */
export async function bareWsKiBPerSession(swarms: SwarmSet, asked: number): Promise<number> {
  const node = await FakeChainNode.start();
  try {
    await swarms.open(node.wsUrl, Math.min(200, asked));
    await swarms.close();
    await sleep(1000);
    const before = rssKiB(node.proc.pid);
    const { opened } = await swarms.open(node.wsUrl, asked);
    const after = await settledRssKiB(node.proc.pid);
    await swarms.close();
    return (after - before) / opened;
  } finally {
    await node.proc.stop();
  }
}

export async function idleSessions(
  vixy: VixyProcess,
  node: FakeChainNode,
  swarms: SwarmSet,
  asked: number,
): Promise<IdleFigures> {
  const url = vixy.url('/el/ws').replace('http', 'ws');
  await swarms.open(url, Math.min(200, asked)); // warm-up: code paths and pools, not sessions
  await swarms.close();
  await noSessionsLeft(vixy);
  await sleep(1000);
  const rssBeforeKiB = rssKiB(vixy.pid);
  const { opened, errors } = await swarms.open(url, asked);
  const rssAfterKiB = await settledRssKiB(vixy.pid);
  const metric = metricSum(await vixyMetrics(vixy), 'vixy_ws_upstream_connections');
  const tcp = establishedTo(node.vixyWsPort);
  const stats = await node.stats();
  await swarms.track(stats.head + 1, stats.head + 1);
  await node.emit(1, 0);
  const got = await swarms.wait(1, 30_000);
  await swarms.close();
  await noSessionsLeft(vixy);
  return {
    sessions: opened,
    asked,
    openErrors: errors,
    rssBeforeKiB,
    rssAfterKiB,
    metric,
    tcp,
    nodeSockets: stats.webSockets[String(node.vixyWsPort)] ?? NaN,
    nextBlockDelivered: got.received,
  };
}
