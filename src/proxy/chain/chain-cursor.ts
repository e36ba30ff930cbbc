import { type ChainEntry } from './chain-entry';
import { type ChainGap } from './chain.types';
import { type HeadLog } from './head-log';

// A reader's position in the head log: the last block it was given (number and hash),
// in the epoch it was given in. Every subscription and filter has one. Advancing compares
// that block with the canonical chain:
// - still canonical: the reader gets the blocks after it;
// - no longer canonical (a reorg): the reader's blocks are walked back by parent hash to
//   the fork point; those it was given are `removed` (oldest first), and it gets the
//   canonical blocks after the fork point, also when the fork is below its start (the new
//   blocks are news to it; the old ones below its start it never had, so they are not
//   reported removed);
// - out of the log (the reader fell more than `depth` blocks behind, the log restarted,
//   or its fork point is below the log): the reader ends with a ChainGap, never skips.
// So a reader gets every canonical block after its start exactly once, in order, plus
// the new blocks of each reorg that replaced blocks it had; what happened between two
// advances it did not see is not replayed (a block that came and went unseen is neither
// added nor removed). Nothing here is async: an advance sees one state of the log.

export type ChainView = Pick<
  HeadLog,
  'epoch' | 'head' | 'tail' | 'origin' | 'lastRestart' | 'at' | 'known'
>;

export interface CursorStep {
  /** Blocks the reader had that left the canonical chain, oldest first. */
  readonly removed: readonly ChainEntry[];
  /** Canonical blocks after the reader's position (or after the fork point), oldest first. */
  readonly added: readonly ChainEntry[];
}

const NOTHING: CursorStep = { removed: [], added: [] };

export class ChainCursor {
  private number: number | undefined;
  private hash: string | undefined;
  /** Every block of the reader's chain above this height was given to it. */
  private floor: number | undefined;
  private readonly epoch: number;
  private ended: ChainGap | undefined;

  /** A cursor at the current head: the reader gets the blocks that come after it. */
  constructor(private readonly view: ChainView) {
    this.epoch = view.epoch;
    this.number = view.head?.number;
    this.hash = view.head?.hash;
    this.floor = this.number;
  }

  /** The last block given, if any. */
  get position(): { readonly number: number; readonly hash: string } | undefined {
    return this.hash === undefined ? undefined : { number: this.number as number, hash: this.hash };
  }

  /**
   * What the reader gets now: at most `maxBlocks` added blocks, stopping before the
   * first one `ready` refuses (a block whose logs are still being fetched); or the end.
   * After a refusal `ready` is still called on the later blocks (to fetch ahead).
   */
  advance(
    maxBlocks = Infinity,
    ready: (block: ChainEntry) => boolean = () => true,
  ): CursorStep | ChainGap {
    if (this.ended) return this.ended;
    const v = this.view;
    const head = v.head;
    const tail = v.tail;
    if (head === undefined || tail === undefined) return NOTHING;
    if (v.epoch !== this.epoch) return this.end(this.restartGap());
    let n = this.number ?? (v.origin as { number: number }).number;
    let h = this.hash ?? (v.origin as { hash: string }).hash;
    const floor = this.floor ?? n;
    const removed: ChainEntry[] = [];
    let walked = false;
    while (v.at(n)?.hash !== h && !(n === tail.number - 1 && h === tail.header.parentHash)) {
      if (n < tail.number - 1) {
        if (walked) return this.end({ reason: 'reorg', below: tail.number });
        return this.end({ reason: 'gap', from: n + 1, to: tail.number - 1 });
      }
      const mine = v.known(h);
      if (mine === undefined || mine.number !== n) {
        return this.end({ reason: 'reorg', below: tail.number });
      }
      walked = true;
      if (n > floor) removed.push(mine);
      h = mine.header.parentHash;
      n--;
    }
    removed.reverse();
    const added: ChainEntry[] = [];
    let k = n + 1;
    for (; k <= head.number && added.length < maxBlocks; k++) {
      const block = v.at(k) as ChainEntry;
      if (!ready(block)) break;
      added.push(block);
    }
    // a block is not ready: ask for the later ones too, so that their logs arrive together
    if (added.length < maxBlocks) for (k++; k <= head.number; k++) ready(v.at(k) as ChainEntry);
    const last = added[added.length - 1];
    this.floor = Math.min(floor, n);
    this.number = last?.number ?? n;
    this.hash = last?.hash ?? h;
    return removed.length === 0 && added.length === 0 ? NOTHING : { removed, added };
  }

  private restartGap(): ChainGap {
    const restart = this.view.lastRestart;
    const origin = this.view.origin as { number: number };
    if (restart === undefined || restart.epoch !== this.epoch + 1) {
      const to = origin.number;
      return { reason: 'gap', from: Math.min(to, (this.number ?? to) + 1), to };
    }
    if (restart.gap.reason === 'reorg') return restart.gap;
    return { reason: 'gap', from: (this.number ?? restart.gap.from - 1) + 1, to: restart.gap.to };
  }

  private end(gap: ChainGap): ChainGap {
    this.ended = gap;
    return gap;
  }
}

export function isGap(step: CursorStep | ChainGap): step is ChainGap {
  return 'reason' in step;
}
