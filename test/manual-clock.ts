import { type Clock, type TimerHandle } from '../src/common/clock';

/** A clock whose time and timers a spec moves by hand (src/common/clock.ts). */
export class ManualClock implements Clock {
  time = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void; every?: number }>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.timers.set(++this.seq, { at: this.time + ms, fn });
    return this.seq as unknown as TimerHandle;
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    this.timers.set(++this.seq, { at: this.time + ms, fn, every: ms });
    return this.seq as unknown as TimerHandle;
  }

  clear(timer: TimerHandle): void {
    this.timers.delete(timer as unknown as number);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** Advances in steps, letting real I/O (pongs, frames, promises) through between them. */
  async pass(ms: number, step = 250): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      this.advance(Math.min(step, ms - t));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Fires, in order, every timer due within `ms`. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at);
      if (due.length === 0) break;
      const [id, timer] = due[0];
      this.time = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.timers.delete(id);
      timer.fn();
    }
    this.time = end;
  }
}
