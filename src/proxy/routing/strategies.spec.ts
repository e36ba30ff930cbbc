import { type NodeState } from '../../health/node-state';
import { type UpstreamRegistry } from '../upstream/upstream-registry.service';
import { bestTier } from './best-tier';
import { LatencyTracker } from './latency-tracker.service';
import { type RoutingRequest } from './routing-strategy';
import { createRoutingStrategy } from './routing-strategy.factory';
import { clNode, elFleet, upstreamOf } from '../../../test/http-proxy.fixtures';

const request: RoutingRequest = { transport: 'http', methods: ['eth_chainId'] };

/** A tracker over upstream objects of `nodes`; `record` adds a sample to a node's. */
function trackerFor(nodes: ReturnType<typeof elFleet>) {
  const upstreams = new Map<NodeState, ReturnType<typeof upstreamOf>>(
    nodes.map((n) => [n, upstreamOf(n)]),
  );
  const registry = { of: (node: NodeState) => upstreams.get(node) } as unknown as UpstreamRegistry;
  return Object.assign(new LatencyTracker(registry), {
    record: (node: NodeState, ms: number) => upstreams.get(node)?.recordLatency(ms),
  });
}

describe('bestTier', () => {
  it('is the primaries when one is a candidate, else the backups', () => {
    const [p1, p2, b1, b2] = elFleet();
    expect(bestTier([p1, p2, b1, b2])).toEqual([p1, p2]);
    expect(bestTier([p2, b1])).toEqual([p2]);
    expect(bestTier([b1, b2])).toEqual([b1, b2]);
    expect(bestTier([])).toEqual([]);
  });

  it('returns the same array when it holds one tier (no copy)', () => {
    const [p1, p2] = elFleet();
    const candidates = [p1, p2];
    expect(bestTier(candidates)).toBe(candidates);
  });

  it('treats CL nodes as one tier', () => {
    const cl = [clNode('c1', 0), clNode('c2', 1)];
    expect(bestTier(cl)).toBe(cl);
  });
});

describe('first_healthy', () => {
  const strategy = createRoutingStrategy('first_healthy', trackerFor([]));

  it('takes the first candidate in config order: a primary, else a backup', () => {
    const [p1, p2, b1, b2] = elFleet();
    expect(strategy.select([p1, p2, b1, b2], request)).toBe(p1);
    expect(strategy.select([p2, b1, b2], request)).toBe(p2);
    expect(strategy.select([b1, b2], request)).toBe(b1);
    expect(strategy.select([], request)).toBeUndefined();
  });
});

describe('round_robin', () => {
  it('cycles over the best tier only', () => {
    const strategy = createRoutingStrategy('round_robin', trackerFor([]));
    const [p1, p2, b1, b2] = elFleet();
    const picks = Array.from({ length: 4 }, () => strategy.select([p1, p2, b1, b2], request)?.name);
    expect(picks).toEqual(['p1', 'p2', 'p1', 'p2']);
    const backups = Array.from({ length: 2 }, () => strategy.select([b1, b2], request)?.name);
    expect(new Set(backups)).toEqual(new Set(['b1', 'b2']));
    expect(strategy.select([], request)).toBeUndefined();
  });
});

describe('latency', () => {
  it('takes the lowest recent latency of the best tier, config order on ties', () => {
    const nodes = elFleet();
    const [p1, p2, b1] = nodes;
    const tracker = trackerFor(nodes);
    const strategy = createRoutingStrategy('latency', tracker);
    // Before any sample: the health-check latency (all 1 ms) -> config order.
    expect(strategy.select(nodes, request)).toBe(p1);
    tracker.record(p1, 20);
    tracker.record(p2, 5);
    tracker.record(b1, 0.1);
    expect(strategy.select(nodes, request)).toBe(p2);
    expect(strategy.select([b1, nodes[3]], request)).toBe(b1);
  });

  it('follows a node getting slower (moving average)', () => {
    const nodes = elFleet();
    const [p1, p2] = nodes;
    const tracker = trackerFor(nodes);
    const strategy = createRoutingStrategy('latency', tracker);
    tracker.record(p1, 2);
    tracker.record(p2, 3);
    expect(strategy.select([p1, p2], request)).toBe(p1);
    for (let i = 0; i < 5; i++) tracker.record(p1, 50);
    expect(strategy.select([p1, p2], request)).toBe(p2);
  });

  it('ranks a node without any measurement last', () => {
    const nodes = elFleet();
    nodes[0].lastLatencyMs = null;
    const strategy = createRoutingStrategy('latency', trackerFor(nodes));
    expect(strategy.select(nodes, request)).toBe(nodes[1]);
  });
});
