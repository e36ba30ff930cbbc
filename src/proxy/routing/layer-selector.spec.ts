import { type ElNodeState } from '../../health/node-state';
import { NodeBudget } from '../rate-limit/node-budget';
import { TokenBucket } from '../rate-limit/token-bucket';
import { LayerSelector, Refusal } from './layer-selector';
import { type RoutingRequest, type RoutingStrategy } from './routing-strategy';
import { FirstHealthyStrategy } from './strategies/first-healthy.strategy';
import { elFleet } from '../../../test/http-proxy.fixtures';

const request: RoutingRequest = { transport: 'http', methods: ['eth_chainId'] };

function setup(buckets: (TokenBucket | undefined)[] = [], strategy?: RoutingStrategy<ElNodeState>) {
  const nodes = elFleet();
  let now = 0;
  const budgets = nodes.map((_, i) => new NodeBudget(buckets[i]));
  const selector = new LayerSelector<ElNodeState>(
    'el',
    { nodes: () => nodes, budget: (node) => budgets[nodes.indexOf(node)], now: () => now },
    strategy ?? new FirstHealthyStrategy(),
  );
  const names = (list: readonly { name: string }[]) => list.map((n) => n.name);
  return { nodes, selector, budgets, names, advance: (ms: number) => (now += ms) };
}

describe('LayerSelector.candidates', () => {
  it('lists available nodes in config order, minus the ones tried', () => {
    const { nodes, selector, names } = setup();
    const [p1, , b1] = nodes;
    nodes[1].isHealthy = false;
    nodes[3].drained = true;
    expect(names(selector.candidates())).toEqual(['p1', 'b1']);
    expect(names(selector.candidates([p1]))).toEqual(['b1']);
    expect(names(selector.candidates([p1, b1]))).toEqual([]);
  });

  it('leaves out nodes reported down, unless nothing else is left', () => {
    const { nodes, selector, names } = setup();
    nodes[0].passiveFailure = 'connection failed (ECONNREFUSED)';
    expect(names(selector.candidates())).toEqual(['p2', 'b1', 'b2']);
    for (const n of nodes) n.passiveFailure = 'connection failed (ECONNRESET)';
    nodes[3].isHealthy = false;
    expect(names(selector.candidates())).toEqual(['p1', 'p2', 'b1']);
  });

  it('ignores budgets unless asked, and never takes a token', () => {
    const { selector, names } = setup([new TokenBucket(1, 1, 0)]);
    expect(selector.pick(request)).toMatchObject({ name: 'p1' });
    expect(names(selector.candidates())).toEqual(['p1', 'p2', 'b1', 'b2']);
    expect(names(selector.candidates(undefined, { budget: true }))).toEqual(['p2', 'b1', 'b2']);
  });
});

describe('LayerSelector.pick', () => {
  it('takes a token of the chosen node and spills over when it runs out', () => {
    const { selector, advance } = setup([new TokenBucket(2, 1, 0), new TokenBucket(1, 1, 0)]);
    const picks = [1, 2, 3].map(() => (selector.pick(request) as ElNodeState).name);
    expect(picks).toEqual(['p1', 'p1', 'p2']);
    // Backups are candidates when no primary is (budgets included).
    expect(selector.pick(request)).toMatchObject({ name: 'b1' });
    advance(1000);
    expect(selector.pick(request)).toMatchObject({ name: 'p1' });
  });

  it('refuses with rate_limited and the shortest wait when only nodes out of budget are left', () => {
    const { nodes, selector } = setup([new TokenBucket(1, 2, 0), new TokenBucket(1, 1, 0)]);
    nodes[2].isHealthy = false;
    nodes[3].isHealthy = false;
    selector.pick(request);
    selector.pick(request);
    const refusal = selector.pick(request);
    expect(refusal).toBeInstanceOf(Refusal);
    expect(refusal).toMatchObject({ reason: 'rate_limited', retryAfterMs: 500 });
  });

  it('refuses with no_node when nothing is available', () => {
    const { nodes, selector } = setup();
    for (const n of nodes) n.isHealthy = false;
    expect(selector.pick(request)).toMatchObject({ reason: 'no_node' });
  });

  it('never picks a node already tried', () => {
    const { nodes, selector } = setup();
    expect(selector.pick(request, [nodes[0], nodes[1]])).toBe(nodes[2]);
  });

  it('treats a strategy choosing outside the candidates as a refusal', () => {
    const outsider = elFleet()[0];
    const { selector } = setup([], { select: () => outsider });
    expect(selector.pick(request)).toMatchObject({ reason: 'no_node' });
  });

  it('passes the request to the strategy', () => {
    const seen: RoutingRequest[] = [];
    const { selector } = setup([], {
      select: (c, r) => {
        seen.push(r);
        return c[0];
      },
    });
    selector.pick(request);
    expect(seen).toEqual([request]);
  });
});
