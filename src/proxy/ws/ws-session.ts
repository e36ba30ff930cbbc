import { type Socket } from 'node:net';
import { type RawData, type WebSocket } from 'ws';
import { type Backoff } from './backoff';
import { type TimerHandle } from '../../common/clock';
import { SessionCore } from './session-core';
import { type SessionOutput } from './session-core.types';
import { rpcErrorText, WsCloseCode, WsCloseReason } from './ws-errors';
import { type WsTarget } from './ws-node-chooser';
import { type ClientSocket, type SessionDeps } from './ws-session.types';

const OPEN = 1;
/** Upstream bytes go to the client as the text frames they came in. */
const TEXT_FRAME = { binary: false } as const;

/** One upstream WebSocket of a session. */
interface Link {
  readonly gen: number;
  readonly node: string;
  readonly ws: WebSocket;
  /** Why this connection was opened, for the log line of the move. */
  readonly why: string;
  readonly drainOld: boolean;
  open: boolean;
  /** A pong (or the open) arrived since the last ping. */
  alive: boolean;
  /** The session dropped it on purpose: its close is not a failure. */
  released: boolean;
  failure: string | null;
}

/**
 * The I/O shell of one client session: the client socket, its upstream sockets, timers
 * and node choice around a SessionCore, which holds all the bookkeeping. Nothing here
 * decides what a message means; everything here decides when and where it goes.
 */
export class WsSession {
  private readonly core: SessionCore;
  private readonly links = new Map<number, Link>();
  private readonly backoff: Backoff;
  /** Spaces out planned moves that failed (connect failed, re-subscribe refused). */
  private readonly plannedBackoff: Backoff;
  private plannedNotBefore = 0;
  /** The pending retry follows a failed attempt (wait for it) rather than a lack of nodes. */
  private retryAfterFailure = false;
  private gen = 0;
  /** The attempt under way (at most one), not yet open. */
  private connecting: Link | null = null;
  private servingNode: string | null = null;
  /** The node lost last, while the session waits for another. */
  private lostNode: string | null = null;
  private everServed = false;
  private attempts = 0;
  private retryTimer: TimerHandle | null = null;
  private deadlineTimer: TimerHandle | null = null;
  private clientAlive = true;
  private corked = false;
  private closing = false;
  private ended = false;

  constructor(
    readonly id: number,
    private readonly client: ClientSocket,
    private readonly deps: SessionDeps,
  ) {
    this.backoff = deps.backoff();
    this.plannedBackoff = deps.backoff();
    this.core = new SessionCore(deps.limits, this.output(), () => deps.clock.now());
    client.on('message', (data, isBinary) => this.onClientMessage(data, isBinary));
    client.on('pong', () => {
      this.clientAlive = true;
    });
    client.on('close', () => this.end());
    client.on('error', () => undefined);
  }

  /** The node serving the session now, if any. */
  get node(): string | null {
    return this.servingNode;
  }

  start(): void {
    this.armDeadline();
    this.connectNow();
  }

  /** Node states changed: reconnect now if waiting, or move if the rules say so. */
  reconsider(): void {
    if (this.ended || this.closing) return;
    if (this.core.currentGen() === null) {
      if (!this.connecting && !(this.retryTimer && this.retryAfterFailure)) this.connectNow();
      return;
    }
    if (this.connecting || this.core.nextGen() !== null || !this.servingNode) return;
    if (this.deps.clock.now() < this.plannedNotBefore) return;
    const verdict = this.deps.nodes.verdict(this.servingNode);
    if (!verdict) return;
    const target = this.deps.nodes.pick();
    if (!target || target.name === this.servingNode) return;
    const why = verdict === 'fail-back' ? 'a primary is available again' : 'node unavailable';
    this.openLink(target, why, verdict === 'fail-back');
  }

  /** Keep-alive: a client or upstream that missed the previous ping is dead. */
  heartbeat(): void {
    if (this.ended) return;
    if (!this.clientAlive) {
      this.deps.log.debug(`session ${this.id}: no pong from the client, closing`);
      this.client.terminate();
      this.end();
      return;
    }
    this.clientAlive = false;
    if (this.client.readyState === OPEN) this.client.ping();
    for (const link of this.links.values()) {
      if (!link.open) continue;
      if (!link.alive) {
        link.failure = 'no pong within the ping interval';
        link.ws.terminate();
        continue;
      }
      link.alive = false;
      link.ws.ping();
    }
  }

