import { type ElNodeState, isAvailable } from '../../health/node-state';
import { type LayerSelector, NOTHING_TRIED, Refusal } from '../routing/layer-selector';
import { type RoutingRequest } from '../routing/routing-strategy';
import { type ElUpstream } from '../upstream/upstream';

/** Where a session connects: a node's name and its real ws:// or wss:// URL (never logged). */
export interface WsTarget {
  readonly name: string;
  readonly url: string;
}

/** Why a session leaves the node serving it. */
export type MoveReason = 'unavailable' | 'fail-back';

/** What the chooser needs besides the selector. */
export interface WsChooserDeps {
  readonly selector: LayerSelector<ElNodeState>;
  /** The EL upstreams in order of preference (UpstreamRegistry.el()). */
  readonly upstreams: () => readonly ElUpstream[];
  readonly reportFailure: (name: string, reason: string) => void;
  /** `[websocket] failback_delay_ms` now. */
  readonly failbackDelayMs: () => number;
  /** Epoch milliseconds (the clock of `availableSince`). */
  readonly now: () => number;
  /** The monotonic clock of budgets. */
  readonly budgetNow: () => number;
}

const WS_REQUEST: RoutingRequest = { transport: 'ws', methods: [] };

/**
 * Node choice for WebSocket sessions, through the same selector as HTTP requests (its
 * candidates and the routing strategy decide; the tier rule is theirs). A session moves
 * when its node is no longer available, or when it is on a backup and a primary has been
 * available for `failback_delay_ms` (a primary flapping in and out does not drag every
 * session along). It does not move because the strategy would pick another node now.
 */
export class WsNodeChooser {
  constructor(private readonly deps: WsChooserDeps) {}

  /** The node for a new connection, or undefined when no node is available. */
  pick(): WsTarget | undefined {
    const picked = this.deps.selector.pick(WS_REQUEST, NOTHING_TRIED, 0);
    if (picked instanceof Refusal) return undefined;
    return { name: picked.name, url: picked.node.config.ws_url };
  }

  /** Whether a session served by node `name` should move, and why; null to stay. */
  verdict(name: string): MoveReason | null {
    const all = this.deps.upstreams();
    const node = all.find((u) => u.name === name)?.node;
    if (!node || !isAvailable(node)) return 'unavailable';
    if (node.tier !== 'backup') return null;
    const settled = this.deps.now() - this.deps.failbackDelayMs();
    const primaryBack = all.some(({ node: n }) => {
      const since = n.availableSince;
      return n.tier === 'primary' && isAvailable(n) && since !== null && since <= settled;
    });
    return primaryBack ? 'fail-back' : null;
  }

  /**
   * One call on node `name` takes a token of its budget (the same budgets as HTTP):
   * 0 when it may go now, else the milliseconds until the node has budget again.
   */
  charge(name: string): number {
    const upstream = this.deps.upstreams().find((u) => u.name === name);
    if (!upstream) return 0;
    const now = this.deps.budgetNow();
    if (upstream.budget.take(now, 1) === 1) return 0;
    return Math.max(1, upstream.budget.waitMs(now));
  }

  /** Passive health: the session's connection to `name` failed. */
  reportFailure(name: string, reason: string): void {
    this.deps.reportFailure(name, reason);
  }
}
