import { type ElNodeState, isAvailable } from '../../health/node-state';
import { type RoutingRequest, type RoutingStrategy } from '../routing/routing-strategy';

/** Where a session connects: a node's name and its real ws:// or wss:// URL (never logged). */
export interface WsTarget {
  readonly name: string;
  readonly url: string;
}

/** Why a session leaves the node serving it. */
export type MoveReason = 'unavailable' | 'fail-back';

/** The parts of NodeRegistry a session needs. */
export interface ElNodeSource {
  el(): readonly Readonly<ElNodeState>[];
  reportFailure(layer: 'el', name: string, reason: string): void;
}

const WS_REQUEST: RoutingRequest = { transport: 'ws', methods: [] };

/**
 * Node choice for WebSocket sessions. The tier rule is applied here, whatever the
 * strategy: the strategy picks among the available primaries, or among the available
 * backups when no primary is available. A session moves when its node is no longer
 * available, or when it is on a backup and a primary is available again. It does not
 * move because the strategy would pick another node now (round_robin would flap).
 */
export class WsNodeChooser {
  constructor(
    private readonly nodes: ElNodeSource,
    private readonly strategy: RoutingStrategy<ElNodeState> | undefined,
  ) {}

  /** The node for a new connection, or undefined when no node is available. */
  pick(): WsTarget | undefined {
    const all = this.nodes.el();
    let candidates = all.filter((n) => n.tier === 'primary' && isAvailable(n));
    if (candidates.length === 0)
      candidates = all.filter((n) => n.tier === 'backup' && isAvailable(n));
    if (candidates.length === 0) return undefined;
    const node = this.strategy ? this.strategy.select(candidates, WS_REQUEST) : candidates[0];
    return node ? { name: node.name, url: node.config.ws_url } : undefined;
  }

  /** Whether a session served by node `name` should move, and why; null to stay. */
  verdict(name: string): MoveReason | null {
    const all = this.nodes.el();
    const node = all.find((n) => n.name === name);
    if (!node || !isAvailable(node)) return 'unavailable';
    if (node.tier === 'backup' && all.some((n) => n.tier === 'primary' && isAvailable(n))) {
      return 'fail-back';
    }
    return null;
  }

  /** Passive health: the session's connection to `name` failed. */
  reportFailure(name: string, reason: string): void {
    this.nodes.reportFailure('el', name, reason);
  }
}
