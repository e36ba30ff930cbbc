import { type WebSocket } from 'ws';
import { type Clock } from '../../common/clock';
import { type SubscriptionFeed } from '../chain';
import { type SharedSubscriptions } from './shared-subscriptions';

/** The client's socket as the session uses it (a `ws` WebSocket from the gateway). */
export type ClientSocket = Pick<
  WebSocket,
  'send' | 'close' | 'terminate' | 'ping' | 'readyState' | 'bufferedAmount' | 'on'
>;

/** Limits of one session (from `[websocket]` and `[global]`), read when it starts. */
export interface SessionLimits {
  readonly maxPendingRequests: number;
  readonly maxQueuedMessages: number;
  readonly maxSubscriptions: number;
  /** Longest wait for a node to confirm a shared subscription. */
  readonly requestTimeoutMs: number;
}

/** Metrics hooks of a session (bound to VixyMetrics by the sessions service). */
export interface SessionMetrics {
  /** A frame from the client. */
  fromClient(): void;
  /** A frame sent to the client. */
  toClient(): void;
  /** A subscription notification sent, by type. */
  notified(type: 'newHeads' | 'logs' | 'other'): void;
  /** Client-visible subscriptions created (+n) or ended (-n). */
  subscriptions(delta: number): void;
}

/** The logger methods a session uses (Nest's Logger fits). */
export interface SessionLog {
  log(message: string): void;
  debug(message: string): void;
}

export interface SessionDeps {
  readonly limits: SessionLimits;
  /** Answers a JSON-RPC frame (single or batch) as POST /el does; empty: nothing to send. */
  readonly call: (frame: Buffer) => Promise<Buffer>;
  /** Where subscriptions come from. */
  readonly chain: {
    readonly feed: SubscriptionFeed;
    readonly shared: SharedSubscriptions;
    /** Starts following the chain (the first subscription does). */
    follow(): void;
  };
  /** True while some EL node is available (calls wait otherwise). */
  readonly nodeAvailable: () => boolean;
  readonly clock: Clock;
  readonly metrics: SessionMetrics;
  readonly log: SessionLog;
  /** Unread bytes to the client above which it is closed with 1008. */
  readonly maxClientBufferBytes: number;
  /** How long a session waits for an available node before it is closed with 1013. */
  readonly reconnectDeadlineMs: number;
  /** Called once when the session has ended, whatever the reason. */
  readonly onEnd: (id: number) => void;
}
