import {
  FAKE_ADDRESSES as ADDR,
  FAKE_TOPICS as TOPIC,
  type FakeBlock,
  FakeChain,
  type FakeLog,
} from './fake-chain';
import { gapCloseReason } from './chain.constants';
import { type ChainGap } from './chain.types';
import { HeadLog } from './head-log';
import { parseLogCriteria } from './log-criteria';
import { notificationFrame } from './notification';
import { type FeedPull, SubscriptionFeed } from './subscription-feed';

// Worked examples of subscription delivery (the properties are in chain.properties.spec.ts).

const A = { node: 'a', authoritative: true };
const ID = Buffer.from('0x9cef478923ff08bf67fde6c64013158d');

function setup(depth = 8) {
  const chain = new FakeChain(200);
  const log = new HeadLog(chain, { depth });
  const feed = new SubscriptionFeed(log);
  const see = async (...blocks: FakeBlock[]) => {
    for (const b of blocks) log.observe(b.header, A);
    await log.idle();
  };
  return { chain, log, feed, see };
}

const frames = (pull: FeedPull) =>
  pull.suffixes.map(
    (s) =>
      JSON.parse(notificationFrame(ID, s).toString()) as {
        params: { result: Record<string, unknown> };
      },
  );
const numbers = (pull: FeedPull) => frames(pull).map((f) => Number(f.params.result.number));
const logKeys = (pull: FeedPull) =>
  frames(pull).map((f) => {
    const r = f.params.result;
    return `${Number(r.blockNumber)}/${Number(r.logIndex)}${r.removed ? ' removed' : ''}`;
  });
const some = (): FakeLog[] => [
  { address: ADDR[0], topics: [TOPIC[0]] },
  { address: ADDR[1], topics: [TOPIC[1]] },
];

