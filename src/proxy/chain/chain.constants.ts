import { type ChainGap } from './chain.types';

/** Defaults of the options the chain core takes (the config keys are in docs/subscriptions.md). */
export const CHAIN_DEFAULTS = {
  /** `[websocket] head_log_depth`: blocks the head log keeps. */
  headLogDepth: 128,
  /** `[proxy] max_filters`: filters installed at once. */
  maxFilters: 10_000,
  /** A filter not polled this long is removed (geth's 5 minutes). */
  filterTimeoutMs: 300_000,
  /** Unpolled results one filter may hold. */
  maxFilterChanges: 10_000,
} as const;

/**
 * WebSocket close code for a session with a subscription that cannot go on without a
 * gap (RFC 6455 private range; 4410 as HTTP 410 Gone: the missed blocks are gone from
 * the head log). The client reconnects, subscribes again, and reads what it missed with
 * eth_getLogs / eth_getBlockByNumber.
 */
export const SUBSCRIPTION_GAP_CLOSE_CODE = 4410;

/** What was lost, in words (for a close reason, a filter error, a log line). */
export function describeGap(gap: ChainGap): string {
  return gap.reason === 'gap'
    ? `blocks ${gap.from} to ${gap.to} could not be followed`
    : `the chain was reorganised below block ${gap.below}, deeper than the head log`;
}

/** The close reason that goes with SUBSCRIPTION_GAP_CLOSE_CODE (at most 123 bytes). */
export function gapCloseReason(gap: ChainGap): string {
  return `subscription ended: ${describeGap(gap)}; subscribe again`.slice(0, 123);
}
