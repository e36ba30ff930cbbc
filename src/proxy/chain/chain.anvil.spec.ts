import { WebSocket } from 'ws';
import { AnvilNode, toHex, waitFor, withTimeout } from '../../../test/support';
import {
  type BlockHeader,
  headerFromBlock,
  headerFromNotification,
  NEW_HEADS_FIELDS,
} from './block-header';
import { type ChainSource } from './chain.types';
import { HeadLog } from './head-log';
import { parseLogCriteria } from './log-criteria';
import { notificationFrame } from './notification';
import { SubscriptionFeed } from './subscription-feed';

// The chain core against a real anvil: its newHeads headers against eth_getBlockByNumber,
// and what anvil sends around `anvil_reorg` (newHeads and logs subscriptions), followed by
// a head log fed with anvil's own notifications.
//
// Findings (anvil 1.7.1), asserted below:
// - a newHeads notification carries the whole block (totalDifficulty, size, uncles,
//   transactions, withdrawals) with `hash` first; headerFromNotification and
//   headerFromBlock reduce both to the same geth-shaped header text;
// - anvil_reorg(depth, txs) answers null and sends newHeads for the new blocks from the
//   fork point, in order; its logs subscription sends the new blocks' logs but never the
//   removed:true logs of the dropped blocks (geth sends those); the txs of the new blocks
//   must carry the nonces of the fork point's state, or anvil drops them without a word;
//   (seen, not asserted: a logs notification may come before its block's newHeads);
// - the head log, fed only anvil's newHeads, delivers the removed logs and the new ones.

const TOPIC = `0x${'5e'.repeat(32)}`;
/** Runtime code: LOG1(topic, data = block number); then STOP. */
const RUNTIME = `43600052 7f${TOPIC.slice(2)} 6020 6000 a1 00`.replace(/ /g, '');
/** Init code: copy the 0x2b runtime bytes after these 0x0b bytes into memory and return them. */
const INIT = '602b80600b6000396000f3';
const BLOCK_ONLY = ['totalDifficulty', 'size', 'uncles', 'transactions', 'withdrawals'];

interface Note {
  readonly subscription: string;
  readonly result: Record<string, unknown>;
}

let anvil: AnvilNode;
let socket: WebSocket;
let from: string;
let contract: string;
const notes: Note[] = [];

async function rpcWs(method: string, params: unknown[]): Promise<string> {
  const id = Math.floor(Math.random() * 1e9);
  const answer = new Promise<string>((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: string; error?: unknown };
      if (msg.id !== id) return;
      socket.off('message', onMessage);
      if (msg.error) reject(new Error(JSON.stringify(msg.error)));
      else resolve(msg.result as string);
    };
    socket.on('message', onMessage);
  });
  socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  return withTimeout(`${method} over WebSocket`, answer, 5000);
}

/** Sends `count` log-emitting calls and mines them into one block. */
async function mineWithLogs(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await anvil.rpc('eth_sendTransaction', [{ from, to: contract, gas: '0x100000' }]);
  }
  await anvil.mine(1);
}

const source = (): ChainSource => ({
  blockByNumber: (n) => anvil.rpc('eth_getBlockByNumber', [toHex(n), false]),
  blockByHash: (hash) => anvil.rpc('eth_getBlockByHash', [hash, false]),
  logsOfBlock: (hash) => anvil.rpc('eth_getLogs', [{ blockHash: hash }]),
});

beforeAll(async () => {
  anvil = await AnvilNode.start({ noMining: true });
  [from] = await anvil.rpc<string[]>('eth_accounts');
  const tx = await anvil.rpc<string>('eth_sendTransaction', [
    { from, data: `0x${INIT}${RUNTIME}`, gas: '0x100000' },
  ]);
  await anvil.mine(1);
  contract = (await anvil.rpc<{ contractAddress: string }>('eth_getTransactionReceipt', [tx]))
    .contractAddress;
  socket = new WebSocket(anvil.wsUrl);
  await withTimeout(
    'anvil WebSocket open',
    new Promise((resolve) => socket.once('open', resolve)),
    5000,
  );
  socket.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString()) as { method?: string; params?: Note };
    if (msg.method === 'eth_subscription' && msg.params) notes.push(msg.params);
  });
});

afterAll(async () => {
  socket?.terminate();
  await anvil?.kill();
});

