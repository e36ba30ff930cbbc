// Node states for the routing specs beside src/proxy/routing (not a spec itself).
import { type ClNodeState, type ElNodeState, type Tier } from '../src/health/node-state';

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
