import { type WebSocket } from 'ws';
import { Backoff } from '../../common/backoff';
import { errorCode, netFailure } from '../../common/net-errors';

// The WebSocket connections of one EL node, shared by everything of the process that
// needs the node over WebSocket (the head log's newHeads, the subscriptions of other
// types that clients share). Client sessions never own one: their number grows with
// the number of nodes, not of clients.
//
// Per connection: a handshake timeout (the factory's), ping/pong (heartbeat()), and a
// reconnect with capped exponential backoff after any close, whatever its code; the
// backoff is reset only by a connection that stayed open STABLE_MS, so a node that
// accepts and closes at once (a provider over its quota closes with 1000) is retried
// ever more slowly, never in a loop. Requests carry proxy-owned ids (one counter per
// connection). A subscription is placed on the open connection with the fewest, and
// re-created on another one (or on the same one once it is back) after a close.

/** Opens a WebSocket to a node's real URL (tests use local servers). */
export type SocketFactory = (url: string) => WebSocket;

/** A connection that stayed open this long resets the reconnect backoff. */
export const STABLE_MS = 10_000;
/** Subscribe/unsubscribe requests waiting for an answer on one connection. */
const MAX_PENDING = 1000;
const OPEN = 1;

export interface NodeSocketsOptions {
  readonly name: string;
  /** The node's real ws:// or wss:// URL (never logged). */
  readonly url: string;
  readonly count: number;
  readonly connect: SocketFactory;
  /** Longest wait for the answer to a subscribe request. */
  readonly requestTimeoutMs: () => number;
  /** Open connections changed (metric, rotation). */
  readonly onChange: (open: number) => void;
  /** A connection failed (passive health reports, logs); `opened`: it had been open. */
  readonly onFailure?: (reason: string, opened: boolean) => void;
  /** A reconnect (not a connection's first attempt) opened, or failed. */
  readonly onAttempt?: (status: 'success' | 'failure') => void;
  readonly backoff?: () => Backoff;
  readonly now?: () => number;
}

/** What the owner of an upstream subscription is told. */
export interface SubscriptionHandlers {
  /** One notification: the `result` of the node's eth_subscription message. */
  readonly onNotification: (result: unknown) => void;
  /** The node confirmed the subscription (again, after a reconnect). */
  readonly onLive?: () => void;
  /** The node refused it (the error object it answered); it is not retried. */
  readonly onRefused?: (error: unknown) => void;
  /** It stopped delivering (its connection closed); it is re-created when one opens. */
  readonly onLost?: () => void;
}

export interface UpstreamSubscription {
  /** Confirmed by the node and on an open connection. */
  readonly live: boolean;
  /** Unsubscribes (once) and forgets it. */
  close(): void;
}

interface Sub {
  readonly params: readonly unknown[];
  readonly handlers: SubscriptionHandlers;
  on: SharedSocket | null;
  upstreamId: string | undefined;
  closed: boolean;
}

interface PendingRequest {
  readonly done: (message: Record<string, unknown> | undefined) => void;
  readonly timer: NodeJS.Timeout;
}

class SharedSocket {
  ws: WebSocket | null = null;
  open = false;
  alive = true;
  openedAt = 0;
  seq = 0;
  attempts = 0;
  readonly pending = new Map<number, PendingRequest>();
  readonly subs = new Map<string, Sub>();
  /** Subscriptions placed here, confirmed or not. */
  readonly placed = new Set<Sub>();
  retry: NodeJS.Timeout | null = null;
  readonly backoff: Backoff;

  constructor(backoff: Backoff) {
    this.backoff = backoff;
  }
}

export class NodeSockets {
  private readonly sockets: SharedSocket[];
  private readonly subs = new Set<Sub>();
  private started = false;
  private closed = false;
  private failure: string | null = null;

  constructor(private readonly options: NodeSocketsOptions) {
    const backoff = options.backoff ?? (() => new Backoff(250, 30_000));
    this.sockets = Array.from({ length: options.count }, () => new SharedSocket(backoff()));
  }