describe('SubscriptionFeed', () => {
  it('sends newHeads notifications of every block after the start, built once per block', async () => {
    const { chain, feed, see } = setup();
    await see(chain.head);
    const one = feed.newHeads();
    const two = feed.newHeads();
    const blocks = chain.mine(3);
    await see(...blocks);
    const got = one.pull();
    expect(numbers(got)).toEqual([201, 202, 203]);
    expect(two.pull().suffixes[0]).toBe(got.suffixes[0]);
    expect(notificationFrame(ID, got.suffixes[0]).toString()).toBe(
      `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${ID.toString()}","result":${blocks[0].header.json}}}`,
    );
    expect(one.pull()).toEqual({ suffixes: [], end: undefined });
  });

  it('after a reorg sends the new chain from the fork point', async () => {
    const { chain, feed, see } = setup();
    await see(chain.head, ...chain.mine(3));
    const sub = feed.newHeads();
    await see(...chain.mine(1));
    expect(numbers(sub.pull())).toEqual([204]);
    const fresh = chain.reorg(3, 4);
    await see(fresh[3]);
    const got = frames(sub.pull()).map((f) => f.params.result.hash);
    expect(got).toEqual(fresh.map((b) => b.hash));
  });

  it('keeps the removed blocks a reader needs whatever junk a side node announces', async () => {
    const { chain, log, feed, see } = setup(4);
    await see(chain.head, ...chain.mine(2));
    const sub = feed.newHeads();
    await see(...chain.mine(2));
    expect(numbers(sub.pull())).toEqual([203, 204]);
    const fresh = chain.reorg(3, 3);
    await see(fresh[2]);
    for (let i = 0; i < 100; i++) {
      const junk = {
        ...fresh[2].header,
        number: 205,
        hash: `0x${(i + 1).toString(16).padStart(64, 'e')}`,
      };
      log.observe(junk, { node: 'junk', authoritative: false });
    }
    await log.idle();
    const got = sub.pull();
    expect(got.end).toBeUndefined();
    expect(numbers(got)).toEqual([202, 203, 204]);
  });

  it('takes at most maxBlocks at a time', async () => {
    const { chain, feed, see } = setup();
    await see(chain.head);
    const sub = feed.newHeads();
    await see(...chain.mine(5));
    expect(numbers(sub.pull(2))).toEqual([201, 202]);
    expect(numbers(sub.pull(2))).toEqual([203, 204]);
    expect(numbers(sub.pull())).toEqual([205]);
  });

  it('starts at the first block when subscribed before any was known', async () => {
    const { chain, feed, see } = setup();
    const sub = feed.newHeads();
    expect(sub.pull().suffixes).toEqual([]);
    await see(chain.head, ...chain.mine(1));
    expect(numbers(sub.pull())).toEqual([200, 201]);
  });

  it('ends with a gap, and says so again, when the chain jumped beyond the depth', async () => {
    const { chain, feed, see } = setup(4);
    await see(chain.head);
    const sub = feed.newHeads();
    await see(chain.mine(10)[9]);
    const end = { reason: 'gap', from: 201, to: 209 };
    expect(sub.pull()).toEqual({ suffixes: [], end });
    expect(sub.pull()).toEqual({ suffixes: [], end });
    expect(gapCloseReason(sub.pull().end as ChainGap)).toBe(
      'subscription ended: blocks 201 to 209 could not be followed; subscribe again',
    );
    const far = {
      reason: 'gap',
      from: Number.MAX_SAFE_INTEGER,
      to: Number.MAX_SAFE_INTEGER,
    } as const;
    expect(Buffer.byteLength(gapCloseReason(far))).toBeLessThanOrEqual(123);
  });

  it('ends a subscription that fell more than depth blocks behind', async () => {
    const { chain, feed, see } = setup(4);
    await see(chain.head);
    const sub = feed.newHeads();
    await see(...chain.mine(6));
    expect(sub.pull().end).toEqual({ reason: 'gap', from: 201, to: 202 });
  });

  it('sends matching logs once their block logs are fetched, in log index order', async () => {
    const { chain, log, feed, see } = setup();
    await see(chain.head);
    const all = feed.logs(parseLogCriteria(['logs', {}], 1));
    const first = feed.logs(parseLogCriteria(['logs', { address: ADDR[0] }], 1));
    await see(...chain.mine(2, some));
    expect(all.pull().suffixes).toEqual([]);
    await log.idle();
    expect(logKeys(all.pull())).toEqual(['201/0', '201/1', '202/0', '202/1']);
    expect(logKeys(first.pull())).toEqual(['201/0', '202/0']);
    expect(chain.calls.logsOfBlock).toBe(2);
  });

  it('never fetches logs a subscription cannot want (bloom)', async () => {
    const { chain, log, feed, see } = setup();
    await see(chain.head);
    const sub = feed.logs(parseLogCriteria(['logs', { address: `0x${'4'.repeat(40)}` }], 1));
    await see(...chain.mine(3, some));
    sub.pull();
    await log.idle();
    expect(sub.pull().suffixes).toEqual([]);
    expect(chain.calls.logsOfBlock).toBe(0);
  });

  it('on a reorg sends the removed logs first (oldest block first), then the new ones', async () => {
    const { chain, log, feed, see } = setup();
    await see(chain.head, ...chain.mine(1));
    const sub = feed.logs(parseLogCriteria(['logs', { topics: [[TOPIC[0], TOPIC[1]]] }], 1));
    await see(...chain.mine(2, some));
    sub.pull();
    await log.idle();
    expect(logKeys(sub.pull())).toEqual(['202/0', '202/1', '203/0', '203/1']);
    const fresh = chain.reorg(2, 2, () => [{ address: ADDR[2], topics: [TOPIC[1]] }]);
    await see(fresh[1]);
    const removedFirst = logKeys(sub.pull()); // the new blocks' logs are still on their way
    await log.idle();
    expect([...removedFirst, ...logKeys(sub.pull())]).toEqual([
      '202/0 removed',
      '202/1 removed',
      '203/0 removed',
      '203/1 removed',
      '202/0',
      '203/0',
    ]);
  });

  it('counts open subscriptions', () => {
    const { feed } = setup();
    const a = feed.newHeads();
    feed.logs(parseLogCriteria([{}], 0));
    a.close();
    a.close();
    expect(feed.active).toEqual({ newHeads: 0, logs: 1 });
  });
});
