import { type Config } from '../../config';
import { type SessionLimits } from './ws-session.types';

/** The limits of every session, from `[websocket]` and `[global]`. */
export function sessionLimits(config: Config): SessionLimits {
  const ws = config.websocket;
  return {
    maxPendingRequests: ws.max_pending_requests,
    maxQueuedMessages: ws.max_queued_messages,
    maxSubscriptions: ws.max_subscriptions,
    requestTimeoutMs: config.global.proxy_timeout_ms,
  };
}