describe('chain core against anvil', () => {
  it('reads the same geth-shaped header from newHeads and from eth_getBlockByNumber', async () => {
    const sub = await rpcWs('eth_subscribe', ['newHeads']);
    const start = await anvil.blockNumber();
    await mineWithLogs(2);
    await anvil.mine(1);
    const heads = await waitFor(
      'two newHeads notifications',
      () => {
        const got = notes.filter((n) => n.subscription === sub);
        return got.length >= 2 ? got : undefined;
      },
      { timeoutMs: 5000 },
    );
    for (const note of heads) {
      const fromNote = headerFromNotification(JSON.stringify(note.result));
      const block = await anvil.rpc('eth_getBlockByNumber', [note.result.number, false]);
      const fromBlock = headerFromBlock(block);
      expect(fromNote?.json).toBe(fromBlock?.json);
      const kept = JSON.parse(fromNote?.json as string) as Record<string, unknown>;
      for (const [key, value] of Object.entries(kept)) expect(note.result[key]).toEqual(value);
      const dropped = Object.keys(note.result).filter((k) => !(k in kept));
      expect(dropped.sort()).toEqual([...BLOCK_ONLY].sort());
      expect(Object.keys(kept).every((k) => k === 'hash' || NEW_HEADS_FIELDS.includes(k))).toBe(
        true,
      );
    }
    expect(heads.map((n) => Number(n.result.number))).toEqual([start + 1, start + 2]);
    await rpcWs('eth_unsubscribe', [sub]);
  });

  it('follows anvil_reorg: new heads from the fork point, removed and new logs from the head log', async () => {
    const headsSub = await rpcWs('eth_subscribe', ['newHeads']);
    const logsSub = await rpcWs('eth_subscribe', ['logs', {}]);
    const log = new HeadLog(source(), { depth: 16 });
    const feed = new SubscriptionFeed(log);
    const id = Buffer.from('0x01');
    const got: Record<string, unknown>[] = [];
    let headsSeen = notes.length;
    const pump = () => {
      for (const note of notes.slice(headsSeen)) {
        if (note.subscription !== headsSub) continue;
        const header = headerFromNotification(JSON.stringify(note.result));
        if (header) log.observe(header, { node: 'anvil', authoritative: true });
      }
      headsSeen = notes.length;
    };
    log.subscribe({
      changed: () => {
        for (const s of feedLogs.pull().suffixes) got.push(resultOf(id, s));
        for (const s of feedHeads.pull().suffixes) got.push(resultOf(id, s));
      },
    });
    const base = await anvil.blockNumber();
    const latest = headerFromBlock(await anvil.rpc('eth_getBlockByNumber', ['latest', false]));
    log.observe(latest as BlockHeader, { node: 'anvil', authoritative: true });
    await log.idle();
    const feedLogs = feed.logs(parseLogCriteria(['logs', { topics: [TOPIC] }], 1));
    const feedHeads = feed.newHeads();
    for (let i = 0; i < 3; i++) await mineWithLogs(2);
    const settled = async () =>
      waitFor(
        "the head log at anvil's latest block",
        async () => {
          pump();
          await log.idle();
          const latest = await anvil.rpc<{ hash: string }>('eth_getBlockByNumber', [
            'latest',
            false,
          ]);
          return log.head?.hash === latest.hash ? true : undefined;
        },
        { timeoutMs: 10_000 },
      );
    await settled();
    const before = notes.length;
    // the new blocks replay from the fork point's state: nonces as they were there
    const nonce = Number(
      await anvil.rpc<string>('eth_getTransactionCount', [from, toHex(base + 1)]),
    );
    const call = (n: number) => ({ from, to: contract, gas: '0x100000', nonce: toHex(n) });
    expect(
      await anvil.rpc('anvil_reorg', [
        2,
        [
          [call(nonce), 0],
          [call(nonce + 1), 1],
        ],
      ]),
    ).toBeNull();
    await settled();
    await waitFor(
      'the new logs',
      () => (got.filter((r) => r.removed === false).length >= 8 ? true : undefined),
      {
        timeoutMs: 5000,
      },
    );

    const afterReorg = notes.slice(before);
    const anvilLogs = afterReorg.filter((n) => n.subscription === logsSub).map((n) => n.result);
    expect(anvilLogs.map((r) => [Number(r.blockNumber) - base, r.removed])).toEqual([
      [2, false],
      [3, false],
    ]);
    const newHeads = afterReorg
      .filter((n) => n.subscription === headsSub)
      .map((n) => Number(n.result.number));
    expect(newHeads).toEqual([base + 2, base + 3]);

    const rel = (r: Record<string, unknown>, key: string) => Number(r[key]) - base;
    const logs = got.filter((r) => 'logIndex' in r);
    expect(
      logs.map(
        (r) => `${rel(r, 'blockNumber')}/${Number(r.logIndex)}${r.removed ? ' removed' : ''}`,
      ),
    ).toEqual([
      ...['1/0', '1/1', '2/0', '2/1', '3/0', '3/1'],
      ...['2/0 removed', '2/1 removed', '3/0 removed', '3/1 removed'],
      ...['2/0', '3/0'],
    ]);
    const heads = got.filter((r) => !('logIndex' in r));
    expect(heads.map((r) => rel(r, 'number'))).toEqual([1, 2, 3, 2, 3]);
    expect(heads[3].parentHash).toBe(heads[0].hash);
    log.close();
    await rpcWs('eth_unsubscribe', [headsSub]);
    await rpcWs('eth_unsubscribe', [logsSub]);
  });
});

function resultOf(id: Buffer, suffix: Buffer): Record<string, unknown> {
  return (
    JSON.parse(notificationFrame(id, suffix).toString()) as {
      params: { result: Record<string, unknown> };
    }
  ).params.result;
}
