// Node states for the routing specs beside src/proxy/routing (not a spec itself).
import {
  type ClNodeState,
  type ElNodeState,
  type NodeState,
  type Tier,
} from '../src/health/node-state';
import { NodeBudget, type NodeLimits } from '../src/proxy/rate-limit/node-budget';
import { Upstream } from '../src/proxy/upstream/upstream';
import { type UpstreamMetrics } from '../src/proxy/upstream/upstream-metrics';
import { parseTarget } from '../src/proxy/upstream/upstream-target';

export function elNode(
  name: string,
  tier: Tier,
  index: number,
  overrides: Partial<ElNodeState> = {},
): ElNodeState {
  return {
    layer: 'el',
    name,
    tier,
    index,
    config: { name, http_url: 'http://127.0.0.1:1', ws_url: 'ws://127.0.0.1:1' },
    httpUrl: 'http://127.0.0.1:1',
    wsUrl: 'ws://127.0.0.1:1',
    blockNumber: 100,
    checkOk: true,
    isHealthy: true,
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    availableSince: 0,
    lag: 0,
    lastCheckAt: 0,
    lastLatencyMs: 1,
    lastError: null,
    passiveFailure: null,
    drained: false,
    ...overrides,
  };
}

export function clNode(
  name: string,
  index: number,
  overrides: Partial<ClNodeState> = {},
): ClNodeState {
  return {
    layer: 'cl',
    name,
    index,
    config: { name, url: 'http://127.0.0.1:1' },
    url: 'http://127.0.0.1:1',
    slot: 100,
    healthOk: true,
    checkOk: true,
    isHealthy: true,
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    availableSince: 0,
    lag: 0,
    lastCheckAt: 0,
    lastLatencyMs: 1,
    lastError: null,
    passiveFailure: null,
    drained: false,
    ...overrides,
  };
}

/** p1, p2 (primaries), b1, b2 (backups), in config order. */
export function elFleet(): ElNodeState[] {
  return [
    elNode('p1', 'primary', 0),
    elNode('p2', 'primary', 1),
    elNode('b1', 'backup', 2),
    elNode('b2', 'backup', 3),
  ];
}

/** A counter or histogram child that records nothing (routing specs do not read metrics). */
const noop = { inc: () => undefined, observe: () => undefined } as never;

/** An upstream object around a node state, with a budget of the given limits and no pool. */
export function upstreamOf<N extends NodeState>(
  node: N,
  limits: NodeLimits = {},
  now = 0,
): Upstream<N> {
  const url = node.layer === 'el' ? node.config.http_url : node.config.url;
  const metrics: UpstreamMetrics = {
    key: node.name,
    requests: noop,
    duration: noop,
    errors: new Proxy({}, { get: () => noop }) as UpstreamMetrics['errors'],
  };
  return new Upstream<N>({
    node,
    url,
    target: parseTarget(url),
    pool: undefined as never,
    budget: new NodeBudget(limits, now),
    metrics,
  });
}
