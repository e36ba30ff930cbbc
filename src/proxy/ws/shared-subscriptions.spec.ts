import { type NodeSockets, type SubscriptionHandlers } from '../upstream/node-sockets';
import { SharedSubscriptions } from './shared-subscriptions';

// Shared subscriptions over a stand-in for a node's connections: one upstream
// subscription per type and parameters, whatever the number of clients; re-created on
// the next node; the node's refusal passed on.

interface Made {
  readonly params: readonly unknown[];
  readonly handlers: SubscriptionHandlers;
  closed: boolean;
}

function node(): { sockets: NodeSockets; made: Made[] } {
  const made: Made[] = [];
  const sockets = {
    subscribe(params: readonly unknown[], handlers: SubscriptionHandlers) {
      const m: Made = { params, handlers, closed: false };
      made.push(m);
      return {
        get live() {
          return !m.closed;
        },
        close: () => {
          m.closed = true;
        },
      };
    },
  } as unknown as NodeSockets;
  return { sockets, made };
}

const PENDING = ['newPendingTransactions'] as const;

describe('SharedSubscriptions', () => {
  it('gives every client of one type a share of one upstream subscription', async () => {
    const a = node();
    const shared = new SharedSubscriptions();
    shared.pointAt(a.sockets);
    const seen: string[][] = [[], []];
    const first = shared.subscribe(PENDING, (j) => seen[0].push(j), 1000);
    const second = shared.subscribe(PENDING, (j) => seen[1].push(j), 1000);
    expect(a.made).toHaveLength(1);
    a.made[0].handlers.onLive?.();
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1.ok && r2.ok).toBe(true);
    a.made[0].handlers.onNotification('0xabc');
    expect(seen).toEqual([['"0xabc"'], ['"0xabc"']]);
    // a third client joins the live subscription at once
    const third = await shared.subscribe(PENDING, () => undefined, 1000);
    expect(third.ok).toBe(true);
    expect(a.made).toHaveLength(1);
    for (const r of [r1, r2, third]) if (r.ok) r.release();
    expect(a.made[0].closed).toBe(true);
    expect(shared.size).toBe(0);
  });

  it('re-creates each shared subscription on the next node, clients kept', async () => {
    const a = node();
    const b = node();
    const shared = new SharedSubscriptions();
    shared.pointAt(a.sockets);
    const seen: string[] = [];
    const pending = shared.subscribe(PENDING, (j) => seen.push(j), 1000);
    a.made[0].handlers.onLive?.();
    expect((await pending).ok).toBe(true);
    shared.pointAt(b.sockets);
    expect(a.made[0].closed).toBe(true);
    expect(b.made.map((m) => m.params)).toEqual([PENDING]);
    b.made[0].handlers.onNotification('0xdef');
    a.made[0].handlers.onNotification('0xold');
    expect(seen).toEqual(['"0xdef"']);
  });

  it("passes the node's refusal on, and answers in time when the node never confirms", async () => {
    const a = node();
    const shared = new SharedSubscriptions();
    shared.pointAt(a.sockets);
    const refused = shared.subscribe(['syncing'], () => undefined, 1000);
    a.made[0].handlers.onRefused?.({ code: -32601, message: 'no such subscription' });
    expect(await refused).toEqual({
      ok: false,
      error: { code: -32601, message: 'no such subscription' },
    });
    expect(shared.size).toBe(0);
    const silent = await shared.subscribe(['logs2'], () => undefined, 20);
    expect(silent).toEqual({ ok: false, error: expect.objectContaining({ code: -32603 }) });
    expect(a.made.at(-1)?.closed).toBe(true);
    const none = new SharedSubscriptions();
    expect(await none.subscribe(PENDING, () => undefined, 1000)).toEqual({
      ok: false,
      error: expect.objectContaining({ code: -32603 }),
    });
  });
});
