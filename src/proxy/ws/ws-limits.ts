import { type Config } from '../../config';
import { createResendRule } from '../failover/retry-rule';
import { createDenyMatcher } from '../jsonrpc/jsonrpc.payload';
import { type SessionLimits } from './session-core.types';

/** The limits of every session, from `[websocket]`, `[global]` and `[proxy]`. */
export function sessionLimits(config: Config): SessionLimits {
  const ws = config.websocket;
  return {
    maxPendingRequests: ws.max_pending_requests,
    maxQueuedMessages: ws.max_queued_messages,
    maxSubscriptions: ws.max_subscriptions,
    requestTimeoutMs: config.global.proxy_timeout_ms,
    maxAttempts: 1 + config.global.max_retries,
    maxBatchSize: config.proxy.max_batch_size,
    isDenied: createDenyMatcher(config.proxy.deny_methods),
    mayResend: createResendRule(config.proxy.no_retry_methods),
  };
}

/** How often pending requests are checked against the request timeout. */
export function sweepIntervalMs(requestTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(requestTimeoutMs / 4)));
}
