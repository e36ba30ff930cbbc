// The types the chain core shares with the I/O side that feeds it and reads it.

/**
 * Where the I/O side reads blocks and logs the head log is missing. Every method
 * returns the JSON-RPC `result` as parsed JSON (null when the node does not know the
 * block) and rejects when no node could answer. Results are checked by the chain core;
 * a malformed one counts as a failure and is retried later. Meant to be served over HTTP
 * by a node that has the block.
 */
export interface ChainSource {
  /** `eth_getBlockByNumber(<n as hex>, false)`. */
  blockByNumber(n: number): Promise<unknown>;
  /** `eth_getBlockByHash(hash, false)`. */
  blockByHash(hash: string): Promise<unknown>;
  /** `eth_getLogs({ blockHash: hash })`. */
  logsOfBlock(hash: string): Promise<unknown>;
}

/** Who saw a header: the node's name and whether it is the node Vixy currently prefers. */
export interface ObservationSource {
  readonly node: string;
  /**
   * True for the preferred (serving) node: its view wins, including a reorg to a chain
   * that is shorter than the head log. Other nodes can only make the chain longer.
   */
  readonly authoritative: boolean;
}

/**
 * Why a subscription, a filter or the head log itself lost continuity.
 * - `gap`: blocks `from`..`to` will never be delivered (the chain jumped more than
 *   head_log_depth blocks while no node was followed, or the reader fell that far behind).
 * - `reorg`: the chain was replaced below block `below`, the oldest block the head log
 *   held, so the removed blocks cannot be reported.
 */
export type ChainGap =
  | { readonly reason: 'gap'; readonly from: number; readonly to: number }
  | { readonly reason: 'reorg'; readonly below: number };

/** Something the I/O side may log (a transition, never once per request). */
export interface ChainProblem {
  /** stall: a fetch failed (retried later); listener: a listener threw; internal: a bug. */
  readonly kind: 'stall' | 'listener' | 'internal';
  readonly node?: string;
  readonly detail: string;
}
