import { NodeBudget } from './node-budget';
import { TokenBucket } from './token-bucket';

// Time is the caller's: these specs move a fake clock (milliseconds) by hand.

describe('TokenBucket', () => {
  it('allows a burst of `capacity`, then refills `perSecond` tokens a second', () => {
    const bucket = new TokenBucket(3, 2, 0);
    expect([1, 2, 3, 4].map(() => bucket.take(0, 1) === 1)).toEqual([true, true, true, false]);
    expect(bucket.waitMs(0)).toBe(500);
    expect(bucket.take(499, 1) === 1).toBe(false);
    expect(bucket.take(500, 1) === 1).toBe(true);
    expect(bucket.take(500, 1) === 1).toBe(false);
  });

  it('never holds more than its capacity', () => {
    const bucket = new TokenBucket(2, 10, 0);
    expect(bucket.available(60_000)).toBe(2);
    expect([1, 2, 3].map(() => bucket.take(60_000, 1) === 1)).toEqual([true, true, false]);
  });

  it('sustains exactly perSecond over time', () => {
    const bucket = new TokenBucket(1, 5, 0);
    let taken = 0;
    for (let t = 0; t <= 10_000; t += 10) if (bucket.take(t, 1) === 1) taken++;
    expect(taken).toBe(51); // the initial token plus 5 a second for 10 s
  });

  it('ignores a clock going backwards', () => {
    const bucket = new TokenBucket(1, 1, 1000);
    expect(bucket.take(1000, 1) === 1).toBe(true);
    expect(bucket.take(500, 1) === 1).toBe(false);
    expect(bucket.take(2000, 1) === 1).toBe(true);
  });

  it('refuses a capacity below one or a rate of zero', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0, 0)).toThrow(RangeError);
  });
});

describe('NodeBudget', () => {
  it('has no limit without a bucket, except a 429 back-off', () => {
    const budget = new NodeBudget({}, 0);
    expect(budget.waitMs(0)).toBe(0);
    expect(budget.take(0, 1)).toBe(1);
    budget.backOff(0, 2000);
    expect(budget.waitMs(500)).toBe(1500);
    expect(budget.take(1999, 5)).toBe(0);
    expect(budget.take(2000, 5)).toBe(5);
  });

  it('waits for the later of the back-off and the next token', () => {
    const budget = new NodeBudget({ max_qps: 1 }, 0);
    expect(budget.take(0, 1)).toBe(1);
    expect(budget.waitMs(0)).toBe(1000);
    budget.backOff(0, 300);
    expect(budget.waitMs(0)).toBe(1000);
    budget.backOff(0, 5000);
    expect(budget.waitMs(0)).toBe(5000);
  });

  it('caps a back-off at a minute and keeps the longer of two', () => {
    const budget = new NodeBudget({}, 0);
    budget.backOff(0, 3_600_000);
    expect(budget.waitMs(0)).toBe(60_000);
    budget.backOff(0, 1000);
    expect(budget.waitMs(0)).toBe(60_000);
  });

  it('counts calls: a batch takes one token per call, and a reload with new limits refills', () => {
    const budget = new NodeBudget({ max_qps: 10, max_consecutive_requests: 5 }, 0);
    expect(budget.take(0, 3)).toBe(3);
    expect(budget.take(0, 3)).toBe(2);
    budget.setLimits({ max_qps: 10, max_consecutive_requests: 5 }, 0);
    expect(budget.take(0, 1)).toBe(0);
    budget.setLimits({ max_qps: 20 }, 0);
    expect(budget.take(0, 30)).toBe(20);
  });
});

describe('TokenBucket.take with several calls', () => {
  it('grants what is there, whole tokens only, and never more than asked', () => {
    const bucket = new TokenBucket(10, 10, 0);
    expect(bucket.take(0, 4)).toBe(4);
    expect(bucket.take(0, 100)).toBe(6);
    expect(bucket.take(0, 1)).toBe(0);
    // 150 ms at 10/s: 1.5 tokens, one whole token.
    expect(bucket.take(150, 3)).toBe(1);
    expect(bucket.available(150)).toBeCloseTo(0.5);
  });
});
