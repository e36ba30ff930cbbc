import { type HealthInput, judge, robustHead } from './health-rules';

describe('robustHead', () => {
  it.each([
    [[], null],
    [[7], 7],
    [[5, 9], 9],
    [[9, 5], 9],
    [[5, 9, 7], 7],
    [[9, 9, 3], 9],
    [[1, 4, 2, 3], 3],
    [[100, 101, 1e15], 101],
    [[0, 0, 50], 0],
  ])('of %j is %p', (heights, head) => {
    expect(robustHead(heights)).toBe(head);
  });

  it('does not reorder its input', () => {
    const heights = [3, 1, 2];
    robustHead(heights);
    expect(heights).toEqual([3, 1, 2]);
  });
});

describe('judge', () => {
  const base: HealthInput = {
    wasHealthy: true,
    checkOk: true,
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    minSuccesses: 2,
    firstVerdict: false,
    lag: 0,
    maxLag: 5,
    maxFailures: 3,
    failureReason: null,
  };

  it('a good check within the lag limit keeps a healthy node healthy', () => {
    expect(judge({ ...base, lag: 5 })).toEqual({ healthy: true, reason: null, final: true });
  });

  it('an unhealthy node needs minSuccesses good checks in a row to come back', () => {
    const out = { ...base, wasHealthy: false, lag: 5 };
    expect(judge({ ...out, consecutiveSuccesses: 1 })).toEqual({
      healthy: false,
      reason: 'recovering (1 of 2 good checks)',
      final: false,
    });
    expect(judge({ ...out, consecutiveSuccesses: 2 })).toEqual({
      healthy: true,
      reason: null,
      final: true,
    });
    expect(judge({ ...out, minSuccesses: 1 }).healthy).toBe(true);
  });

  it('a node never judged is healthy on its first good check', () => {
    expect(judge({ ...base, wasHealthy: false, firstVerdict: true }).healthy).toBe(true);
  });

  it('a lag above the limit is unhealthy at once, with the numbers', () => {
    expect(judge({ ...base, lag: 12 })).toEqual({
      healthy: false,
      reason: 'lag 12 > 5',
      final: true,
    });
  });

  it('a measured lag above the limit counts even when the check is otherwise not ok', () => {
    const input = { ...base, checkOk: false, consecutiveFailures: 1, lag: 9 };
    expect(judge({ ...input, failureReason: 'syncing (distance 9)' }).reason).toBe('lag 9 > 5');
  });

  it('failures below the limit keep the previous state', () => {
    const failing = { ...base, checkOk: false, lag: null, failureReason: 'HTTP 503' };
    expect(judge({ ...failing, consecutiveFailures: 2 })).toEqual({
      healthy: true,
      reason: null,
      final: false,
    });
    expect(judge({ ...failing, wasHealthy: false, consecutiveFailures: 2 })).toEqual({
      healthy: false,
      reason: 'HTTP 503',
      final: false,
    });
  });

  it('the last allowed failure makes the node unhealthy, with the reason and count', () => {
    const input = { ...base, checkOk: false, lag: null, consecutiveFailures: 3 };
    expect(judge({ ...input, failureReason: 'timeout after 5000 ms' })).toEqual({
      healthy: false,
      reason: 'timeout after 5000 ms (3 consecutive failures)',
      final: true,
    });
  });
});
