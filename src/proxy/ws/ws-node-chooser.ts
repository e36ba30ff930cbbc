import { type ElNodeState, isAvailable } from '../../health/node-state';
import { type LayerSelector, NOTHING_TRIED, Refusal } from '../routing/layer-selector';
import { type RoutingRequest } from '../routing/routing-strategy';
import { type ElUpstream } from '../upstream/upstream';

/** Why a session leaves the node serving it. */
export type MoveReason = 'unavailable' | 'fail-back';

/** What the chooser needs besides the selector. */
export interface WsChooserDeps {
  readonly selector: LayerSelector<ElNodeState>;
  /** The EL upstreams in order of preference (UpstreamRegistry.el()). */
  readonly upstreams: () => readonly ElUpstream[];
  /** `[websocket] failback_delay_ms` now. */
  readonly failbackDelayMs: () => number;
  /** Epoch milliseconds (the clock of `availableSince`). */
  readonly now: () => number;
}

const WS_REQUEST: RoutingRequest = { transport: 'ws', methods: [] };

/**
 * The node WebSocket sessions are pointed at (the head log's authoritative node, the
 * host of shared subscriptions), chosen through the same selector as HTTP requests (its
 * candidates and the routing strategy decide; the tier rule is theirs). Sessions move
 * when its node is no longer available, or when it is on a backup and a primary has been
 * available for `failback_delay_ms` (a primary flapping in and out does not drag every
 * session along); also when its node lost every WebSocket connection and another node
 * has one. They do not move because the strategy would pick another node now.
 */
export class WsNodeChooser {
  constructor(private readonly deps: WsChooserDeps) {}

  /**
   * The node to point sessions at, or undefined when no node is available: one with an
   * open WebSocket connection when there is one (a node whose upgrade fails or hangs is
   * out of WebSocket rotation), else any available node (its HTTP still feeds the head log).
   */
  pick(): ElUpstream | undefined {
    const noSocket = this.deps.upstreams().filter((u) => u.sockets?.available !== true);
    const withSocket = this.deps.selector.pick(WS_REQUEST, noSocket, 0);
    if (!(withSocket instanceof Refusal)) return withSocket;
    const any = this.deps.selector.pick(WS_REQUEST, NOTHING_TRIED, 0);
    return any instanceof Refusal ? undefined : any;
  }

  /** Whether a session served by node `name` should move, and why; null to stay. */
  verdict(name: string): MoveReason | null {
    const all = this.deps.upstreams();
    const node = all.find((u) => u.name === name)?.node;
    if (!node || !isAvailable(node)) return 'unavailable';
    const self = all.find((u) => u.name === name);
    if (
      self?.sockets?.available === false &&
      all.some((u) => u.sockets?.available && isAvailable(u.node))
    ) {
      return 'unavailable';
    }
    if (node.tier !== 'backup') return null;
    const settled = this.deps.now() - this.deps.failbackDelayMs();
    const primaryBack = all.some(({ node: n }) => {
      const since = n.availableSince;
      return n.tier === 'primary' && isAvailable(n) && since !== null && since <= settled;
    });
    return primaryBack ? 'fail-back' : null;
  }
}
