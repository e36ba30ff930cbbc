import { Inject } from '@nestjs/common';

/** The route Vixy serves itself (with or without a trailing slash, any query). */
export const CL_EVENTS_PATH = '/cl/eth/v1/events';

/** Upstream path of the internal stream of every node (and its liveness signal). */
export const CORE_STREAM_PATH =
  '/eth/v1/events?topics=head&topics=block&topics=finalized_checkpoint';

// Bounds of everything the event streams keep (documented in docs/event-streams.md).

/** Events of the chain log kept for Last-Event-ID resumes (~3 per slot: hours on mainnet). */
export const RESUME_BUFFER_EVENTS = 2048;
/** Bytes waiting to be written to one client before it is closed as too slow. */
export const MAX_CLIENT_BUFFER_BYTES = 1024 * 1024;
/** Blocks rebuilt from the beacon API after a node change, newest first. */
export const MAX_FILL_BLOCKS = 128;
/** Empty slots looked through for a dependent root when a head event is rebuilt. */
export const MAX_EMPTY_SLOTS = 64;
/** Events of the new node held while a fill runs. */
export const MAX_PENDING_EVENTS = 1024;
/** Distinct sets of non-core topics with their own upstream stream. */
export const MAX_TOPIC_FEEDS = 64;
/** How long a new stream waits for a node to accept or refuse its non-core topics. */
export const TOPIC_OPEN_WAIT_MS = 1000;
/** Node streams stay open this long after the last client left (a reconnect resumes warm). */
export const FEED_LINGER_MS = 60_000;
/** Slot length assumed until a node's /eth/v1/config/spec has been read. */
export const DEFAULT_SECONDS_PER_SLOT = 12;
export const DEFAULT_SLOTS_PER_EPOCH = 32;
/** How often node streams are checked for silence and preferred nodes for fail-back. */
export const TICK_MS = 250;
/** Reconnect back-off of node streams. */
export const RECONNECT_MIN_MS = 250;
export const RECONNECT_MAX_MS = 5000;

/** An opaque timer handle. */
export type TimerHandle = { readonly __eventsTimer: unique symbol };

/** Time as the event streams see it; tests swap it (EVENTS_CLOCK). */
export interface EventsClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clear(timer: TimerHandle): void;
}

/** The system clock; its timers are unref()'d, a stream never keeps the process alive. */
export const systemEventsClock: EventsClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref() as unknown as TimerHandle,
  setInterval: (fn, ms) => setInterval(fn, ms).unref() as unknown as TimerHandle,
  clear: (timer) => clearTimeout(timer as unknown as NodeJS.Timeout),
};

export const EVENTS_CLOCK = Symbol('EVENTS_CLOCK');
export const InjectEventsClock = (): ParameterDecorator => Inject(EVENTS_CLOCK);
