import { type ClNode, type Config, type ElNode, redactUrl } from '../config';
import { type ClNodeState, type ElNodeState, type Tier } from './node-state';

/** A node as the config describes it, before any check: unknown, so not healthy. */
function initialState() {
  return {
    checkOk: false,
    isHealthy: false,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    availableSince: null,
    lag: null,
    lastCheckAt: null,
    lastLatencyMs: null,
    lastError: null,
    passiveFailure: null,
    drained: false,
  };
}

export function newElNode(config: ElNode, tier: Tier, index: number): ElNodeState {
  return {
    layer: 'el',
    name: config.name,
    tier,
    index,
    config,
    httpUrl: redactUrl(config.http_url),
    wsUrl: redactUrl(config.ws_url),
    blockNumber: null,
    ...initialState(),
  };
}

export function newClNode(config: ClNode, index: number): ClNodeState {
  return {
    layer: 'cl',
    name: config.name,
    index,
    config,
    url: redactUrl(config.url),
    slot: null,
    healthOk: false,
    ...initialState(),
  };
}

/** EL node configs in order of preference (primaries, then backups) with their tier. */
export function elEntries(config: Config): { config: ElNode; tier: Tier }[] {
  return [
    ...config.el.primary.map((c) => ({ config: c, tier: 'primary' as const })),
    ...config.el.backup.map((c) => ({ config: c, tier: 'backup' as const })),
  ];
}

/** A node keeps its state across a reload while its URLs stay the same. */
export function sameElEndpoint(a: ElNode, b: ElNode): boolean {
  return a.http_url === b.http_url && a.ws_url === b.ws_url;
}
