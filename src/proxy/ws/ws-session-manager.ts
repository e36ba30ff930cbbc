import { type TimerHandle } from '../../common/clock';
import { WsCloseCode, WsCloseReason } from './ws-errors';
import { WsSession } from './ws-session';
import { type ClientSocket, type SessionDeps } from './ws-session.types';

export interface WsManagerOptions {
  readonly maxSessions: number;
  readonly pingIntervalMs: number;
}

/** Session counters the manager keeps (bound to VixyMetrics by the Nest service). */
export interface ManagerMetrics {
  opened(): void;
  active(delta: number): void;
}

const CLOSED = 3;
const CLOSE_POLL_MS = 20;

/**
 * Every client session of the process: admission (max_sessions), one shared heartbeat
 * for all of them (no timer per idle session), one pass over the sessions when node
 * states change, and one over those that follow the head log when it changed.
 */
export class WsSessionManager {
  private readonly sessions = new Map<number, { session: WsSession; client: ClientSocket }>();
  private seq = 0;
  private timers: TimerHandle[] = [];
  private reconsiderQueued = false;
  private accepting = true;

  /**
   * `options` and `deps` are read when they are needed (a session takes the limits of
   * the config current when it starts), so that a reload applies to the next session.
   */
  constructor(
    private readonly options: () => WsManagerOptions,
    private readonly deps: () => Omit<SessionDeps, 'onEnd'>,
    private readonly metrics: ManagerMetrics,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Starts (or, after a reload, restarts) the shared heartbeat. */
  start(): void {
    if (!this.accepting) return;
    const { clock } = this.deps();
    for (const timer of this.timers) clock.clear(timer);
    const options = this.options();
    this.timers = [
      clock.setInterval(() => this.each((s) => s.heartbeat()), options.pingIntervalMs),
    ];
  }

  /** A new client: a session, or a close with 1013 when the process is full or closing. */
  accept(client: ClientSocket): WsSession | undefined {
    if (!this.accepting || this.sessions.size >= this.options().maxSessions) {
      const reason = this.accepting ? WsCloseReason.tooManySessions : WsCloseReason.shutdown;
      client.close(this.accepting ? WsCloseCode.tryAgainLater : WsCloseCode.goingAway, reason);
      return undefined;
    }
    const id = ++this.seq;
    const session = new WsSession(id, client, {
      ...this.deps(),
      onEnd: (ended) => {
        if (this.sessions.delete(ended)) this.metrics.active(-1);
      },
    });
    this.sessions.set(id, { session, client });
    this.metrics.opened();
    this.metrics.active(1);
    session.start();
    return session;
  }

  /** Node states changed: every session checks once (coalesced within a tick). */
  nodesChanged(): void {
    if (this.reconsiderQueued) return;
    this.reconsiderQueued = true;
    queueMicrotask(() => {
      this.reconsiderQueued = false;
      this.each((s) => s.reconsider());
    });
  }

  /** The head log changed: every session that follows it takes what is new. */
  chainChanged(): void {
    for (const { session } of this.sessions.values()) if (session.following) session.pull();
  }

  /**
   * Shutdown: refuse new clients, answer what is outstanding, close every client with
   * 1001 and wait (bounded) for the close frames to go out.
   */
  async closeAll(waitMs: number): Promise<void> {
    this.accepting = false;
    for (const timer of this.timers) this.deps().clock.clear(timer);
    this.timers = [];
    const clients = [...this.sessions.values()].map(({ client }) => client);
    this.each((s) => s.shutdown());
    await new Promise((resolve) => setImmediate(resolve));
    const until = Date.now() + waitMs;
    while (clients.some((c) => c.readyState !== CLOSED) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, CLOSE_POLL_MS));
    }
  }

  private each(fn: (session: WsSession) => void): void {
    for (const { session } of [...this.sessions.values()]) fn(session);
  }
}
