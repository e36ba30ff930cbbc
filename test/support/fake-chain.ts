import { createHash } from 'node:crypto';

/** A beacon chain in memory: the canonical blocks, finality, and the API answers about them. */

export interface FakeBlock {
  readonly slot: number;
  readonly root: string;
  readonly parentRoot: string;
  readonly stateRoot: string;
}

export const ZERO_ROOT = `0x${'0'.repeat(64)}`;

function hash(text: string): string {
  return `0x${createHash('sha256').update(text).digest('hex')}`;
}

export interface FakeChainOptions {
  readonly slotsPerEpoch?: number;
  readonly secondsPerSlot?: number;
  /** Makes the roots of two chains differ. */
  readonly seed?: string;
}

export class FakeChain {
  readonly slotsPerEpoch: number;
  readonly secondsPerSlot: number;
  private readonly seed: string;
  /** Canonical blocks by ascending slot, genesis first. */
  readonly blocks: FakeBlock[] = [];
  finalized: { epoch: number; root: string } = { epoch: 0, root: ZERO_ROOT };

  constructor(options: FakeChainOptions = {}) {
    this.slotsPerEpoch = options.slotsPerEpoch ?? 8;
    this.secondsPerSlot = options.secondsPerSlot ?? 2;
    this.seed = options.seed ?? 'chain';
    this.blocks.push(this.block(0, ZERO_ROOT));
  }

  get head(): FakeBlock {
    return this.blocks[this.blocks.length - 1];
  }

  /** A new head block, `skip` empty slots after the current head. */
  addBlock(skip = 0): FakeBlock {
    const block = this.block(this.head.slot + 1 + skip, this.head.root);
    this.blocks.push(block);
    return block;
  }

  addBlocks(n: number): FakeBlock[] {
    return Array.from({ length: n }, () => this.addBlock());
  }

  /** Finalizes `epoch` (its checkpoint block: the block at or before its first slot). */
  finalize(epoch: number): void {
    this.finalized = { epoch, root: this.atOrBefore(epoch * this.slotsPerEpoch).root };
  }

  atSlot(slot: number, upTo = this.head.slot): FakeBlock | undefined {
    return slot > upTo ? undefined : this.blocks.find((b) => b.slot === slot);
  }

  byRoot(root: string, upTo = this.head.slot): FakeBlock | undefined {
    return this.blocks.find((b) => b.root === root && b.slot <= upTo);
  }

  atOrBefore(slot: number): FakeBlock {
    let found = this.blocks[0];
    for (const b of this.blocks) if (b.slot <= slot) found = b;
    return found;
  }

  /** The `data` of a block event, as Lodestar writes it. */
  blockData(b: FakeBlock): string {
    return JSON.stringify({ slot: String(b.slot), block: b.root, execution_optimistic: false });
  }

  /** The `data` of a head event, with the spec's dependent roots. */
  headData(b: FakeBlock): string {
    const start = b.slot - (b.slot % this.slotsPerEpoch);
    const dependent = (slot: number) => (slot < 0 ? this.blocks[0] : this.atOrBefore(slot)).root;
    return JSON.stringify({
      slot: String(b.slot),
      block: b.root,
      state: b.stateRoot,
      epoch_transition: b.slot === start,
      previous_duty_dependent_root: dependent(start - this.slotsPerEpoch - 1),
      current_duty_dependent_root: dependent(start - 1),
      execution_optimistic: false,
    });
  }

  finalizedData(): string {
    return JSON.stringify({
      block: this.finalized.root,
      state: this.finalizedStateRoot(),
      epoch: String(this.finalized.epoch),
      execution_optimistic: false,
    });
  }

  finalizedStateRoot(): string {
    return hash(`${this.seed}:finalized-state:${this.finalized.epoch}`);
  }

  /** The beacon API answer to a GET, as a node whose head is at `headSlot` gives it. */
  answer(path: string, headSlot = this.head.slot): { status: number; body: unknown } {
    const p = path.split('?', 1)[0];
    const headers = /^\/eth\/v1\/beacon\/headers\/(.+)$/.exec(p);
    if (headers) {
      const id = headers[1];
      const block =
        id === 'head'
          ? this.atOrBefore(headSlot)
          : id === 'genesis'
            ? this.blocks[0]
            : id.startsWith('0x')
              ? this.byRoot(id, headSlot)
              : this.atSlot(Number(id), headSlot);
      if (block === undefined) return notFound(`No block found for id '${id}'`);
      return { status: 200, body: headerAnswer(block) };
    }
    switch (p) {
      case '/eth/v1/config/spec':
        return {
          status: 200,
          body: {
            data: {
              SECONDS_PER_SLOT: String(this.secondsPerSlot),
              SLOTS_PER_EPOCH: String(this.slotsPerEpoch),
            },
          },
        };
      case '/eth/v1/beacon/states/head/finality_checkpoints':
        return {
          status: 200,
          body: {
            execution_optimistic: false,
            data: { finalized: { epoch: String(this.finalized.epoch), root: this.finalized.root } },
          },
        };
      case '/eth/v1/beacon/states/finalized/root':
        return { status: 200, body: { data: { root: this.finalizedStateRoot() } } };
      case '/eth/v1/node/health':
        return { status: 200, body: undefined };
      case '/eth/v1/node/syncing':
        return {
          status: 200,
          body: {
            data: {
              head_slot: String(headSlot),
              sync_distance: '0',
              is_syncing: false,
              is_optimistic: false,
            },
          },
        };
      case '/eth/v1/node/version':
        return { status: 200, body: { data: { version: 'fake-beacon' } } };
      default:
        return notFound(`Route GET:${p} not found`);
    }
  }

  private block(slot: number, parentRoot: string): FakeBlock {
    return {
      slot,
      root: hash(`${this.seed}:block:${slot}`),
      parentRoot,
      stateRoot: hash(`${this.seed}:state:${slot}`),
    };
  }
}

function notFound(message: string): { status: number; body: unknown } {
  return { status: 404, body: { statusCode: 404, error: 'Not Found', message } };
}

function headerAnswer(b: FakeBlock): unknown {
  return {
    execution_optimistic: false,
    data: {
      root: b.root,
      canonical: true,
      header: {
        message: {
          slot: String(b.slot),
          proposer_index: '0',
          parent_root: b.parentRoot,
          state_root: b.stateRoot,
          body_root: ZERO_ROOT,
        },
        signature: `0x${'00'.repeat(96)}`,
      },
    },
  };
}
