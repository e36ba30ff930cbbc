import { once } from 'node:events';
import { WebSocket } from 'ws';
import {
  BlockMiner,
  FAST_HEALTH_CHECKS,
  httpRequest,
  sleep,
  startSameChainCluster,
  VixyProcess,
  waitFor,
} from '../../test/support';

// Failover part of bench/ws.ts: two anvil nodes of one chain (primary and backup), the
// harness's BlockMiner mining one block a second on every live node (a node behind,
// restarted from genesis or thawed, is mined up first: same blocks, same hashes),
// Vixy in front, `sessions` clients subscribed to newHeads. The node serving the
// sessions is killed (SIGKILL, then restarted), then frozen (SIGSTOP, then SIGCONT),
// each `rounds` times; every session's block numbers are checked for gaps and repeats.

export interface FaultFigures {
  readonly fault: 'kill' | 'freeze';
  /** Sessions served by the faulted node at the time (vixy_ws_upstream_node). */
  readonly onNode: number;
  /** Fault -> notification of the next block, per session: p50 and max (ms). */
  readonly nextNoteP50: number;
  readonly nextNoteMax: number;
  /** Fault -> the next block mined on the live nodes (ms, seen within 5 ms): the floor of the above. */
  readonly nextBlock: number;
}

export interface FailoverFigures {
  readonly sessions: number;
  readonly blocks: number;
  readonly faults: readonly FaultFigures[];
  /** Over every session, from its first notification to the fleet's last block. */
  readonly missed: number;
  readonly duplicated: number;
  readonly outOfOrder: number;
  readonly closed: number;
}

class Session {
  readonly numbers: number[] = [];
  readonly times: number[] = [];
  closed = false;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as {
        method?: string;
        params?: { result?: { number?: string } };
      };
      const n = msg.params?.result?.number;
      if (msg.method !== 'eth_subscription' || n === undefined) return;
      this.numbers.push(parseInt(n, 16));
      this.times.push(performance.now());
    });
    ws.on('close', () => (this.closed = true));
    ws.on('error', () => undefined);
  }

  static async open(url: string): Promise<Session> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await once(ws, 'open');
    const session = new Session(ws);
    ws.send('{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}');
    return session;
  }

  /** When the first notification of a block above `height` arrived. */
  firstAbove(height: number): number | undefined {
    const i = this.numbers.findIndex((n) => n > height);
    return i < 0 ? undefined : this.times[i];
  }
}

async function sessionsOn(vixy: VixyProcess, name: string): Promise<number> {
  const text = (await httpRequest(vixy.url('/metrics'))).text;
  const m = new RegExp(`^vixy_ws_upstream_node\\{node="${name}"[^}]*\\} (\\d+)`, 'm').exec(text);
  return Number(m?.[1] ?? NaN);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
}

export async function failover(rounds: number, sessionCount: number): Promise<FailoverFigures> {
  const nodes = await startSameChainCluster(2, { number: 0 });
  const miner = await BlockMiner.start(() => nodes, { intervalMs: 1000 });
  let vixy: VixyProcess | undefined;
  const sessions: Session[] = [];
  try {
    vixy = await VixyProcess.start({
      config: {
        el: { primary: [nodes[0]], backup: [nodes[1]] },
        cl: [{ url: 'http://127.0.0.1:9' }],
        global: FAST_HEALTH_CHECKS,
        websocket: { ping_interval_ms: 1000 },
      },
      env: { LOG_LEVEL: 'warn' },
    });
    const url = vixy.url('/el/ws').replace('http', 'ws');
    for (let i = 0; i < sessionCount; i++) sessions.push(await Session.open(url));
    await waitFor(
      'every session to see two blocks',
      () => sessions.every((s) => s.numbers.length >= 2) || undefined,
      { timeoutMs: 15_000 },
    );
    const faults: FaultFigures[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const fault of ['kill', 'freeze'] as const) {
        await waitFor(
          'the sessions back on the primary',
          async () => (await sessionsOn(vixy!, 'el-primary-1')) === sessionCount || undefined,
          { timeoutMs: 20_000, intervalMs: 200 },
        );
        const onNode = await sessionsOn(vixy, 'el-primary-1');
        await sleep(200 + Math.random() * 600); // at a random point of the block
        // between two ticks; notes of the block mined last may still be on their way
        const { at, height } = await miner.exclusive(async () => {
          const fault0 = { at: performance.now(), height: miner.height };
          await (fault === 'kill' ? nodes[0].kill() : nodes[0].freeze());
          return fault0;
        });
        let nextBlock = NaN;
        const next = await waitFor(
          'a notification to every session after the fault',
          () => {
            if (Number.isNaN(nextBlock) && miner.height > height)
              nextBlock = performance.now() - at;
            const t = sessions.map((s) => s.firstAbove(height));
            return t.every((x) => x !== undefined) ? (t as number[]) : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 5 },
        );
        await sleep(Math.max(0, at + 5000 - performance.now()));
        await miner.exclusive(() => (fault === 'kill' ? nodes[0].restart() : nodes[0].thaw()));
        faults.push({
          fault,
          onNode,
          nextNoteP50: median(next.map((t) => t - at)),
          nextNoteMax: Math.max(...next.map((t) => t - at)),
          nextBlock,
        });
      }
    }
    await miner.stop();
    const last = miner.height;
    await waitFor(
      'every session to see the last block',
      () => sessions.every((s) => s.closed || s.numbers.includes(last)) || undefined,
      { timeoutMs: 15_000, intervalMs: 100 },
    ).catch(() => undefined);
    return { sessions: sessionCount, blocks: last, faults, ...tally(sessions, last) };
  } finally {
    for (const s of sessions) s.ws.terminate();
    await miner.stop();
    await vixy?.stop();
    await Promise.allSettled(nodes.map((n) => n.kill()));
  }
}

function tally(sessions: readonly Session[], last: number) {
  let missed = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const s of sessions) {
    const first = s.numbers[0] ?? last;
    const seen = new Set(s.numbers);
    for (let n = first; n <= last; n++) if (!seen.has(n)) missed++;
    duplicated += s.numbers.length - seen.size;
    for (let i = 1; i < s.numbers.length; i++) if (s.numbers[i] < s.numbers[i - 1]) outOfOrder++;
  }
  return { missed, duplicated, outOfOrder, closed: sessions.filter((s) => s.closed).length };
}
