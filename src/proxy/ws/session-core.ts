import { SEND_RAW_TRANSACTION } from '../jsonrpc/already-known';
import { scanArray, scanSingle, type Span, splice, type ValueScan } from '../jsonrpc/json-scan';
import {
  answerId,
  headHashOf,
  isRecord,
  type NoteScan,
  requestText,
  scanAnswerIdEnd,
  scanNotification,
  answerIdSpan,
  spliceNotification,
} from './session-frames';
import {
  alreadyKnownText,
  type Batch,
  type Call,
  type Conn,
  type Frame,
  HEADS_KEPT,
  isNewHeads,
  parseOrUndefined,
  type Pending,
  type Queued,
  type Sub,
} from './session-core.model';
import { type AttachOptions, type SessionLimits, type SessionOutput } from './session-core.types';
import { type IntakeTarget, takeClientMessage } from './client-intake';
import { rpcErrorText, type WsRpcErrorKind, WsCloseCode, WsCloseReason } from './ws-errors';

// The whole bookkeeping of one client session, with no I/O: ids, subscriptions, queue,
// re-sends and node switches. The shell (ws-session.ts) feeds it events and carries out
// what it asks through `SessionOutput`. Invariants (property-tested in session-core.spec.ts):
// - every upstream request carries a proxy-owned numeric id (`seq`), so upstream answers
//   map back to exactly one client request, whatever ids the client used;
// - internal requests (re-subscribes, unsubscribe clean-ups) are answered to the core only;
// - every client request is answered exactly once: by the upstream, or by the core with an
//   error (limit, timeout, lost connection, shutdown);
// - the client sees notifications only for its live subscriptions, under the ids it got.

export class SessionCore {
  private readonly conns = new Map<number, Conn>();
  private current: Conn | null = null;
  private next: Conn | null = null;
  private readonly pending = new Map<number, Pending>();
  private queue: Queued[] = [];
  private readonly subs = new Map<string, Sub>();
  private seq = 0;
  private minted = 0;
  private callsPending = 0;
  private subscribing = 0;
  private closed = false;

  private readonly intake: IntakeTarget = {
    accept: (call) => this.accept(call),
    subscriptionsInUse: () => this.subs.size + this.subscribing,
    unsubscribe: (params) => this.unsubscribe(params),
    forward: (text) => this.forward(text),
    answer: (batch, slot, data) => this.answerLocal(batch, slot, data),
  };

  constructor(
    private readonly limits: SessionLimits,
    private readonly out: SessionOutput,
    private readonly now: () => number,
  ) {}

  /** Generation of the connection serving the session, or null while it has none. */
  currentGen(): number | null {
    return this.current?.gen ?? null;
  }

  /** Generation of the connection a planned switch is preparing, if any. */
  nextGen(): number | null {
    return this.next?.gen ?? null;
  }

  stats(): { pending: number; queued: number; subscriptions: number; connections: number } {
    return {
      pending: this.pending.size,
      queued: this.queue.length,
      subscriptions: this.subs.size,
      connections: this.conns.size,
    };
  }

  // ---- client side -------------------------------------------------------------------

  /** One parsed client frame: a request, a notification or a batch. */
  clientMessage(msg: unknown, raw: Buffer): void {
    if (!this.closed) takeClientMessage(msg, raw, this.limits, this.intake);
  }

  /** Sends or queues a client call; the error text when a limit refuses it. */
  private accept(call: Call): string | undefined {
    if (this.current) {
      const max = this.limits.maxPendingRequests;
      if (this.callsPending >= max) return rpcErrorText(call.idJson, 'pending-limit', `${max}`);
      if (call.subscribe) this.subscribing++;
      this.send(call, this.current);
    } else {
      const max = this.limits.maxQueuedMessages;
      if (this.queue.length >= max) return rpcErrorText(call.idJson, 'queue-limit', `${max}`);
      if (call.subscribe) this.subscribing++;
      this.queue.push(call);
    }
    return undefined;
  }

  /** A client notification (no id) is forwarded as is; nobody waits for an answer. */
  private forward(text: string): void {
    if (this.current) this.out.toUpstream(this.current.gen, text);
    else if (this.queue.length < this.limits.maxQueuedMessages) this.queue.push(text);
  }

