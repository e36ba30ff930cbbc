/**
 * Capped exponential backoff with "equal jitter": attempt n waits between half and all
 * of min(cap, base * 2^n), so that sessions that lost the same node do not all come
 * back in the same millisecond.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 100,
    private readonly capMs = 5000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt, in milliseconds. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    if (ceiling < this.capMs) this.attempt++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}
