import { type NodeState } from '../../health/node-state';

/** What a strategy knows of the request it routes. */
export interface RoutingRequest {
  readonly transport: 'http' | 'ws';
  /** EL: the JSON-RPC method(s) of the request (every call of a batch); CL: empty. */
  readonly methods: readonly string[];
  /** CL: the path below /cl, e.g. `/eth/v1/beacon/headers/head`; EL: undefined. */
  readonly path?: string;
}

/**
 * Picks the node for one request (or one WebSocket session). `candidates` are the
 * nodes that may take it now (healthy, not drained, not reported down, within their
 * rate budget, not already tried for this request), in config order: primaries first,
 * then backups. Return undefined to refuse (the client gets 503).
 *
 * Called once per attempt on the hot path: no I/O, no logging, no allocation that
 * could be done once.
 */
export interface RoutingStrategy<N extends NodeState = NodeState> {
  select(candidates: readonly Readonly<N>[], request: RoutingRequest): Readonly<N> | undefined;
}
