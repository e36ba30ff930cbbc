import { type ElNodeState } from '../../health/node-state';
import { type NodeLimits } from '../rate-limit/node-budget';
import { LayerSelector, NOTHING_TRIED, Refusal } from './layer-selector';
import { type RoutingRequest, type RoutingStrategy } from './routing-strategy';
import { FirstHealthyStrategy } from './strategies/first-healthy.strategy';
import { elFleet, upstreamOf } from '../../../test/http-proxy.fixtures';

const request: RoutingRequest = { transport: 'http', methods: ['eth_chainId'] };

function setup(limits: NodeLimits[] = [], strategy?: RoutingStrategy<ElNodeState>) {
  const nodes = elFleet();
  let now = 0;
  const upstreams = nodes.map((n, i) => upstreamOf(n, limits[i] ?? {}));
  const selector = new LayerSelector<ElNodeState>(
    'el',
    () => upstreams,
    strategy ?? new FirstHealthyStrategy(),
    () => now,
  );
  const name = (picked: unknown) =>
    picked instanceof Refusal ? picked : (picked as { name: string }).name;
  const pick = (tried = NOTHING_TRIED as readonly (typeof upstreams)[number][], calls = 1) =>
    name(selector.pick(request, tried, calls));
  return { nodes, upstreams, selector, pick, advance: (ms: number) => (now += ms) };
}

describe('LayerSelector.pick', () => {
  it('picks among available nodes in config order, never one already tried', () => {
    const { nodes, upstreams, pick } = setup();
    nodes[1].isHealthy = false;
    nodes[3].drained = true;
    expect(pick()).toBe('p1');
    expect(pick([upstreams[0]])).toBe('b1');
    expect(pick([upstreams[0], upstreams[2]])).toMatchObject({ reason: 'no_node' });
  });

  it('leaves out nodes reported down, unless nothing else is left', () => {
    const { nodes, pick } = setup();
    nodes[0].passiveFailure = 'connection refused (ECONNREFUSED)';
    expect(pick()).toBe('p2');
    for (const n of nodes) n.passiveFailure = 'connection reset (ECONNRESET)';
    nodes[0].isHealthy = false;
    expect(pick()).toBe('p2');
  });

  it('takes one token per call of the chosen node and spills over when it runs out', () => {
    const { pick, advance } = setup([{ max_qps: 1, max_consecutive_requests: 2 }, { max_qps: 1 }]);
    expect([pick(), pick(), pick()]).toEqual(['p1', 'p1', 'p2']);
    // Backups are candidates when no primary is (budgets included).
    expect(pick()).toBe('b1');
    advance(1000);
    expect(pick()).toBe('p1');
  });

  it('charges a batch one token per call, and never splits it: a node short of budget is left out', () => {
    const { upstreams, pick } = setup([{ max_qps: 1, max_consecutive_requests: 3 }]);
    expect(pick(NOTHING_TRIED, 5)).toMatchObject({ reason: 'rate_limited' });
    // Refused whole, its tokens are given back.
    expect(upstreams[0].budget.take(0, 3)).toBe(3);
  });

  it('takes no budget for a WebSocket session (0 calls)', () => {
    const { upstreams, pick } = setup([{ max_qps: 1 }]);
    expect(pick(NOTHING_TRIED, 0)).toBe('p1');
    expect(upstreams[0].budget.take(0, 1)).toBe(1);
  });

  it('refuses with rate_limited and the shortest wait when only nodes out of budget are left', () => {
    const { nodes, pick } = setup([{ max_qps: 2, max_consecutive_requests: 1 }, { max_qps: 1 }]);
    nodes[2].isHealthy = false;
    nodes[3].isHealthy = false;
    pick();
    pick();
    expect(pick()).toEqual(new Refusal('rate_limited', 500));
  });

  it('refuses with no_node when nothing is available', () => {
    const { nodes, pick } = setup();
    for (const n of nodes) n.isHealthy = false;
    expect(pick()).toMatchObject({ reason: 'no_node' });
  });

  it('treats a strategy choosing outside the candidates as a refusal', () => {
    const outsider = elFleet()[0];
    const { pick } = setup([], { select: () => outsider });
    expect(pick()).toMatchObject({ reason: 'no_node' });
  });

  it('passes the request and the candidate node states to the strategy', () => {
    const seen: [string[], RoutingRequest][] = [];
    const { nodes, pick } = setup([], {
      select: (c, r) => {
        seen.push([c.map((n) => n.name), r]);
        return c[0];
      },
    });
    nodes[0].drained = true;
    pick();
    expect(seen).toEqual([[['p2', 'b1', 'b2'], request]]);
  });
});

describe('LayerSelector.reserve', () => {
  it('gives a batch the calls a node has budget for, at least one', () => {
    const { selector } = setup([
      { max_qps: 1, max_consecutive_requests: 3 },
      { max_qps: 1, max_consecutive_requests: 2 },
    ]);
    const first = selector.reserve(request, NOTHING_TRIED, 5);
    expect(first).toMatchObject({ granted: 3 });
    expect((first as { upstream: { name: string } }).upstream.name).toBe('p1');
    const second = selector.reserve(request, NOTHING_TRIED, 2);
    expect(second).toMatchObject({ granted: 2 });
    expect((second as { upstream: { name: string } }).upstream.name).toBe('p2');
  });
});
