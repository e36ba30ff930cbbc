import { type BlockHeader, headerFromBlock } from './block-header';
import { type ChainEntry } from './chain-entry';
import { type ChainWindow } from './chain-window';
import { type ChainSource } from './chain.types';

// Linking a new header to the canonical chain: its parents are walked by hash (from the
// blocks the window knows, then from the source) until one is canonical. Bounded: at most
// `budget` fetches by hash per walk, and none below the window's tail.

/** A fetch failed (rejected, null, malformed or not the block asked for): retry later. */
export class StallError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'StallError';
  }
}

export interface ChainLink {
  /** Number of the canonical block the chain hangs from (tail - 1: the tail's parent). */
  readonly ancestor: number;
  /** The new blocks, oldest first, ending with the header that was linked. */
  readonly chain: readonly ChainEntry[];
}

export interface LinkContext {
  readonly window: ChainWindow;
  readonly source: ChainSource;
  /** Most fetches by hash this walk may make. */
  readonly budget: number;
  /** Headers fetched by number beforehand, used when their hash is the one needed. */
  readonly prefetched?: ReadonlyMap<number, BlockHeader>;
  /** Called before each fetch (for statistics). */
  readonly counted?: () => void;
}

async function fetchParent(child: ChainEntry, ctx: LinkContext): Promise<BlockHeader> {
  const hash = child.header.parentHash;
  const pre = ctx.prefetched?.get(child.number - 1);
  if (pre?.hash === hash) return pre;
  ctx.counted?.();
  let result: unknown;
  try {
    result = await ctx.source.blockByHash(hash);
  } catch (err) {
    throw new StallError(`block ${hash} could not be fetched: ${(err as Error).message}`);
  }
  if (result === null || result === undefined) throw new StallError(`block ${hash} is unknown`);
  const header = headerFromBlock(result);
  if (header?.hash !== hash || header.number !== child.number - 1) {
    throw new StallError(`the answer for block ${hash} is not that block`);
  }
  return header;
}

/**
 * The chain from the canonical block `entry` descends from, or undefined when it does not
 * descend from any block of the window (a fork below the tail). Throws StallError when a
 * parent could not be fetched or the budget ran out: the blocks fetched so far stay known
 * to the window, so a later attempt goes on from there.
 */
export async function linkToChain(
  entry: ChainEntry,
  ctx: LinkContext,
): Promise<ChainLink | undefined> {
  const w = ctx.window;
  const newestFirst = [entry];
  let fetches = 0;
  for (let cur = entry; ;) {
    const tail = w.tail as ChainEntry;
    const parentNumber = cur.number - 1;
    const parentHash = cur.header.parentHash;
    if (parentNumber < tail.number - 1) return undefined;
    if (parentNumber === tail.number - 1) {
      if (parentHash !== tail.header.parentHash) return undefined;
      return { ancestor: parentNumber, chain: newestFirst.reverse() };
    }
    if (w.at(parentNumber)?.hash === parentHash) {
      return { ancestor: parentNumber, chain: newestFirst.reverse() };
    }
    let parent = w.known(parentHash);
    if (parent === undefined) {
      if (ctx.prefetched?.get(parentNumber)?.hash !== parentHash && fetches++ >= ctx.budget) {
        throw new StallError(`more than ${ctx.budget} blocks to fetch below block ${entry.number}`);
      }
      parent = w.remember(await fetchParent(cur, ctx));
    }
    if (parent.number !== parentNumber) {
      throw new StallError(`block ${parentHash} is not at height ${parentNumber}`);
    }
    newestFirst.push(parent);
    cur = parent;
  }
}

/**
 * The ancestor of `entry` at height `n` (below it), walked by parent hash: known blocks
 * first, then fetched (at most `budget`). Throws StallError when a parent could not be
 * fetched or the budget ran out.
 */
export async function ancestorAt(
  entry: ChainEntry,
  n: number,
  ctx: LinkContext,
): Promise<ChainEntry> {
  let cur = entry;
  let fetches = 0;
  while (cur.number > n) {
    let parent = ctx.window.known(cur.header.parentHash);
    if (parent === undefined) {
      if (fetches++ >= ctx.budget) {
        throw new StallError(`more than ${ctx.budget} blocks to fetch below block ${entry.number}`);
      }
      parent = ctx.window.remember(await fetchParent(cur, ctx));
    }
    cur = parent;
  }
  return cur;
}

/**
 * Headers of blocks `from`..`to` fetched by number, `concurrency` at a time, to fill a
 * hole faster than one parent at a time; failures are left out (the walk by hash fetches
 * what is missing, and checks every link).
 */
export async function prefetchByNumber(
  source: ChainSource,
  from: number,
  to: number,
  concurrency: number,
  counted?: () => void,
): Promise<Map<number, BlockHeader>> {
  const found = new Map<number, BlockHeader>();
  let next = from;
  const worker = async () => {
    while (next <= to) {
      const n = next++;
      counted?.();
      try {
        const header = headerFromBlock(await source.blockByNumber(n));
        if (header?.number === n) found.set(n, header);
      } catch {
        // left to the walk by hash
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from + 1) }, worker));
  return found;
}