  /** The client's eth_unsubscribe, answered from the session's own state. */
  private unsubscribe(params: unknown): boolean {
    const id = Array.isArray(params) ? params[0] : undefined;
    const sub = typeof id === 'string' ? this.subs.get(id) : undefined;
    if (!sub) return false;
    sub.live = false;
    this.subs.delete(sub.clientId);
    this.out.subscriptions(-1);
    for (const [gen, upId] of sub.upstream) {
      const conn = this.conns.get(gen);
      if (!conn) continue;
      conn.subs.delete(upId);
      if (conn.role !== 'draining') this.cleanup(conn, upId);
    }
    sub.upstream.clear();
    return true;
  }

  // ---- upstream side -----------------------------------------------------------------

  /** One text frame (its bytes) from upstream connection `gen`. */
  upstreamMessage(gen: number, data: Buffer): void {
    if (this.closed) return;
    const conn = this.conns.get(gen);
    if (!conn) return;
    const end = scanAnswerIdEnd(data);
    if (end > 0) {
      return this.answer(conn, answerId(data, end), data, answerIdSpan(end), undefined);
    }
    const scan = scanNotification(data);
    if (scan) return this.notificationFrame(conn, data, scan);
    // Not in the canonical form: found by a scan, the client's id spliced in all the same.
    const single = scanSingle(data);
    if (single) return this.upstreamValue(conn, data, single);
    for (const element of scanArray(data) ?? []) this.upstreamValue(conn, data, element);
  }

  private upstreamValue(conn: Conn, frame: Buffer, scan: ValueScan): void {
    const bytes = frame.subarray(scan.span.start, scan.span.end);
    const msg = parseOrUndefined(bytes);
    if (!isRecord(msg)) return;
    if (typeof msg.id === 'number' && scan.id) {
      const id = { start: scan.id.start - scan.span.start, end: scan.id.end - scan.span.start };
      return this.answer(conn, msg.id, bytes, id, msg);
    }
    const params = msg.params;
    if (msg.method !== 'eth_subscription' || !isRecord(params)) return;
    if (typeof params.subscription !== 'string') return;
    const sub = conn.subs.get(params.subscription);
    if (!sub || conn.role === 'draining') return;
    const text = JSON.stringify({ ...msg, params: { ...params, subscription: sub.clientId } });
    const result = params.result;
    const hash = sub.heads && isRecord(result) ? result.hash : undefined;
    this.notify(conn, sub, text, typeof hash === 'string' ? hash : undefined);
  }

  private notificationFrame(conn: Conn, data: Buffer, scan: NoteScan): void {
    const sub = conn.subs.get(scan.subscription);
    if (!sub || conn.role === 'draining') return;
    const out =
      sub.clientId === scan.subscription ? data : spliceNotification(data, scan, sub.idRaw);
    this.notify(conn, sub, out, sub.heads ? headHashOf(data, scan) : undefined);
  }

  private notify(conn: Conn, sub: Sub, data: Frame, key: string | undefined): void {
    if (conn.role !== 'next') return this.deliverNote(sub, data, key);
    if (conn.held.length < this.limits.maxQueuedMessages) conn.held.push({ sub, data, key });
  }

  private deliverNote(sub: Sub, data: Frame, key: string | undefined): void {
    if (!sub.live) return;
    if (sub.early) {
      if (sub.early.length < this.limits.maxQueuedMessages) sub.early.push({ data, key });
      return;
    }
    if (key !== undefined && sub.heads) {
      if (sub.heads.includes(key)) return;
      sub.heads.push(key);
      if (sub.heads.length > HEADS_KEPT) sub.heads.shift();
    }
    this.out.toClient(data);
  }

