import { NodeBudget } from './node-budget';
import { TokenBucket } from './token-bucket';

// Time is the caller's: these specs move a fake clock (milliseconds) by hand.

describe('TokenBucket', () => {
  it('allows a burst of `capacity`, then refills `perSecond` tokens a second', () => {
    const bucket = new TokenBucket(3, 2, 0);
    expect([1, 2, 3, 4].map(() => bucket.tryTake(0))).toEqual([true, true, true, false]);
    expect(bucket.waitMs(0)).toBe(500);
    expect(bucket.tryTake(499)).toBe(false);
    expect(bucket.tryTake(500)).toBe(true);
    expect(bucket.tryTake(500)).toBe(false);
  });

  it('never holds more than its capacity', () => {
    const bucket = new TokenBucket(2, 10, 0);
    expect(bucket.available(60_000)).toBe(2);
    expect([1, 2, 3].map(() => bucket.tryTake(60_000))).toEqual([true, true, false]);
  });

  it('sustains exactly perSecond over time', () => {
    const bucket = new TokenBucket(1, 5, 0);
    let taken = 0;
    for (let t = 0; t <= 10_000; t += 10) if (bucket.tryTake(t)) taken++;
    expect(taken).toBe(51); // the initial token plus 5 a second for 10 s
  });

  it('ignores a clock going backwards', () => {
    const bucket = new TokenBucket(1, 1, 1000);
    expect(bucket.tryTake(1000)).toBe(true);
    expect(bucket.tryTake(500)).toBe(false);
    expect(bucket.tryTake(2000)).toBe(true);
  });

  it('refuses a capacity below one or a rate of zero', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0, 0)).toThrow(RangeError);
  });
});

describe('NodeBudget', () => {
  it('has no limit without a bucket, except a 429 back-off', () => {
    const budget = new NodeBudget(undefined);
    expect(budget.waitMs(0)).toBe(0);
    expect(budget.take(0)).toBe(true);
    budget.backOff(0, 2000);
    expect(budget.waitMs(500)).toBe(1500);
    expect(budget.take(1999)).toBe(false);
    expect(budget.take(2000)).toBe(true);
  });

  it('waits for the later of the back-off and the next token', () => {
    const budget = new NodeBudget(new TokenBucket(1, 1, 0));
    expect(budget.take(0)).toBe(true);
    expect(budget.waitMs(0)).toBe(1000);
    budget.backOff(0, 300);
    expect(budget.waitMs(0)).toBe(1000);
    budget.backOff(0, 5000);
    expect(budget.waitMs(0)).toBe(5000);
  });

  it('caps a back-off at a minute and keeps the longer of two', () => {
    const budget = new NodeBudget(undefined);
    budget.backOff(0, 3_600_000);
    expect(budget.waitMs(0)).toBe(60_000);
    budget.backOff(0, 1000);
    expect(budget.waitMs(0)).toBe(60_000);
  });
});
