import { AnvilNode, mineInStep, startAnvilCluster, startSameChainCluster } from './support/anvil';
import { freePorts } from './support/ports';
import { runningProcesses, stopAll } from './support/processes';

/** The real-node harness itself: anvil nodes started, frozen, killed and restarted by pid. */
describe('test harness: anvil nodes', () => {
  let nodes: AnvilNode[] = [];

  beforeAll(async () => {
    nodes = await startAnvilCluster(2);
  });

  afterAll(async () => {
    await stopAll();
    expect(runningProcesses()).toHaveLength(0);
  });

  const node = (i: number): AnvilNode => {
    const n = nodes[i];
    if (n === undefined) throw new Error(`node ${i} did not start`);
    return n;
  };

  it('starts each node on its own port with its own chain id', async () => {
    expect(node(0).port).not.toBe(node(1).port);
    expect(node(0).wsUrl).toBe(`ws://127.0.0.1:${node(0).port}`);
    const ids = await Promise.all(nodes.map((n) => n.rpc<string>('eth_chainId')));
    expect(ids.map((id) => Number(id))).toEqual([31337, 31338]);
  });

  it('mine(5) raises the height by 5', async () => {
    const before = await node(0).blockNumber();
    await node(0).mine(5);
    expect(await node(0).blockNumber()).toBe(before + 5);
  });

  it('a frozen node times out and answers again once thawed', async () => {
    await node(1).freeze();
    await expect(node(1).rpc('eth_blockNumber', [], 300)).rejects.toThrow(/timed out after 300 ms/);
    await node(1).thaw();
    await expect(node(1).blockNumber()).resolves.toBeGreaterThanOrEqual(0);
  });

  it('restarts a killed node on the same port, mined back to a height', async () => {
    const n = node(0);
    const height = await n.blockNumber();
    const oldPid = n.pid;
    const exit = await n.kill();
    expect(exit.signal).toBe('SIGKILL');
    await expect(n.blockNumber()).rejects.toThrow();

    await n.restart({ catchUpTo: height });
    expect(n.pid).not.toBe(oldPid);
    expect(await n.blockNumber()).toBe(height);
    expect(Number(await n.rpc<string>('eth_chainId'))).toBe(n.chainId);
  });

  it('keeps same-chain nodes identical, also after a restart', async () => {
    const chain = await startSameChainCluster(2, { chainId: 1337, number: 100 });
    const latest = async (n: AnvilNode): Promise<string> =>
      (await n.rpc<{ hash: string }>('eth_getBlockByNumber', ['latest', false])).hash;
    await mineInStep(chain, 3);
    const [a, b] = chain as [AnvilNode, AnvilNode];
    expect(await latest(a)).toBe(await latest(b));

    await a.kill();
    await a.restart({ catchUpTo: 103 });
    expect(await a.blockNumber()).toBe(103);
    expect(await latest(a)).toBe(await latest(b));
    await Promise.all(chain.map((n) => n.stop()));
  });

  it('hands out distinct free ports', async () => {
    const ports = await freePorts(20);
    expect(new Set(ports).size).toBe(20);
    expect(ports).not.toContain(node(0).port);
  });
});
