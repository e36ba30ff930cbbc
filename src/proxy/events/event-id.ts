import { type CoreTopic } from './topics';

// Event ids: derived from the chain, not from a counter, so that they mean the same
// after a node change, after a restart of Vixy and on another replica that follows the
// same chain.
//
//   <slot>-<rank>-<first 8 hex digits of the root>     a block, head or finalized_checkpoint
//   <id of the last such event>.<n>                    any other topic (n counts per stream)
//
// The rank orders the events of one slot as beacon nodes send them: block (0), head
// (1), finalized_checkpoint (2). A finalized_checkpoint takes the slot of the newest
// block or head before it. A resume finds the exact id in the log, or else replays
// what comes after the id's (slot, rank) position.

export interface Position {
  readonly slot: number;
  readonly rank: number;
}

export const RANKS: Readonly<Record<CoreTopic, number>> = {
  block: 0,
  head: 1,
  finalized_checkpoint: 2,
};

/** The id of the events of a stream before the chain log holds anything. */
export const ORIGIN_ID = '0-0-00000000';

export function eventId(position: Position, root: string): string {
  return `${position.slot}-${position.rank}-${root.slice(2, 10)}`;
}

/** The id of the n-th event of another topic after the log event `base`. */
export function extraEventId(base: string, n: number): string {
  return `${base}.${n}`;
}

const ID = /^(\d{1,15})-([0-2])-([0-9a-f]{8})(?:\.\d{1,15})?$/;

export interface ParsedId {
  /** The id of the log event it names (the part before `.n`). */
  readonly base: string;
  readonly position: Position;
}

/** A Last-Event-ID that Vixy gave out; undefined for anything else. */
export function parseEventId(id: string): ParsedId | undefined {
  const m = ID.exec(id.trim());
  if (m === null) return undefined;
  return {
    base: `${m[1]}-${m[2]}-${m[3]}`,
    position: { slot: Number(m[1]), rank: Number(m[2]) },
  };
}

export function comparePositions(a: Position, b: Position): number {
  return a.slot === b.slot ? a.rank - b.rank : a.slot - b.slot;
}
