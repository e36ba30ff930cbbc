import fc from 'fast-check';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles from the base up to the cap, with at most half of each delay as jitter', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), {
          minLength: 1,
          maxLength: 40,
        }),
        (draws) => {
          let i = 0;
          const backoff = new Backoff(100, 5000, () => draws[i % draws.length]);
          for (; i < draws.length; i++) {
            const ceiling = Math.min(5000, 100 * 2 ** i);
            const delay = backoff.next();
            expect(delay).toBeGreaterThanOrEqual(Math.round(ceiling / 2));
            expect(delay).toBeLessThanOrEqual(ceiling);
          }
        },
      ),
    );
  });

  it('gives the exact bounds for the lowest and highest draws', () => {
    const low = new Backoff(100, 1000, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff(100, 1000, () => 1);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1000]);
  });

  it('starts again from the base after reset()', () => {
    const backoff = new Backoff(100, 1000, () => 1);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});
