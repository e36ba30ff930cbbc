// Timings of the Redis client, fixed (documented in docs/scale-out.md). Only the wait
// on a client's request path is configurable: `[redis] command_timeout_ms`.

/** Longest wait for a background command (leases, health results, heartbeat). */
export const BACKGROUND_TIMEOUT_MS = 500;
/** Connecting (TCP and TLS) may take this long before the attempt counts as failed. */
export const CONNECT_TIMEOUT_MS = 1000;
/** A PING this often tells whether Redis answers when nothing else uses it. */
export const HEARTBEAT_MS = 1000;
/** Consecutive failed background commands after which Redis counts as down. */
export const DOWN_AFTER_FAILURES = 2;
/** Reconnection back-off: 50 ms doubling up to this, so a returning Redis is used soon. */
export const MAX_RECONNECT_DELAY_MS = 2000;
/** How long shutdown waits for QUIT before it drops the connections. */
export const QUIT_GRACE_MS = 200;

/** Reconnection delay after `attempt` failed attempts (1, 2, ...), with ±20 % jitter. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(50 * 2 ** Math.max(attempt - 1, 0), MAX_RECONNECT_DELAY_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}
