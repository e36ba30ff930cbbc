// The pure rules that turn check results into node health. Kept apart from the
// registry so that they can be tested without timers, I/O or Nest.

/**
 * The chain head that lag is measured against. With three or more nodes reporting,
 * the second-highest height: one node on a wrong chain, or reporting a bogus height,
 * cannot make every other node look lagging. With one or two, the highest.
 */
export function robustHead(heights: readonly number[]): number | null {
  if (heights.length === 0) return null;
  const sorted = [...heights].sort((a, b) => b - a);
  return sorted.length >= 3 ? sorted[1] : sorted[0];
}

export interface HealthInput {
  readonly wasHealthy: boolean;
  readonly checkOk: boolean;
  readonly consecutiveFailures: number;
  /** Good checks in a row within the lag limit, this one included. */
  readonly consecutiveSuccesses: number;
  /** `health_check_min_successes`: good checks in a row before an unhealthy node is back. */
  readonly minSuccesses: number;
  /** No verdict was ever given (start-up, a node added by a reload): no hysteresis. */
  readonly firstVerdict: boolean;
  /** Blocks or slots behind the head by the height this check reported; null if none. */
  readonly lag: number | null;
  readonly maxLag: number;
  readonly maxFailures: number;
  readonly failureReason: string | null;
}

export interface HealthVerdict {
  readonly healthy: boolean;
  /** Why the node is not healthy, when it is not. */
  readonly reason: string | null;
  /**
   * The verdict follows from this check alone (a good check, a lag, the last allowed
   * failure), rather than keeping the previous state while failures are counted.
   */
  readonly final: boolean;
}

/**
 * A node becomes unhealthy after `maxFailures` consecutive failed checks, or at once
 * when its lag (measured by this check) exceeds `maxLag`. An unhealthy node becomes
 * healthy again after `minSuccesses` consecutive good checks within the lag limit
 * (hysteresis: a node flapping around a limit stays out); a node never judged before
 * is healthy on its first good check. Between those, a node keeps its previous state.
 */
export function judge(input: HealthInput): HealthVerdict {
  if (input.lag !== null && input.lag > input.maxLag) {
    return { healthy: false, reason: `lag ${input.lag} > ${input.maxLag}`, final: true };
  }
  if (input.checkOk) {
    if (
      input.wasHealthy ||
      input.firstVerdict ||
      input.consecutiveSuccesses >= input.minSuccesses
    ) {
      return { healthy: true, reason: null, final: true };
    }
    const reason = `recovering (${input.consecutiveSuccesses} of ${input.minSuccesses} good checks)`;
    return { healthy: false, reason, final: false };
  }
  const reason = input.failureReason ?? 'check failed';
  if (input.consecutiveFailures >= input.maxFailures) {
    return {
      healthy: false,
      reason: `${reason} (${input.consecutiveFailures} consecutive failure${input.consecutiveFailures === 1 ? '' : 's'})`,
      final: true,
    };
  }
  return {
    healthy: input.wasHealthy,
    reason: input.wasHealthy ? null : reason,
    final: false,
  };
}
