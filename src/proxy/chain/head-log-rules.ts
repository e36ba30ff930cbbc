import { type BlockHeader } from './block-header';
import { type ChainEntry } from './chain-entry';
import { ancestorAt, linkToChain, prefetchByNumber } from './chain-link';
import { type ChainWindow } from './chain-window';
import { type ChainGap, type ChainSource, type ObservationSource } from './chain.types';

// What one observation of header H from a source (a node, authoritative or not) does to
// the head log:
// 1. H already canonical: nothing (duplicates from several nodes cost nothing).
// 2. Empty log: H is the first block.
// 3. H.number <= head: only an authoritative source changes anything: H with another hash
//    than the canonical block at its height is a reorg to H (the chain may get shorter).
//    H below the oldest block held (a log that started a moment ago holds one block; a
//    node that catches up, or a stale poll, reports older ones): the oldest block's
//    ancestors are walked down to H's height (known first, then fetched, at most `depth`);
//    H among them is a node behind, which changes nothing. Otherwise the chain was
//    replaced below the log: an authoritative H restarts it (gap reason `reorg`).
// 4. H.number > head, from any source (the highest number wins): H is linked to the chain
//    by walking its parents by hash, known blocks first, then fetched from the
//    ChainSource (eth_getBlockByHash); for an authoritative H a hole of 2 or more blocks
//    is first fetched by number, in parallel (every link is still checked by hash). The
//    walk ends at the first canonical ancestor: the head (the chain grows) or a block
//    below it (a reorg: the canonical blocks above it are replaced).
// 5. H more than `depth` blocks above the head is a gap: an authoritative H restarts the
//    log at H; from another source it is ignored. Likewise a chain that forks below the
//    oldest block held restarts the log (authoritative, gap reason `reorg`) or is ignored.
// Bounded: at most `depth` fetches by hash per observation (and up to `depth` by number
// for a hole), whatever number a node announces. A failed fetch throws StallError and
// changes nothing; the blocks fetched so far stay known for the next attempt.

export type Outcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'change'; readonly ancestor: number; readonly chain: readonly ChainEntry[] }
  | { readonly kind: 'restart'; readonly entry: ChainEntry; readonly gap: ChainGap };

const NONE: Outcome = { kind: 'none' };

export interface RuleContext {
  readonly window: ChainWindow;
  readonly source: ChainSource;
  /** Parallel fetches by number for a hole. */
  readonly concurrency: number;
  /** Called before each block fetch (statistics). */
  readonly counted: () => void;
}

/** What observing `header` from `from` does; only reads the window (the caller applies it). */
export async function decide(
  ctx: RuleContext,
  header: BlockHeader,
  from: ObservationSource,
): Promise<Outcome> {
  const w = ctx.window;
  if (w.known(header.hash)?.canonical) return NONE;
  const head = w.head;
  if (head === undefined)
    return { kind: 'change', ancestor: header.number - 1, chain: [w.remember(header)] };
  if (header.number <= head.number && !from.authoritative) return NONE;
  const tail = w.tail as ChainEntry;
  if (header.number < tail.number) {
    if (tail.number - header.number > w.depth) return NONE; // too far behind to tell
    const ancestor = await ancestorAt(tail, header.number, {
      window: w,
      source: ctx.source,
      budget: w.depth,
      counted: ctx.counted,
    });
    if (ancestor.hash === header.hash) return NONE;
    const entry = w.remember(header);
    return { kind: 'restart', entry, gap: { reason: 'reorg', below: tail.number } };
  }
  if (header.number - head.number > w.depth) {
    if (!from.authoritative) return NONE;
    const gap: ChainGap = { reason: 'gap', from: head.number + 1, to: header.number - 1 };
    return { kind: 'restart', entry: w.remember(header), gap };
  }
  const entry = w.remember(header);
  const hole = header.number - head.number - 1;
  const prefetched =
    from.authoritative && hole >= 2
      ? await prefetchByNumber(
          ctx.source,
          head.number + 1,
          header.number - 1,
          ctx.concurrency,
          ctx.counted,
        )
      : undefined;
  const link = await linkToChain(entry, {
    window: w,
    source: ctx.source,
    budget: w.depth,
    prefetched,
    counted: ctx.counted,
  });
  if (link !== undefined) return { kind: 'change', ancestor: link.ancestor, chain: link.chain };
  if (!from.authoritative) return NONE;
  return { kind: 'restart', entry, gap: { reason: 'reorg', below: (w.tail as ChainEntry).number } };
}