  /** An answer (`data`, whose id is at `id`) to the proxy request `pid`. */
  private answer(
    conn: Conn,
    pid: number,
    data: Buffer,
    id: Span,
    msg: Record<string, unknown> | undefined,
  ): void {
    const p = this.pending.get(pid);
    if (!p || p.gen !== conn.gen) return;
    this.pending.delete(pid);
    conn.inflight--;
    switch (p.kind) {
      case 'call': {
        this.callsPending--;
        const { call } = p;
        const known =
          call.attempts > 1 && call.method === SEND_RAW_TRANSACTION
            ? alreadyKnownText(call, msg ?? parseOrUndefined(data))
            : undefined;
        if (known) this.deliver(call, known);
        else if (call.subscribe)
          this.subscribed(conn, call, data, id, msg ?? parseOrUndefined(data));
        else this.deliver(call, splice(data, id, call.idJson));
        break;
      }
      case 'resub':
        if (!this.resubscribed(conn, p.sub, msg ?? parseOrUndefined(data))) return;
        break;
      case 'orphan': {
        const ans = msg ?? parseOrUndefined(data);
        if (isRecord(ans) && typeof ans.result === 'string') this.cleanup(conn, ans.result);
        break;
      }
      case 'cleanup':
        break;
      default: {
        const never: never = p;
        throw new Error(`unknown pending ${String(never)}`);
      }
    }
    this.releaseIfDrained(conn);
  }

  /** The answer to a client's eth_subscribe: the subscription exists from now on. */
  private subscribed(conn: Conn, call: Call, data: Buffer, id: Span, ans: unknown): void {
    this.subscribing--;
    if (!isRecord(ans) || typeof ans.result !== 'string') {
      const text = isRecord(ans)
        ? splice(data, id, call.idJson)
        : rpcErrorText(call.idJson, 'bad-response', 'eth_subscribe answer is not JSON');
      return this.deliver(call, text);
    }
    const upId = ans.result;
    const clientId = this.subs.has(upId) ? this.mint() : upId;
    const idJson = JSON.stringify(clientId);
    const sub: Sub = {
      clientId,
      idJson,
      idRaw: Buffer.from(idJson.slice(1, -1)),
      params: call.params,
      heads: isNewHeads(call.params) ? [] : null,
      live: true,
      early: null,
      upstream: new Map(),
    };
    const batch = call.batch;
    if (batch && batch.remaining > 1) {
      sub.early = [];
      (batch.created ??= []).push(sub);
    }
    this.subs.set(clientId, sub);
    this.out.subscriptions(1);
    this.deliver(call, `{"jsonrpc":"2.0","id":${call.idJson},"result":${sub.idJson}}`);
    if (conn === this.current) {
      this.map(conn, sub, upId);
    } else {
      // Answered by a draining connection: move it to the serving one.
      this.cleanup(conn, upId);
      if (this.current) this.resubscribe(sub, this.current);
    }
    if (this.next) this.resubscribe(sub, this.next);
  }

  /** Returns false when the session or the switch ended because of this answer. */
  private resubscribed(conn: Conn, sub: Sub, ans: unknown): boolean {
    if (conn.role === 'next') conn.awaiting--;
    const ok = isRecord(ans) && typeof ans.result === 'string';
    if (!ok && sub.live && conn.role === 'current') {
      this.fail(WsCloseCode.internalError, WsCloseReason.restoreFailed);
      return false;
    }
    if (!ok && sub.live && conn.role === 'next') {
      this.abortNext(`could not re-create subscription ${sub.clientId}`);
      return false;
    }
    if (ok) {
      const upId = ans.result as string;
      if (sub.live && conn.role !== 'draining') this.map(conn, sub, upId);
      else if (conn.role !== 'draining') this.cleanup(conn, upId);
    }
    if (conn.role === 'next' && conn.awaiting === 0) this.cutover();
    return true;
  }

  // ---- connections -------------------------------------------------------------------

  /**
   * Upstream connection `gen` is open. Without a serving connection it serves at once
   * (unplanned: re-subscribe, then flush the queue). Otherwise it is prepared (every
   * subscription re-created) and takes over when the last re-subscribe is answered.
   */
  attach(gen: number, options: AttachOptions): void {
    if (this.closed) return;
    const conn: Conn = {
      gen,
      role: 'current',
      drainOld: options.drainOld,
      subs: new Map(),
      inflight: 0,
      awaiting: 0,
      held: [],
    };
    this.conns.set(gen, conn);
    if (!this.current) {
      this.current = conn;
      for (const sub of this.subs.values()) this.resubscribe(sub, conn);
      this.out.servedBy(gen, null);
      this.flushQueue();
      return;
    }
    if (this.next) this.abortNext('replaced by a newer switch');
    conn.role = 'next';
    this.next = conn;
    for (const sub of this.subs.values()) this.resubscribe(sub, conn);
    if (conn.awaiting === 0) this.cutover();
  }

