import { type WebSocket } from 'ws';
import { type Backoff } from './backoff';
import { type Clock } from '../../common/clock';
import { type SessionLimits } from './session-core.types';
import { type MoveReason, type WsTarget } from './ws-node-chooser';

/** The client's socket as the session uses it (a `ws` WebSocket from the gateway). */
export type ClientSocket = Pick<
  WebSocket,
  'send' | 'close' | 'terminate' | 'ping' | 'readyState' | 'bufferedAmount' | 'on'
>;

/** Opens an upstream WebSocket to a node's real URL (injectable: tests use local servers). */
export type UpstreamFactory = (url: string) => WebSocket;

/** Node choice as a session sees it (WsNodeChooser in production). */
export interface SessionNodes {
  pick(): WsTarget | undefined;
  verdict(name: string): MoveReason | null;
  reportFailure(name: string, reason: string): void;
  /** A call on node `name`: 0 when its budget allows it, else ms until it will. */
  charge(name: string): number;
}

/** Metrics hooks of a session (bound to VixyMetrics by the session manager). */
export interface SessionMetrics {
  /** A frame from the client. */
  fromClient(): void;
  /** A frame sent to the client. */
  toClient(): void;
  /** Sessions served by `node` changed by `delta`. */
  upstreamNode(node: string, delta: number): void;
  /** A session completed a move to another connection. */
  reconnected(): void;
  /** A connection attempt that was not the session's first, by outcome. */
  attempt(status: 'success' | 'failure'): void;
  /** Client-visible subscriptions created (+n) or ended (-n). */
  subscriptions(delta: number): void;
}

/** The logger methods a session uses (Nest's Logger fits). */
export interface SessionLog {
  log(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface SessionDeps {
  readonly limits: SessionLimits;
  readonly nodes: SessionNodes;
  readonly connect: UpstreamFactory;
  readonly clock: Clock;
  readonly backoff: () => Backoff;
  readonly metrics: SessionMetrics;
  readonly log: SessionLog;
  /** Unread bytes to the client above which it is closed with 1008. */
  readonly maxClientBufferBytes: number;
  /** How long a session without any node is kept before it is closed with 1013. */
  readonly reconnectDeadlineMs: number;
  /** Called once when the session has ended, whatever the reason. */
  readonly onEnd: (id: number) => void;
}
