import { type ChainEntry } from './chain-entry';

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

export interface HeadLogListener {
  added?(block: ChainEntry): void;
  reorg?(change: ChainReorg): void;
  gap?(gap: ChainGap): void;
  logs?(block: ChainEntry): void;
  changed?(): void;
}

export interface ChainReorg {
  /** The blocks that left the canonical chain, oldest first. */
  readonly removed: readonly ChainEntry[];
  /** The blocks that replaced them, oldest first (ending with the new head). */
  readonly added: readonly ChainEntry[];
}

export interface HeadLogOptions {
  /** Blocks kept (`[websocket] head_log_depth`). */
  readonly depth: number;
  /** Observations waiting while one is processed; default 64. */
  readonly maxQueued?: number;
  /** Fetches at once, for logs and for a hole's blocks by number; default 4. */
  readonly concurrency?: number;
  /** Transitions worth a log line (a stall, a listener that threw). */
  readonly onProblem?: (problem: ChainProblem) => void;
}

/** Counters of the head log (for metrics). */
export interface HeadLogStats {
  /** Canonical blocks held. */
  readonly blocks: number;
  /** Non-canonical blocks held (removed by reorgs, candidates). */
  readonly sideBlocks: number;
  readonly observations: number;
  /** eth_getBlockBy* requests made. */
  readonly blockFetches: number;
  /** eth_getLogs requests made. */
  readonly logFetches: number;
}