  /** Answers requests that waited longer than the request timeout. */
  sweep(): void {
    if (!this.ended) this.core.expire(this.deps.clock.now());
  }

  /** Server shutdown: answer what is outstanding, close the client with 1001. */
  shutdown(): void {
    if (this.ended) return;
    this.core.shutdown('closing');
    this.closeClient(WsCloseCode.goingAway, WsCloseReason.shutdown);
  }

  // ---- client ------------------------------------------------------------------------

  private onClientMessage(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    this.deps.metrics.fromClient();
    if (isBinary) return this.sendToClient(rpcErrorText('null', 'binary'));
    const raw = rawBuffer(data);
    let msg: unknown;
    try {
      msg = JSON.parse(raw.toString());
    } catch {
      return this.sendToClient(rpcErrorText('null', 'parse'));
    }
    this.core.clientMessage(msg, raw);
  }

  private sendToClient(data: string | Buffer): void {
    const client = this.client;
    if (this.ended || this.closing || client.readyState !== OPEN) return;
    this.cork();
    client.send(data, TEXT_FRAME);
    this.deps.metrics.toClient();
    if (client.bufferedAmount > this.deps.maxClientBufferBytes) {
      this.deferClose(WsCloseCode.policyViolation, WsCloseReason.slowClient);
    }
  }

  /**
   * Frames sent to the client in one tick (e.g. every notification of one upstream
   * read) leave in one write instead of one system call each: the client's TCP socket
   * is corked until the end of the tick. `_socket` is ws's own reference to it.
   */
  private cork(): void {
    if (this.corked) return;
    const socket = (this.client as { _socket?: Socket })._socket;
    if (!socket) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /** Closing from inside a core callback must wait until the core has returned. */
  private deferClose(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    queueMicrotask(() => this.closeClient(code, reason));
  }

  private closeClient(code: number, reason: string): void {
    if (this.ended) return;
    this.closing = true;
    this.deps.log.debug(`session ${this.id}: closing the client with ${code} (${reason})`);
    if (this.client.readyState === OPEN) this.client.close(code, reason);
    this.end();
  }

  /** Frees everything: upstream sockets, timers, metrics. Idempotent. */
  private end(): void {
    if (this.ended) return;
    this.core.dispose();
    this.ended = true;
    for (const link of this.links.values()) this.drop(link);
    this.links.clear();
    this.connecting = null;
    this.clearTimer('retryTimer');
    this.clearTimer('deadlineTimer');
    this.setServing(null);
    this.deps.onEnd(this.id);
  }

  // ---- upstream ----------------------------------------------------------------------

  private connectNow(): void {
    if (this.ended || this.closing || this.connecting) return;
    this.clearTimer('retryTimer');
    const target = this.deps.nodes.pick();
    if (!target) {
      this.retryAfterFailure = false;
      return this.scheduleRetry();
    }
    const why = this.everServed ? 'connection lost' : 'new session';
    this.openLink(target, why, false);
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.ended) return;
    this.retryTimer = this.deps.clock.setTimeout(() => {
      this.retryTimer = null;
      this.connectNow();
    }, this.backoff.next());
  }

  private openLink(target: WsTarget, why: string, drainOld: boolean): void {
    const gen = ++this.gen;
    this.attempts++;
    let ws: WebSocket;
    try {
      ws = this.deps.connect(target.url);
    } catch (err) {
      this.attemptFailed(target.name, `cannot connect: ${errorText(err)}`);
      return;
    }
    const link: Link = {
      gen,
      node: target.name,
      ws,
      why,
      drainOld,
      open: false,
      alive: true,
      released: false,
      failure: null,
    };
    this.links.set(gen, link);
    this.connecting = link;
    ws.on('open', () => this.onLinkOpen(link));
    ws.on('message', (data, isBinary) => {
      if (!isBinary && !link.released) this.core.upstreamMessage(gen, rawBuffer(data));
    });
    ws.on('pong', () => {
      link.alive = true;
    });
    ws.on('error', (err) => {
      link.failure ??= errorText(err);
    });
    ws.on('close', (code) => this.onLinkClose(link, code));
  }

  private onLinkOpen(link: Link): void {
    if (this.ended || link.released) return;
    link.open = true;
    if (this.connecting === link) this.connecting = null;
    if (this.attempts > 1) this.deps.metrics.attempt('success');
    this.core.attach(link.gen, { drainOld: link.drainOld });
  }

