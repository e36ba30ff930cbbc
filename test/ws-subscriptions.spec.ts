import { WebSocket } from 'ws';
import {
  type AnvilNode,
  FAST_HEALTH_CHECKS,
  httpRequest,
  jsonRpc,
  mineInStep,
  sleep,
  startSameChainCluster,
  stopAll,
  VixyProcess,
  waitFor,
} from './support';

// Subscriptions and filters of the built service against two real anvil nodes on one
// chain, mined in step: newHeads from the head log across a frozen and a killed serving
// node, filters polled over HTTP under round_robin, and the shared upstream connections.

jest.setTimeout(90_000);

const NO_BEACON = { name: 'cl-1', url: 'http://127.0.0.1:9' };

interface Client {
  readonly ws: WebSocket;
  readonly heads: number[];
  readonly answers: Map<number, unknown>;
  readonly closed: Promise<number>;
  call(id: number, method: string, params?: unknown[]): Promise<unknown>;
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  const heads: number[] = [];
  const answers = new Map<number, unknown>();
  const waiters = new Map<number, (v: unknown) => void>();
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString()) as {
      id?: number;
      method?: string;
      params?: { result: { number: string } };
      result?: unknown;
      error?: unknown;
    };
    if (msg.method === 'eth_subscription') {
      heads.push(Number(msg.params?.result.number));
      return;
    }
    if (typeof msg.id === 'number') {
      answers.set(msg.id, msg);
      waiters.get(msg.id)?.(msg);
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    heads,
    answers,
    closed,
    call: (id, method, params = []) =>
      new Promise((resolve) => {
        waiters.set(id, resolve);
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      }),
  };
}

function expectContiguous(numbers: readonly number[]): void {
  expect(numbers.length).toBeGreaterThan(0);
  const expected = numbers.map((_, i) => numbers[0] + i);
  expect(numbers).toEqual(expected);
}

async function metric(vixy: VixyProcess, name: string): Promise<Map<string, number>> {
  const text = (await httpRequest(`${vixy.baseUrl}/metrics`)).text;
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const [series, value] = line.split(' ');
    out.set(series, Number(value));
  }
  return out;
}

describe('subscriptions and filters against anvil nodes on one chain', () => {
  let nodes: AnvilNode[] = [];
  let vixy: VixyProcess | undefined;
  const clients: Client[] = [];
  let miner: NodeJS.Timeout | undefined;
  const live = new Set<AnvilNode>();

  async function start(proxy: Record<string, string | number> = {}): Promise<void> {
    nodes = await startSameChainCluster(2);
    for (const n of nodes) live.add(n);
    await mineInStep(nodes, 3);
    vixy = await VixyProcess.start({
      config: {
        el: { primary: [nodes[0]], backup: [nodes[1]] },
        cl: [NO_BEACON],
        global: FAST_HEALTH_CHECKS,
        proxy,
        websocket: { failback_delay_ms: 500 },
      },
    });
  }

  function mineEvery(ms: number): void {
    miner = setInterval(() => void mineInStep([...live]).catch(() => undefined), ms);
  }

  afterEach(async () => {
    if (miner) clearInterval(miner);
    for (const c of clients.splice(0)) c.ws.terminate();
    for (const n of nodes) await n.thaw().catch(() => undefined);
    await stopAll();
    vixy = undefined;
    live.clear();
  });

  it('delivers every block once, in order, across a frozen and then a killed serving node', async () => {
    await start();
    const client = await connect(`${vixy!.baseUrl.replace('http', 'ws')}/el/ws`);
    clients.push(client);
    const sub = (await client.call(1, 'eth_subscribe', ['newHeads'])) as { result: string };
    expect(sub.result).toMatch(/^0x[0-9a-f]{32}$/);
    mineEvery(250);
    await waitFor('3 heads', () => (client.heads.length >= 3 ? true : undefined), {
      timeoutMs: 10_000,
    });
    // The serving node hangs for about 10 blocks; the backup goes on mining.
    live.delete(nodes[0]);
    await nodes[0].freeze();
    const before = client.heads.length;
    await waitFor('10 more heads', () => (client.heads.length >= before + 10 ? true : undefined), {
      timeoutMs: 15_000,
    });
    await nodes[0].kill();
    const after = client.heads.length;
    await waitFor('5 more heads', () => (client.heads.length >= after + 5 ? true : undefined), {
      timeoutMs: 15_000,
    });
    expectContiguous(client.heads);
    const block = (await client.call(2, 'eth_blockNumber')) as { result: string };
    expect(Number(block.result)).toBeGreaterThanOrEqual(client.heads.at(-1)! - 1);
  });

  it('keeps filters across polls spread over both nodes by round_robin', async () => {
    await start({ el_routing: 'round_robin' });
    const url = `${vixy!.baseUrl}/el`;
    const id = await jsonRpc<string>(url, 'eth_newBlockFilter', []);
    expect(id).toMatch(/^0x[0-9a-f]{32}$/);
    const installedAt = await nodes[0].blockNumber();
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      await mineInStep(nodes, 1);
      await sleep(300);
      seen.push(...(await jsonRpc<string[]>(url, 'eth_getFilterChanges', [id])));
    }
    // The first filter of the process starts the head log: the block that was the head
    // when the filter was installed may come first (never a block less).
    const hashes = async (from: number, to: number) => {
      const out: string[] = [];
      for (let n = from; n <= to; n++) {
        out.push(
          (
            await nodes[1].rpc<{ hash: string }>('eth_getBlockByNumber', [
              `0x${n.toString(16)}`,
              false,
            ])
          ).hash,
        );
      }
      return out;
    };
    const mined = await hashes(installedAt + 1, installedAt + 6);
    const withHead = await hashes(installedAt, installedAt + 6);
    expect([mined, withHead]).toContainEqual(seen);
    expect(await jsonRpc<boolean>(url, 'eth_uninstallFilter', [id])).toBe(true);
    await expect(jsonRpc(url, 'eth_getFilterChanges', [id])).rejects.toThrow(/filter not found/);
  });

  it('serves 200 sessions over at most upstream_connections_per_node connections per node', async () => {
    await start();
    const wsUrl = `${vixy!.baseUrl.replace('http', 'ws')}/el/ws`;
    for (let i = 0; i < 200; i++) {
      const c = await connect(wsUrl);
      clients.push(c);
      await c.call(1, 'eth_subscribe', ['newHeads']);
    }
    await mineInStep(nodes, 1);
    await waitFor(
      'every client got the block',
      () => (clients.every((c) => c.heads.length >= 1) ? true : undefined),
      { timeoutMs: 10_000 },
    );
    const connections = await metric(vixy!, 'vixy_ws_upstream_connections');
    for (const value of connections.values()) expect(value).toBeLessThanOrEqual(2);
    expect([...connections.values()].some((v) => v > 0)).toBe(true);
  });
});
