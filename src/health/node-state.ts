import { type ClNode, type ElNode } from '../config';

export type Layer = 'el' | 'cl';
export type Tier = 'primary' | 'backup';

interface NodeStateBase {
  readonly name: string;
  /** The last active check succeeded (EL: a block number; CL: healthy, synced, a head slot). */
  checkOk: boolean;
  /** In rotation as far as the health rules go (lag and consecutive failures). */
  isHealthy: boolean;
  consecutiveFailures: number;
  /** Good checks in a row within the lag limit (reset by a failure, a lag or a passive report). */
  consecutiveSuccesses: number;
  /** Epoch milliseconds since the node is available (takes traffic); null while it is not. */
  availableSince: number | null;
  /** Blocks or slots behind the chain head, from the last known height; null before any. */
  lag: number | null;
  /** Epoch milliseconds of the last completed check. */
  lastCheckAt: number | null;
  lastLatencyMs: number | null;
  /** Why the last check failed or why the node is unhealthy; null after a good check. */
  lastError: string | null;
  /** Set by a passive report from the proxy: out of rotation until the next good check. */
  passiveFailure: string | null;
  /** Taken out of rotation by an operator until enabled again. */
  drained: boolean;
}

export interface ElNodeState extends NodeStateBase {
  readonly layer: 'el';
  tier: Tier;
  /** Position in the config (primaries first): the order of preference. */
  index: number;
  /** The node's config, with its real URLs: never show it, use the redacted fields. */
  config: ElNode;
  readonly httpUrl: string;
  readonly wsUrl: string;
  blockNumber: number | null;
}

export interface ClNodeState extends NodeStateBase {
  readonly layer: 'cl';
  index: number;
  config: ClNode;
  readonly url: string;
  slot: number | null;
  /** /eth/v1/node/health was 200 and /eth/v1/node/syncing said synced, not optimistic. */
  healthOk: boolean;
}

export type NodeState = ElNodeState | ClNodeState;

/** Outcome of one EL check: a block number, or why there is none. Never throws. */
export type ElCheckResult =
  | { readonly ok: true; readonly blockNumber: number; readonly latencyMs: number }
  | { readonly ok: false; readonly reason: string; readonly latencyMs: number };

/** Outcome of one CL check. `slot` may be known even when the node is not healthy. */
export interface ClCheckResult {
  readonly healthOk: boolean;
  readonly slot: number | null;
  /** Why the check is not ok (HTTP 503, syncing, timeout...), when it is not. */
  readonly reason: string | null;
  readonly latencyMs: number;
}

export type RegistryEvent =
  | { readonly type: 'node-healthy'; readonly layer: Layer; readonly name: string }
  | {
      readonly type: 'node-unhealthy';
      readonly layer: Layer;
      readonly name: string;
      readonly reason: string;
    }
  | {
      readonly type: 'node-unavailable';
      readonly layer: Layer;
      readonly name: string;
      readonly reason: string;
    }
  | { readonly type: 'node-drained'; readonly layer: Layer; readonly name: string }
  /** A config reload added the node (or changed its URLs: it starts over, unchecked). */
  | { readonly type: 'node-added'; readonly layer: Layer; readonly name: string }
  /** A config reload removed the node (or changed its URLs): move its traffic away. */
  | { readonly type: 'node-removed'; readonly layer: Layer; readonly name: string }
  | { readonly type: 'node-enabled'; readonly layer: Layer; readonly name: string }
  /** The node takes traffic again (healthy, not drained, no passive report), whatever the cause. */
  | { readonly type: 'node-available'; readonly layer: Layer; readonly name: string }
  | { readonly type: 'failover-started' }
  | { readonly type: 'failover-ended' }
  /** A check of the node was applied (every node is checked on its own schedule). */
  | { readonly type: 'checked'; readonly layer: Layer; readonly name: string };

/** A node takes traffic when it is healthy, not drained and not reported down since its last check. */
export function isAvailable(node: Readonly<NodeState>): boolean {
  return node.isHealthy && !node.drained && node.passiveFailure === null;
}
