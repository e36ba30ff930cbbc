import { AnvilNode, startSameChainCluster } from './support/anvil';
import { BlockMiner } from './support/block-miner';
import { DEV_ACCOUNT, LOG_TOPIC, deployLogEmitter, emitLogTx } from './support/log-emitter';
import { toHex } from './support/json-rpc';
import { stopAll } from './support/processes';
import { sleep } from './support/wait';

/** The same-chain fleet's network: blocks in step, catching up, holding back, reorgs. */
describe('BlockMiner on a same-chain fleet', () => {
  let nodes: AnvilNode[] = [];
  let miner: BlockMiner | undefined;

  const hashAt = async (n: AnvilNode, h: number): Promise<string> =>
    (await n.rpc<{ hash: string }>('eth_getBlockByNumber', [toHex(h), false])).hash;
  const heads = (): Promise<string[]> =>
    Promise.all(nodes.map(async (n) => hashAt(n, await n.blockNumber())));

  beforeAll(async () => {
    nodes = await startSameChainCluster(3, { number: 100 });
    miner = await BlockMiner.start(() => nodes, { intervalMs: 100 });
  });

  afterAll(async () => {
    await miner?.stop();
    await stopAll();
  });

  const m = (): BlockMiner => {
    if (!miner) throw new Error('no miner');
    return miner;
  };

  it('mines every node in step', async () => {
    await m().waitForHeight(105, 5000);
    await m().exclusive(async () => {
      expect(await Promise.all(nodes.map((n) => n.blockNumber()))).toEqual([
        m().height,
        m().height,
        m().height,
      ]);
      expect(new Set(await heads()).size).toBe(1);
    });
  });

  it('leaves a frozen node out, and catches it up with the same blocks once thawed', async () => {
    const [a, b] = nodes;
    await m().exclusive(() => a.freeze());
    const from = m().height;
    await m().waitForHeight(from + 5, 5000);
    expect(await b.blockNumber()).toBeGreaterThanOrEqual(from + 5);
    await m().exclusive(() => a.thaw());
    await m().waitForHeight(m().height + 1, 5000);
    await m().exclusive(async () => {
      expect(await a.blockNumber()).toBe(m().height);
      expect(await hashAt(a, from + 3)).toBe(await hashAt(b, from + 3));
    });
  });

  it('keeps a held-back node that many blocks behind, then lets it catch up', async () => {
    const [, , c] = nodes;
    m().holdBack(c, 5);
    const from = await c.blockNumber();
    await m().waitForHeight(m().height + 3, 5000);
    expect(await c.blockNumber()).toBe(from); // waits for the network to be 5 ahead
    await m().waitForHeight(m().height + 5, 5000);
    await m().exclusive(async () => expect(await c.blockNumber()).toBe(m().height - 5));
    m().holdBack(c, 0);
    await m().waitForHeight(m().height + 1, 5000);
    await m().exclusive(async () => {
      expect(await c.blockNumber()).toBe(m().height);
      expect(new Set(await heads()).size).toBe(1);
    });
  });

  it('brings a sibling started at genesis up to the same chain', async () => {
    const d = await nodes[0].sibling();
    nodes.push(d);
    await m().waitForHeight(m().height + 1, 5000);
    await m().exclusive(async () => {
      expect(await d.blockNumber()).toBe(m().height);
      expect(new Set(await heads()).size).toBe(1);
    });
  });

  it('sends a transaction to every node; the logs are the same everywhere', async () => {
    const contract = await deployLogEmitter(m());
    const at = await m().mineNow([emitLogTx(contract)]);
    const logs = await Promise.all(
      nodes.map((n) =>
        n.rpc<{ blockHash: string; data: string }[]>('eth_getLogs', [
          { fromBlock: toHex(at), toBlock: toHex(at), topics: [LOG_TOPIC] },
        ]),
      ),
    );
    expect(logs[0]).toHaveLength(1);
    expect(Number(logs[0][0].data)).toBe(at);
    for (const l of logs) expect(l).toEqual(logs[0]);
  });

  it('reorgs every node alike, with new logs in the new blocks', async () => {
    const contract = await deployLogEmitter(m());
    for (let i = 0; i < 3; i++) await m().mineNow([emitLogTx(contract)]);
    const call = (nonce: number) => ({ ...emitLogTx(contract), nonce: toHex(nonce) });
    const range = (fork: number) => [fork + 1, fork + 2, fork + 3];
    let old: string[] = [];
    const fork = await m().reorg(3, async (at) => {
      old = await Promise.all(range(at).map((h) => hashAt(nodes[0], h)));
      const nonce = await m().nonceAt(DEV_ACCOUNT, at);
      return [
        [call(nonce), 0],
        [call(nonce + 1), 0],
        [call(nonce + 2), 1],
      ];
    });
    const now = await Promise.all(range(fork).map((h) => hashAt(nodes[1], h)));
    for (let i = 0; i < 3; i++) expect(now[i]).not.toBe(old[i]);
    const logs = await nodes[2].rpc<{ blockNumber: string }[]>('eth_getLogs', [
      { fromBlock: toHex(fork + 1), toBlock: toHex(fork + 3), address: contract },
    ]);
    expect(logs.map((l) => Number(l.blockNumber) - fork)).toEqual([1, 1, 2]);
    await sleep(300);
    await m().exclusive(async () => expect(new Set(await heads()).size).toBe(1));
    expect(m().errors).toEqual([]);
  });
});