  private onLinkClose(link: Link, code: number): void {
    this.links.delete(link.gen);
    if (this.connecting === link) this.connecting = null;
    if (this.ended || link.released) return;
    if (!link.open) {
      this.attemptFailed(link.node, `WebSocket connect failed: ${link.failure ?? `close ${code}`}`);
      return;
    }
    link.open = false;
    if (code !== WsCloseCode.normal || link.failure) {
      const detail = link.failure ? `: ${link.failure}` : '';
      this.deps.nodes.reportFailure(link.node, `WebSocket closed (${code})${detail}`);
    }
    const wasServing = this.core.currentGen() === link.gen;
    this.core.detach(link.gen);
    if (!wasServing || this.core.currentGen() !== null) return;
    this.deps.log.log(`session ${this.id}: lost node ${link.node} (close ${code}), reconnecting`);
    this.lostNode = link.node;
    this.setServing(null);
    this.armDeadline();
    this.connectNow();
  }

  private attemptFailed(node: string, reason: string): void {
    if (this.attempts > 1) this.deps.metrics.attempt('failure');
    this.deps.nodes.reportFailure(node, reason);
    this.deps.log.debug(`session ${this.id}: ${node}: ${reason}`);
    if (this.core.currentGen() === null) {
      this.retryAfterFailure = true;
      this.scheduleRetry();
    } else {
      this.deferPlannedMoves();
    }
  }

  /** A planned move failed: the next one waits (node events come every health cycle). */
  private deferPlannedMoves(): void {
    this.plannedNotBefore = this.deps.clock.now() + this.plannedBackoff.next();
  }

  private output(): SessionOutput {
    return {
      toClient: (data) => this.sendToClient(data),
      toUpstream: (gen, text) => {
        const link = this.links.get(gen);
        if (link?.open) link.ws.send(text);
      },
      release: (gen) => {
        const link = this.links.get(gen);
        if (!link) return;
        this.links.delete(gen);
        this.drop(link);
      },
      servedBy: (gen, previous) => this.onServedBy(gen, previous),
      switchAborted: (_gen, reason) => {
        this.deps.log.warn(`session ${this.id}: move abandoned (${reason}), staying`);
        this.deferPlannedMoves();
      },
      fatal: (code, reason) => this.deferClose(code, reason),
      subscriptions: (delta) => this.deps.metrics.subscriptions(delta),
      charge: (gen) => {
        const link = this.links.get(gen);
        return link ? this.deps.nodes.charge(link.node) : 0;
      },
    };
  }

  private onServedBy(gen: number, previous: number | null): void {
    const link = this.links.get(gen);
    if (!link) return;
    const from = this.servingNode ?? this.lostNode;
    this.lostNode = null;
    this.setServing(link.node);
    this.clearTimer('deadlineTimer');
    this.clearTimer('retryTimer');
    this.backoff.reset();
    if (previous !== null) this.plannedBackoff.reset();
    if (this.everServed) {
      this.deps.metrics.reconnected();
      const how = previous === null ? '' : ' (planned: subscriptions re-created first)';
      this.deps.log.log(
        `session ${this.id}: moved from ${from ?? 'no node'} to ${link.node}, ${link.why}${how}`,
      );
    }
    this.everServed = true;
  }

  private setServing(node: string | null): void {
    if (this.servingNode === node) return;
    if (this.servingNode !== null) this.deps.metrics.upstreamNode(this.servingNode, -1);
    if (node !== null) this.deps.metrics.upstreamNode(node, 1);
    this.servingNode = node;
  }

  private armDeadline(): void {
    if (this.deadlineTimer || this.ended) return;
    const ms = this.deps.reconnectDeadlineMs;
    this.deadlineTimer = this.deps.clock.setTimeout(() => {
      this.deadlineTimer = null;
      if (this.core.currentGen() !== null || this.ended) return;
      this.deps.log.log(`session ${this.id}: no node for ${ms} ms, closing`);
      this.core.shutdown('no-node', String(ms));
      this.closeClient(WsCloseCode.tryAgainLater, WsCloseReason.noNode);
    }, ms);
  }

  private drop(link: Link): void {
    link.released = true;
    link.open = false;
    link.ws.terminate();
  }

  private clearTimer(which: 'retryTimer' | 'deadlineTimer'): void {
    const timer = this[which];
    if (timer) this.deps.clock.clear(timer);
    this[which] = null;
  }
}

function rawBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