  /** Upstream connection `gen` closed or failed: nothing on it is lost. */
  detach(gen: number): void {
    if (this.closed) return;
    const conn = this.conns.get(gen);
    if (!conn) return;
    this.conns.delete(gen);
    const calls = this.takePending(conn);
    for (const sub of conn.subs.values()) sub.upstream.delete(gen);
    conn.subs.clear();
    if (conn === this.next) {
      this.next = null;
    } else if (conn === this.current) {
      this.current = null;
      if (this.next) this.promote(this.next, gen);
    }
    this.retry(calls);
  }

  /** A planned switch became an emergency one: the prepared connection serves now. */
  private promote(next: Conn, previous: number): void {
    this.next = null;
    next.role = 'current';
    this.current = next;
    this.out.servedBy(next.gen, previous);
    this.flushHeld(next);
  }

  private cutover(): void {
    const next = this.next;
    if (!next) return;
    const old = this.current;
    this.next = null;
    next.role = 'current';
    this.current = next;
    if (old) this.retire(old, next.drainOld);
    this.out.servedBy(next.gen, old ? old.gen : null);
    this.flushHeld(next);
    this.flushQueue();
  }

  private flushHeld(conn: Conn): void {
    const held = conn.held;
    conn.held = [];
    for (const h of held) this.deliverNote(h.sub, h.data, h.key);
  }

  /** The replaced connection: drained (its requests finish there) or dropped at once. */
  private retire(old: Conn, drain: boolean): void {
    old.role = 'draining';
    const upIds = [...old.subs.keys()];
    for (const sub of old.subs.values()) sub.upstream.delete(old.gen);
    old.subs.clear();
    if (drain) {
      for (const upId of upIds) this.cleanup(old, upId);
      this.releaseIfDrained(old);
      return;
    }
    const calls = this.takePending(old);
    this.conns.delete(old.gen);
    this.out.release(old.gen);
    this.retry(calls);
  }

  private abortNext(reason: string): void {
    const next = this.next;
    if (!next) return;
    this.next = null;
    this.conns.delete(next.gen);
    this.takePending(next);
    for (const sub of next.subs.values()) sub.upstream.delete(next.gen);
    this.out.release(next.gen);
    this.out.switchAborted(next.gen, reason);
  }

  private releaseIfDrained(conn: Conn): void {
    if (conn.role !== 'draining' || conn.inflight > 0 || !this.conns.has(conn.gen)) return;
    this.conns.delete(conn.gen);
    this.out.release(conn.gen);
  }

  // ---- time and the end --------------------------------------------------------------

  /** Answers requests older than the timeout with an error; call it periodically. */
  expire(now: number): void {
    if (this.closed) return;
    const cutoff = now - this.limits.requestTimeoutMs;
    for (const [pid, p] of this.pending) {
      if (p.at > cutoff) break;
      this.pending.delete(pid);
      const conn = this.conns.get(p.gen);
      if (conn) conn.inflight--;
      if (p.kind === 'call') {
        this.callsPending--;
        this.failCall(p.call, 'timeout', String(this.limits.requestTimeoutMs));
        if (p.call.subscribe && conn) {
          this.pending.set(pid, { kind: 'orphan', gen: p.gen, at: now });
          conn.inflight++;
        }
      } else if (p.kind === 'resub' && conn) {
        if (conn.role === 'next') {
          this.abortNext(`re-subscribe timed out`);
          continue;
        }
        if (conn.role === 'current' && p.sub.live) {
          this.fail(WsCloseCode.internalError, WsCloseReason.restoreFailed);
          return;
        }
      }
      if (conn) this.releaseIfDrained(conn);
    }
  }

  /**
   * Ends the session: every outstanding request is answered with `kind`, every
   * connection released. The shell closes the client afterwards.
   */
  shutdown(kind: WsRpcErrorKind, detail = ''): void {
    if (this.closed) return;
    const calls: Call[] = [];
    for (const p of this.pending.values()) if (p.kind === 'call') calls.push(p.call);
    for (const q of this.queue) if (typeof q !== 'string') calls.push(q);
    this.pending.clear();
    this.queue = [];
    this.callsPending = 0;
    for (const call of calls) this.failCall(call, kind, detail);
    this.dispose();
  }

