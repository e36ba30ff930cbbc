/** An opaque timer handle. */
export type TimerHandle = { readonly __timer: unique symbol };

/**
 * Time and timers as the health loops and the WebSocket sessions see them: injectable
 * so that tests drive them by hand. The system clock's timers are `unref()`'d: they
 * never keep the process alive on their own.
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clear(timer: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref() as unknown as TimerHandle,
  setInterval: (fn, ms) => setInterval(fn, ms).unref() as unknown as TimerHandle,
  clear: (timer) => clearTimeout(timer as unknown as NodeJS.Timeout),
};
