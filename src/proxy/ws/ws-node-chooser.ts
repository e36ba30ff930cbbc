import { isAvailable } from '../../health/node-state';
import { type ElUpstream } from '../upstream/upstream';

/** Why a session leaves the node serving it. */
export type MoveReason = 'unavailable' | 'fail-back';

/** What the chooser reads. */
export interface WsChooserDeps {
  /** The EL upstreams in order of preference (UpstreamRegistry.el()). */
  readonly upstreams: () => readonly ElUpstream[];
  /** `[websocket] failback_delay_ms` now. */
  readonly failbackDelayMs: () => number;
  /** Epoch milliseconds (the clock of `availableSince`). */
  readonly now: () => number;
}

/**
 * The node WebSocket sessions are pointed at (the head log's authoritative node, the
 * host of shared subscriptions). Sessions move
 * when its node is no longer available, or when it is on a backup and a primary has been
 * available for `failback_delay_ms` (a primary flapping in and out does not drag every
 * session along); also when its node lost every WebSocket connection and another node
 * has one. They do not move because the strategy would pick another node now.
 */
export class WsNodeChooser {
  constructor(private readonly deps: WsChooserDeps) {}

  /**
   * The node to point sessions at, or undefined when no node is available: the first
   * available node in order of preference (primaries, then backups, in config order;
   * nodes reported down only when nothing else is) among those with an open WebSocket
   * connection: a node whose upgrade fails or hangs is out of WebSocket rotation, a
   * primary too, while another node has one. When no node has one, any available node
   * (its HTTP still feeds the head log). One choice for every session: the
   * routing strategy, which spreads requests, is not asked.
   */
  pick(): ElUpstream | undefined {
    const all = this.deps.upstreams();
    const usable = all.filter((u) => isAvailable(u.node));
    const candidates =
      usable.length > 0
        ? usable
        : all.filter((u) => u.node.isHealthy && !u.node.drained && u.node.passiveFailure !== null);
    const withSocket = candidates.filter((u) => u.sockets?.available === true);
    const pool = withSocket.length > 0 ? withSocket : candidates;
    const tier = pool.some((u) => u.node.tier === 'primary') ? 'primary' : 'backup';
    return pool.find((u) => u.node.tier === tier);
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
