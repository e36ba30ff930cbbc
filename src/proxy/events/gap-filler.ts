import {
  blockEvent,
  type CoreEvent,
  finalizedEvent,
  headEvent,
  rootOf,
  uintOf,
} from './beacon-event';
import { type BeaconJson } from './beacon-nodes';
import { type Cursor } from './chain-log';
import { MAX_EMPTY_SLOTS, MAX_FILL_BLOCKS } from './events.constants';

/** GET of a beacon API path on the node being filled from. */
export type BeaconGet = (path: string) => Promise<BeaconJson>;

export interface FillInput {
  readonly cursor: Cursor;
  /** Whether the log already delivered this block. */
  readonly knownBlock: (slot: number, root: string) => boolean;
  /** The node's latest head event from its own stream, used as it is when still current. */
  readonly cachedHead: CoreEvent | undefined;
  readonly slotsPerEpoch: number;
}

export type FillResult =
  /** The log had no position yet: start from the node's head, nothing to deliver. */
  | {
      readonly kind: 'seed';
      readonly slot: number;
      readonly root: string;
      readonly finalizedEpoch: number;
    }
  | {
      readonly kind: 'fill';
      readonly events: readonly CoreEvent[];
      /** More than MAX_FILL_BLOCKS blocks were missing: none of them is delivered. */
      readonly incomplete: boolean;
      /** Why a head or finalized_checkpoint could not be rebuilt (for the log). */
      readonly skipped: readonly string[];
      /**
       * Roots of the ancestors of the node's head that the fill walked through, oldest
       * first, down to the delivered block it stopped at: a `head` event that a stream
       * sends for one of them later (a stream behind its node's API, a node sending a
       * backlog) is older than the head the fill found.
       */
      readonly superseded: readonly string[];
    };

interface Header {
  readonly slot: number;
  readonly root: string;
  readonly parentRoot: string;
  readonly stateRoot: string;
  readonly optimistic: boolean;
}

/**
 * What a stream missed while it moved to another node, rebuilt from that node's
 * beacon API where the API allows it exactly: a `block` for every block from its
 * head back to the last block delivered (following parent roots, so only its
 * canonical chain), its `head` if it is another one, and a `finalized_checkpoint` if
 * finality moved. Events come back in delivery order (blocks by slot, head, then
 * finality); the chain log drops any it already has.
 */
export class GapFiller {
  constructor(private readonly get: BeaconGet) {}

  async fill(input: FillInput): Promise<FillResult> {
    const { cursor } = input;
    const [head, finality] = await Promise.all([this.header('head'), this.finality()]);
    if (head === undefined) throw new Error('the node has no head block');
    if (cursor.headSlot === null) {
      return { kind: 'seed', slot: head.slot, root: head.root, finalizedEpoch: finality.epoch };
    }
    const { blocks, complete, stop } = await this.blocksSince(head, cursor, input.knownBlock);
    const events: CoreEvent[] = complete
      ? blocks.map((b) => blockEvent(b.slot, b.root, b.optimistic))
      : [];
    const skipped: string[] = [];
    const attempt = async (build: () => Promise<CoreEvent>): Promise<void> => {
      try {
        events.push(await build());
      } catch (err) {
        skipped.push(err instanceof Error ? err.message : String(err));
      }
    };
    if (head.root !== cursor.headRoot && head.slot >= cursor.headSlot) {
      const cached = input.cachedHead;
      await attempt(async () =>
        cached?.root === head.root ? cached : this.rebuildHead(head, input.slotsPerEpoch),
      );
    }
    if (cursor.finalizedEpoch !== null && finality.epoch > cursor.finalizedEpoch) {
      await attempt(async () => {
        const state = await this.finalizedStateRoot();
        return finalizedEvent(finality.epoch, finality.root, state, finality.optimistic);
      });
    }
    const superseded = [...(stop === undefined ? [] : [stop]), ...blocks.map((b) => b.root)];
    return {
      kind: 'fill',
      events,
      incomplete: !complete,
      skipped,
      superseded: superseded.filter((root) => root !== head.root),
    };
  }

