import { type SseEvent } from './sse-parser';
import { isCoreTopic } from './topics';

/**
 * A `block`, `head` or `finalized_checkpoint` event: what Vixy needs to order and
 * deduplicate it, and its data exactly as it goes to clients.
 */
export type CoreEvent =
  | {
      readonly topic: 'block' | 'head';
      readonly slot: number;
      /** The block root, lower case. */
      readonly root: string;
      /** The JSON `data` line as the node sent it (or as Vixy rebuilt it). */
      readonly data: string;
    }
  | {
      readonly topic: 'finalized_checkpoint';
      readonly epoch: number;
      /** The checkpoint's block root, lower case. */
      readonly root: string;
      readonly data: string;
    };

/** Same topic, slot (or epoch) and root: the same event, whichever node sent it. */
export function eventKey(event: CoreEvent): string {
  const n = event.topic === 'finalized_checkpoint' ? event.epoch : event.slot;
  return `${event.topic}:${n}:${event.root}`;
}

const ROOT = /^0x[0-9a-fA-F]{64}$/;
const UINT = /^\d{1,15}$/;

/** A core event of a node's stream, or undefined for another topic or a malformed one. */
export function parseCoreEvent(sse: SseEvent): CoreEvent | undefined {
  const topic = sse.event;
  if (!isCoreTopic(topic)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(sse.data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const root = rootOf(fields.block);
  if (root === undefined) return undefined;
  if (topic === 'finalized_checkpoint') {
    const epoch = uintOf(fields.epoch);
    return epoch === undefined ? undefined : { topic, epoch, root, data: sse.data };
  }
  const slot = uintOf(fields.slot);
  return slot === undefined ? undefined : { topic, slot, root, data: sse.data };
}

/** A beacon API root (`0x` and 64 hex digits), lower case; undefined otherwise. */
export function rootOf(value: unknown): string | undefined {
  return typeof value === 'string' && ROOT.test(value) ? value.toLowerCase() : undefined;
}

/** A beacon API quantity (decimal string; a number is accepted too). */
export function uintOf(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  return typeof value === 'string' && UINT.test(value) ? Number(value) : undefined;
}

// Events rebuilt from the beacon API after a node change, with the fields (and their
// order) of the beacon API spec and of the nodes' own events.

export function blockEvent(slot: number, root: string, optimistic: boolean): CoreEvent {
  const data = JSON.stringify({
    slot: String(slot),
    block: root,
    execution_optimistic: optimistic,
  });
  return { topic: 'block', slot, root, data };
}

export interface HeadFields {
  readonly slot: number;
  readonly block: string;
  readonly state: string;
  readonly epochTransition: boolean;
  readonly previousDutyDependentRoot: string;
  readonly currentDutyDependentRoot: string;
  readonly optimistic: boolean;
}

export function headEvent(h: HeadFields): CoreEvent {
  const data = JSON.stringify({
    slot: String(h.slot),
    block: h.block,
    state: h.state,
    epoch_transition: h.epochTransition,
    previous_duty_dependent_root: h.previousDutyDependentRoot,
    current_duty_dependent_root: h.currentDutyDependentRoot,
    execution_optimistic: h.optimistic,
  });
  return { topic: 'head', slot: h.slot, root: h.block, data };
}

export function finalizedEvent(
  epoch: number,
  root: string,
  state: string,
  optimistic: boolean,
): CoreEvent {
  const data = JSON.stringify({
    block: root,
    state,
    epoch: String(epoch),
    execution_optimistic: optimistic,
  });
  return { topic: 'finalized_checkpoint', epoch, root, data };
}
