import { ChainRpcError } from './chain-errors';
import {
  FAKE_ADDRESSES as ADDR,
  FAKE_TOPICS as TOPIC,
  type FakeBlock,
  FakeChain,
} from './fake-chain';
import { FilterStore, type FilterStoreOptions } from './filter-store';
import { HeadLog } from './head-log';
import { parseLogCriteria } from './log-criteria';

// Vixy's filters: changes since the last poll, reorgs, expiry with a fake clock, limits.

const A = { node: 'a', authoritative: true };
const MINUTE = 60_000;

function setup(options: FilterStoreOptions = {}, depth = 8) {
  const chain = new FakeChain(300);
  const log = new HeadLog(chain, { depth });
  let time = 0;
  const store = new FilterStore(log, { now: () => time, ...options });
  const see = async (...blocks: FakeBlock[]) => {
    for (const b of blocks) log.observe(b.header, A);
    await log.idle();
  };
  const advance = (ms: number) => (time += ms);
  return { chain, log, store, see, advance };
}

function refusal(f: () => unknown): { code: number; message: string } {
  try {
    f();
  } catch (err) {
    if (err instanceof ChainRpcError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('no error');
}

const logCriteria = (c: unknown) => parseLogCriteria([c], 0);
const logsOf = (text: string) =>
  (JSON.parse(text) as Record<string, unknown>[]).map(
    (l) => `${Number(l.blockNumber)}/${Number(l.logIndex)}${l.removed ? ' removed' : ''}`,
  );
const some = () => [
  { address: ADDR[0], topics: [TOPIC[0]] },
  { address: ADDR[1], topics: [TOPIC[1]] },
];

describe('FilterStore', () => {
  it('mints 0x + 32 hex digit ids, unique', () => {
    const { store } = setup();
    const ids = new Set(Array.from({ length: 50 }, () => store.newBlockFilter()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^0x[0-9a-f]{32}$/);
  });

  it('answers a block filter with the hashes added since the last poll, reorged-in ones too', async () => {
    const { chain, store, see } = setup();
    await see(chain.head);
    const id = store.newBlockFilter();
    expect(store.changes(id)).toBe('[]');
    const blocks = chain.mine(2);
    await see(...blocks);
    expect(JSON.parse(store.changes(id))).toEqual(blocks.map((b) => b.hash));
    expect(store.changes(id)).toBe('[]');
    const fresh = chain.reorg(1, 2);
    await see(fresh[1]);
    expect(JSON.parse(store.changes(id))).toEqual(fresh.map((b) => b.hash));
  });

  it('answers a log filter with removed logs first, then the new ones, within its range', async () => {
    const { chain, log, store, see } = setup();
    await see(chain.head);
    const all = store.newLogFilter(logCriteria({ address: ADDR[0] }));
    const ranged = store.newLogFilter(logCriteria({ fromBlock: '0x12e', toBlock: '0x12e' }));
    await see(...chain.mine(3, some));
    await log.idle();
    expect(logsOf(store.changes(all))).toEqual(['301/0', '302/0', '303/0']);
    expect(logsOf(store.changes(ranged))).toEqual(['302/0', '302/1']);
    const fresh = chain.reorg(2, 1, () => [{ address: ADDR[0], topics: [] }]);
    await see(fresh[0]);
    await log.idle();
    expect(logsOf(store.changes(all))).toEqual(['302/0 removed', '303/0 removed', '302/0']);
    expect(logsOf(store.changes(ranged))).toEqual(['302/0 removed', '302/1 removed', '302/0']);
  });

  it('answers a pending transaction filter with the hashes fed since the last poll', () => {
    const { store } = setup();
    const id = store.newPendingTransactionFilter();
    const tx = `0x${'Ab'.repeat(32)}`;
    store.pendingTransaction(tx);
    expect(JSON.parse(store.changes(id))).toEqual([tx.toLowerCase()]);
    expect(store.changes(id)).toBe('[]');
    expect(refusal(() => store.pendingTransaction('0x12')).code).toBe(-32602);
  });

  it('answers "filter not found" (-32000) for an unknown or uninstalled id', () => {
    const { store } = setup();
    expect(refusal(() => store.changes('0x1234'))).toEqual({
      code: -32000,
      message: 'filter not found',
    });
    const id = store.newBlockFilter();
    expect(store.uninstall(id)).toBe(true);
    expect(store.uninstall(id)).toBe(false);
    expect(refusal(() => store.changes(id)).message).toBe('filter not found');
  });

  it('expires a filter not polled for 5 minutes; a poll keeps it, eth_getFilterLogs does not', () => {
    const { store, advance } = setup();
    const polled = store.newBlockFilter();
    const logs = store.newLogFilter(logCriteria({ address: ADDR[1] }));
    advance(4 * MINUTE);
    store.changes(polled);
    expect(store.criteriaOf(logs)).toEqual({ address: [ADDR[1]] });
    advance(MINUTE);
    expect(refusal(() => store.criteriaOf(logs)).message).toBe('filter not found');
    expect(store.changes(polled)).toBe('[]');
    advance(5 * MINUTE - 1);
    expect(store.sweep()).toBe(0);
    advance(1);
    expect(store.sweep()).toBe(1);
    expect(store.size).toBe(0);
  });

  it('refuses eth_getFilterLogs for a filter that is not a log filter', () => {
    const { store } = setup();
    const id = store.newBlockFilter();
    expect(refusal(() => store.criteriaOf(id)).message).toBe('filter not found');
  });

  it('installs at most max_filters (-32005), counting expired ones out', () => {
    const { store, advance } = setup({ maxFilters: 2 });
    store.newBlockFilter();
    const second = store.newPendingTransactionFilter();
    expect(refusal(() => store.newBlockFilter())).toEqual({
      code: -32005,
      message: 'Limit exceeded: more than 2 filters installed, uninstall some first',
    });
    store.uninstall(second);
    store.newBlockFilter();
    advance(5 * MINUTE);
    expect(() => store.newBlockFilter()).not.toThrow();
    store.configure({ maxFilters: 1 });
    expect(refusal(() => store.newBlockFilter()).code).toBe(-32005);
    expect(store.counts()).toEqual({ block: 1, log: 0, pending: 0 });
  });

  it('ends a filter holding more than maxChanges unpolled results, after answering them', async () => {
    const { chain, store, see } = setup({ maxChanges: 3 });
    await see(chain.head);
    const id = store.newBlockFilter();
    await see(...chain.mine(5));
    expect(JSON.parse(store.changes(id))).toHaveLength(3);
    expect(refusal(() => store.changes(id)).message).toBe(
      'filter not found (more than 3 changes were not polled)',
    );
    expect(refusal(() => store.changes(id)).message).toBe('filter not found');
  });

  it('ends a filter when the chain jumped beyond the head log', async () => {
    const { chain, store, see } = setup({}, 4);
    await see(chain.head);
    const id = store.newBlockFilter();
    const [first] = chain.mine(1);
    await see(first);
    await see(chain.mine(9)[8]);
    expect(JSON.parse(store.changes(id))).toEqual([first.hash]);
    expect(refusal(() => store.changes(id)).message).toBe(
      'filter not found (blocks 302 to 309 could not be followed)',
    );
  });

  it('stops following the head log when closed', async () => {
    const { chain, log, store, see } = setup();
    await see(chain.head);
    store.newBlockFilter();
    store.close();
    await see(...chain.mine(1));
    expect(store.size).toBe(0);
    log.close();
  });
});