  /**
   * From the head back along parent roots to a delivered block or the cursor's slot
   * (`stop`: the root of the block the walk stopped at). Incomplete past
   * MAX_FILL_BLOCKS: `blocks` then holds the walked blocks, none of which is delivered.
   */
  private async blocksSince(
    head: Header,
    cursor: Cursor,
    known: (slot: number, root: string) => boolean,
  ): Promise<{ blocks: Header[]; complete: boolean; stop?: string }> {
    const floor = cursor.blockSlot ?? cursor.headSlot ?? 0;
    const blocks: Header[] = [];
    let at: Header | undefined = head;
    while (at !== undefined) {
      if (at.slot <= floor || known(at.slot, at.root))
        return { blocks: blocks.reverse(), complete: true, stop: at.root };
      if (blocks.length === MAX_FILL_BLOCKS) return { blocks: blocks.reverse(), complete: false };
      blocks.push(at);
      at = at.slot === 0 ? undefined : await this.header(at.parentRoot);
    }
    // The parent is unknown to the node (pruned, or genesis): everything it has is here.
    return { blocks: blocks.reverse(), complete: true };
  }

  /**
   * A head event as the node would have sent it: dependent roots are the block roots
   * at the last slot of the epoch before the previous and before the current epoch
   * (the genesis block root below slot 0), as in the beacon API spec.
   */
  private async rebuildHead(head: Header, slotsPerEpoch: number): Promise<CoreEvent> {
    const epochStart = head.slot - (head.slot % slotsPerEpoch);
    const [previous, current] = await Promise.all([
      this.rootAtOrBefore(epochStart - slotsPerEpoch - 1),
      this.rootAtOrBefore(epochStart - 1),
    ]);
    return headEvent({
      slot: head.slot,
      block: head.root,
      state: head.stateRoot,
      epochTransition: head.slot === epochStart,
      previousDutyDependentRoot: previous,
      currentDutyDependentRoot: current,
      optimistic: head.optimistic,
    });
  }

  private async rootAtOrBefore(slot: number): Promise<string> {
    if (slot < 0) return this.required(await this.header('genesis'), 'genesis').root;
    for (let s = slot; s >= 0 && s > slot - MAX_EMPTY_SLOTS; s--) {
      const header = await this.header(String(s));
      if (header !== undefined) return header.root;
    }
    throw new Error(`no block at or up to ${MAX_EMPTY_SLOTS} slots before slot ${slot}`);
  }

  /** `/eth/v1/beacon/headers/{id}`; undefined when the node has no such block (404). */
  private async header(id: string): Promise<Header | undefined> {
    const { status, body } = await this.get(`/eth/v1/beacon/headers/${id}`);
    if (status === 404) return undefined;
    if (status !== 200) throw new Error(`headers/${id}: HTTP ${status}`);
    const answer = body as
      | {
          execution_optimistic?: unknown;
          data?: {
            root?: unknown;
            header?: { message?: { slot?: unknown; parent_root?: unknown; state_root?: unknown } };
          };
        }
      | undefined;
    const message = answer?.data?.header?.message;
    const slot = uintOf(message?.slot);
    const root = rootOf(answer?.data?.root);
    const parentRoot = rootOf(message?.parent_root);
    const stateRoot = rootOf(message?.state_root);
    if (slot === undefined || !root || !parentRoot || !stateRoot) {
      throw new Error(`headers/${id}: not a block header`);
    }
    return { slot, root, parentRoot, stateRoot, optimistic: answer?.execution_optimistic === true };
  }

  private async finality(): Promise<{ epoch: number; root: string; optimistic: boolean }> {
    const path = '/eth/v1/beacon/states/head/finality_checkpoints';
    const { status, body } = await this.get(path);
    if (status !== 200) throw new Error(`finality_checkpoints: HTTP ${status}`);
    const answer = body as
      | {
          execution_optimistic?: unknown;
          data?: { finalized?: { epoch?: unknown; root?: unknown } };
        }
      | undefined;
    const epoch = uintOf(answer?.data?.finalized?.epoch);
    const root = rootOf(answer?.data?.finalized?.root);
    if (epoch === undefined || root === undefined)
      throw new Error('finality_checkpoints: no finalized checkpoint');
    return { epoch, root, optimistic: answer?.execution_optimistic === true };
  }

  private async finalizedStateRoot(): Promise<string> {
    const { status, body } = await this.get('/eth/v1/beacon/states/finalized/root');
    const root =
      status === 200 ? rootOf((body as { data?: { root?: unknown } })?.data?.root) : undefined;
    if (root === undefined) throw new Error(`states/finalized/root: HTTP ${status}`);
    return root;
  }

  private required<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`the node has no ${what} block`);
    return value;
  }
}