  /** The client is gone: release everything, answer nothing. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const gen of this.conns.keys()) this.out.release(gen);
    this.conns.clear();
    this.current = null;
    this.next = null;
    this.pending.clear();
    this.queue = [];
    if (this.subs.size > 0) this.out.subscriptions(-this.subs.size);
    for (const sub of this.subs.values()) sub.live = false;
    this.subs.clear();
  }

  private fail(code: number, reason: string): void {
    this.shutdown('closing');
    this.out.fatal(code, reason);
  }

  // ---- helpers -----------------------------------------------------------------------

  private send(call: Call, conn: Conn): void {
    // Every client call takes a token of the node's budget, as over HTTP.
    const wait = this.out.charge(conn.gen);
    if (wait > 0)
      return this.failCall(call, 'rate-limited', `${Math.max(1, Math.ceil(wait / 1000))}`);
    const pid = ++this.seq;
    this.pending.set(pid, { kind: 'call', call, gen: conn.gen, at: this.now() });
    conn.inflight++;
    this.callsPending++;
    call.attempts++;
    this.out.toUpstream(conn.gen, requestText(pid, call.method, call.params));
  }

  private resubscribe(sub: Sub, conn: Conn): void {
    const pid = ++this.seq;
    this.pending.set(pid, { kind: 'resub', sub, gen: conn.gen, at: this.now() });
    conn.inflight++;
    if (conn.role === 'next') conn.awaiting++;
    this.out.toUpstream(conn.gen, requestText(pid, 'eth_subscribe', sub.params));
  }

  private cleanup(conn: Conn, upId: string): void {
    const pid = ++this.seq;
    this.pending.set(pid, { kind: 'cleanup', gen: conn.gen, at: this.now() });
    conn.inflight++;
    this.out.toUpstream(conn.gen, requestText(pid, 'eth_unsubscribe', [upId]));
  }

  private map(conn: Conn, sub: Sub, upId: string): void {
    conn.subs.set(upId, sub);
    sub.upstream.set(conn.gen, upId);
  }

  /** Removes every request pending on `conn`; returns the client calls among them, in order. */
  private takePending(conn: Conn): Call[] {
    const calls: Call[] = [];
    for (const [pid, p] of this.pending) {
      if (p.gen !== conn.gen) continue;
      this.pending.delete(pid);
      conn.inflight--;
      if (p.kind === 'call') {
        this.callsPending--;
        calls.push(p.call);
      }
    }
    return calls;
  }

  /** Re-sends calls whose connection was lost (first in line), or answers them with an error. */
  private retry(calls: Call[]): void {
    const again: Call[] = [];
    for (const call of calls) {
      if (!this.limits.mayResend(call.method)) {
        this.failCall(call, 'not-resent', 'the upstream connection was lost');
      } else if (call.attempts >= this.limits.maxAttempts) {
        this.failCall(call, 'unreachable', `connection lost ${call.attempts} times`);
      } else {
        again.push(call);
      }
    }
    if (again.length === 0) return;
    if (this.current) for (const call of again) this.send(call, this.current);
    else this.queue = [...again, ...this.queue];
  }

  private flushQueue(): void {
    const conn = this.current;
    if (!conn || this.queue.length === 0) return;
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) {
      if (typeof q === 'string') this.out.toUpstream(conn.gen, q);
      else this.send(q, conn);
    }
  }

  private failCall(call: Call, kind: WsRpcErrorKind, detail: string): void {
    if (call.subscribe) this.subscribing--;
    this.deliver(call, rpcErrorText(call.idJson, kind, detail));
  }

  private deliver(call: Call, data: Frame): void {
    this.answerLocal(call.batch, call.slot, data);
  }

  private answerLocal(batch: Batch | null, slot: number, data: Frame): void {
    if (!batch) return this.out.toClient(data);
    batch.parts[slot] = typeof data === 'string' ? data : data.toString();
    if (--batch.remaining > 0) return;
    this.out.toClient(`[${batch.parts.join(',')}]`);
    for (const sub of batch.created ?? []) {
      const early = sub.early ?? [];
      sub.early = null;
      for (const note of early) this.deliverNote(sub, note.data, note.key);
    }
  }

  private mint(): string {
    let id: string;
    do id = `0x${(++this.minted).toString(16).padStart(32, '0')}`;
    while (this.subs.has(id));
    return id;
  }
}