  get name(): string {
    return this.options.name;
  }

  /** Connections open now. */
  get openCount(): number {
    let n = 0;
    for (const s of this.sockets) if (s.open) n++;
    return n;
  }

  /** True while at least one connection is open: the node is in WebSocket rotation. */
  get available(): boolean {
    return this.openCount > 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Why the last connection attempt or connection failed (no URL in it). */
  get lastFailure(): string | null {
    return this.failure;
  }

  /** Opens the connections (idempotent); nothing connects before. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    for (const socket of this.sockets) this.connect(socket);
  }

  /** Keep-alive: a connection that missed the previous ping is closed (and reconnected). */
  heartbeat(): void {
    for (const s of this.sockets) {
      if (!s.open || !s.ws) continue;
      if (!s.alive) {
        this.failed(s, 'no pong within the ping interval');
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }

  /** An upstream subscription (`params` of eth_subscribe), kept across reconnects. */
  subscribe(params: readonly unknown[], handlers: SubscriptionHandlers): UpstreamSubscription {
    const sub: Sub = { params, handlers, on: null, upstreamId: undefined, closed: false };
    this.subs.add(sub);
    this.place(sub);
    return {
      get live() {
        return !sub.closed && sub.upstreamId !== undefined && sub.on?.open === true;
      },
      close: () => this.unsubscribe(sub),
    };
  }

  /** Closes every connection for good. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) {
      if (s.retry) clearTimeout(s.retry);
      s.retry = null;
      this.dropPending(s);
      s.ws?.removeAllListeners();
      s.ws?.on('error', () => undefined);
      s.ws?.terminate();
      s.ws = null;
      s.open = false;
    }
    this.subs.clear();
    this.options.onChange(0);
  }

  // ---- connections -------------------------------------------------------------------

  private connect(s: SharedSocket): void {
    if (this.closed) return;
    s.retry = null;
    const reconnect = s.attempts++ > 0;
    let ws: WebSocket;
    try {
      ws = this.options.connect(this.options.url);
    } catch (err) {
      this.failed(s, `cannot connect: ${(err as Error).message}`);
      if (reconnect) this.options.onAttempt?.('failure');
      this.scheduleReconnect(s);
      return;
    }
    s.ws = ws;
    let why: string | null = null;
    ws.on('open', () => {
      if (this.closed || s.ws !== ws) return;
      s.open = true;
      s.alive = true;
      s.openedAt = this.now();
      if (reconnect) this.options.onAttempt?.('success');
      this.options.onChange(this.openCount);
      for (const sub of this.subs) if (sub.on === null) this.place(sub);
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary && s.ws === ws) this.onMessage(s, data as Buffer);
    });
    ws.on('pong', () => {
      s.alive = true;
    });
    ws.on('error', (err) => {
      // URL-free: the shared table of network errors, else ws's own words (no URL in them)
      why ??= errorCode(err) === undefined ? err.message : netFailure(err).message;
    });
    ws.on('close', (code) => {
      if (s.ws !== ws) return;
      const wasOpen = s.open;
      s.ws = null;
      s.open = false;
      if (this.closed) return;
      this.failed(
        s,
        wasOpen
          ? `WebSocket closed (${code})`
          : `WebSocket connect failed: ${why ?? `close ${code}`}`,
      );
      if (!wasOpen && reconnect) this.options.onAttempt?.('failure');
      if (wasOpen && this.now() - s.openedAt >= STABLE_MS) s.backoff.reset();
      this.lost(s);
      if (wasOpen) this.options.onChange(this.openCount);
      this.scheduleReconnect(s);
    });
  }

  private failed(s: SharedSocket, reason: string): void {
    this.failure = reason;
    this.options.onFailure?.(reason, s.open);
  }

  private scheduleReconnect(s: SharedSocket): void {
    if (this.closed || s.retry) return;
    s.retry = setTimeout(() => this.connect(s), s.backoff.next());
    s.retry.unref?.();
  }

  /** The connection closed: its requests fail, its subscriptions move or wait. */
  private lost(s: SharedSocket): void {
    this.dropPending(s);
    const moved = [...s.placed];
    s.placed.clear();
    s.subs.clear();
    for (const sub of moved) {
      const wasLive = sub.upstreamId !== undefined;
      sub.on = null;
      sub.upstreamId = undefined;
      if (wasLive) sub.handlers.onLost?.();
      if (!sub.closed) this.place(sub);
    }
  }

  private dropPending(s: SharedSocket): void {
    for (const p of s.pending.values()) {
      clearTimeout(p.timer);
      p.done(undefined);
    }
    s.pending.clear();
  }

  // ---- subscriptions -----------------------------------------------------------------

  /** Puts a subscription on the open connection with the fewest; waits when none is open. */
  private place(sub: Sub): void {
    if (sub.closed || this.closed) return;
    let best: SharedSocket | null = null;
    for (const s of this.sockets) {
      if (s.open && (best === null || s.placed.size < best.placed.size)) best = s;
    }
    if (best === null) return;
    sub.on = best;
    best.placed.add(sub);
    const on = best;
    this.request(on, 'eth_subscribe', sub.params, (message) => {
      if (sub.on !== on) return;
      if (message === undefined) return; // the connection closed: placed again by lost()
      const id = message.result;
      if (typeof id !== 'string' || message.error !== undefined) {
        on.placed.delete(sub);
        sub.on = null;
        this.subs.delete(sub);
        sub.closed = true;
        sub.handlers.onRefused?.(message.error ?? { code: -32603, message: 'no subscription id' });
        return;
      }
      if (sub.closed) {
        this.request(on, 'eth_unsubscribe', [id], () => undefined);
        return;
      }
      sub.upstreamId = id;
      on.subs.set(id, sub);
      sub.handlers.onLive?.();
    });
  }

  private unsubscribe(sub: Sub): void {
    if (sub.closed) return;
    sub.closed = true;
    this.subs.delete(sub);
    const on = sub.on;
    if (on === null) return;
    on.placed.delete(sub);
    if (sub.upstreamId !== undefined) {
      on.subs.delete(sub.upstreamId);
      if (on.open) this.request(on, 'eth_unsubscribe', [sub.upstreamId], () => undefined);
    }
    sub.on = null;
    sub.upstreamId = undefined;
  }

  private request(
    s: SharedSocket,
    method: string,
    params: readonly unknown[],
    done: (message: Record<string, unknown> | undefined) => void,
  ): void {
    const ws = s.ws;
    if (!s.open || ws === null || ws.readyState !== OPEN || s.pending.size >= MAX_PENDING) {
      done(undefined);
      return;
    }
    const id = ++s.seq;
    const timer = setTimeout(() => {
      s.pending.delete(id);
      done(undefined);
      // no answer in time: the connection is not trusted any more
      this.failed(s, `no answer to ${method} within ${this.options.requestTimeoutMs()} ms`);
      ws.terminate();
    }, this.options.requestTimeoutMs());
    timer.unref?.();
    s.pending.set(id, { done, timer });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  }

  private onMessage(s: SharedSocket, data: Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return;
    const m = message as Record<string, unknown>;
    if (typeof m.id === 'number') {
      const pending = s.pending.get(m.id);
      if (pending === undefined) return;
      s.pending.delete(m.id);
      clearTimeout(pending.timer);
      pending.done(m);
      return;
    }
    if (m.method !== 'eth_subscription') return;
    const params = m.params as { subscription?: unknown; result?: unknown } | undefined;
    if (typeof params?.subscription !== 'string') return;
    const sub = s.subs.get(params.subscription);
    if (sub === undefined || sub.closed) return;
    sub.handlers.onNotification(params.result);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
