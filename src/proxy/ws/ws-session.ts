import { randomBytes } from 'node:crypto';
import { type Socket } from 'node:net';
import { type RawData } from 'ws';
import { type TimerHandle } from '../../common/clock';
import {
  ChainRpcError,
  type FeedSubscription,
  gapCloseReason,
  NOTIFICATION_PREFIX,
  parseLogCriteria,
  SUBSCRIPTION_GAP_CLOSE_CODE,
} from '../chain';
import { scanArray, scanSingle, type ValueScan } from '../jsonrpc/json-scan';
import { rpcErrorText, WsCloseCode, WsCloseReason } from './ws-errors';
import { type ClientSocket, type SessionDeps } from './ws-session.types';

const OPEN = 1;
const TEXT_FRAME = { binary: false } as const;
const NOTE_TAIL = Buffer.from('","result":');
const NOTE_END = Buffer.from('}}');

/** A client subscription: read from the head log, or a share of an upstream one. */
type ClientSub =
  | {
      readonly kind: 'feed';
      readonly feed: FeedSubscription;
      /** NOTIFICATION_PREFIX and the id: every frame of it starts with these bytes. */
      readonly head: Buffer;
    }
  | { readonly kind: 'shared'; release: (() => void) | null };

/** What the session answers by itself, and what starts once the answer is sent. */
interface LocalAnswer {
  readonly text: string;
  readonly commit?: () => void;
}

/** A client frame waiting for a node (none is available). */
interface Queued {
  readonly raw: Buffer;
  readonly idJson: string;
}

/**
 * One client of /el/ws. It owns no upstream socket:
 * - calls (single or batch) are answered through the same path as POST /el (retries,
 *   budgets, filters, cache, exact ids), with at most `max_pending_requests` in flight;
 *   while no EL node is available they wait (at most `max_queued_messages`) and are
 *   answered -32603 after `reconnect_deadline_ms` without a node (the session stays);
 * - `newHeads` and `logs` subscriptions are read from the head log (every canonical
 *   block once, in order; a subscription that cannot go on without a gap closes the
 *   session with 4410); other types share one upstream subscription per type;
 * - eth_subscribe / eth_unsubscribe are answered by the session itself.
 */
export class WsSession {
  private readonly subs = new Map<string, ClientSub>();
  private feeds = 0;
  private subscribing = 0;
  private pending = 0;
  private queue: Queued[] = [];
  private deadline: TimerHandle | null = null;
  private clientAlive = true;
  private corked = false;
  private closing = false;
  private ended = false;

  constructor(
    readonly id: number,
    private readonly client: ClientSocket,
    private readonly deps: SessionDeps,
  ) {
    client.on('message', (data, isBinary) => this.onClientMessage(data, isBinary));
    client.on('pong', () => {
      this.clientAlive = true;
    });
    client.on('close', () => this.end());
    client.on('error', () => undefined);
  }

  /** True while the session has a head-log subscription (it is pulled after each change). */
  get following(): boolean {
    return this.feeds > 0;
  }

  start(): void {
    // nothing to do until the client sends something: an idle subscriber is never
    // closed for want of a node (its subscriptions go on when one is back)
  }

  /** Node states changed: queued calls go out once a node is available. */
  reconsider(): void {
    if (this.ended || !this.deps.nodeAvailable()) return;
    this.clearDeadline();
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) this.send(q.raw, q.idJson);
  }

  /** Keep-alive: a client that missed the previous ping is dead. */
  heartbeat(): void {
    if (this.ended) return;
    if (!this.clientAlive) {
      this.client.terminate();
      this.end();
      return;
    }
    this.clientAlive = false;
    if (this.client.readyState === OPEN) this.client.ping();
  }

  /** The head log changed: what each of its subscriptions gets now. */
  pull(): void {
    if (this.ended || this.closing || this.feeds === 0) return;
    let sent = 0;
    for (const [id, sub] of this.subs) {
      if (sub.kind !== 'feed') continue;
      const { suffixes, end } = sub.feed.pull();
      for (const suffix of suffixes) {
        // One frame (the usual block): ws writes it at once; more leave in one write.
        this.toClient(Buffer.concat([sub.head, suffix]), ++sent > 1 || suffixes.length > 1);
        this.deps.metrics.notified(sub.feed.kind);
      }
      if (end !== undefined) {
        this.deps.log.log(`session ${this.id}: subscription ${id} ended: ${gapCloseReason(end)}`);
        this.closeClient(SUBSCRIPTION_GAP_CLOSE_CODE, gapCloseReason(end));
        return;
      }
    }
  }

  /** Server shutdown: close the client with 1001. */
  shutdown(): void {
    this.closeClient(WsCloseCode.goingAway, WsCloseReason.shutdown);
  }

  // ---- client frames -----------------------------------------------------------------

  private onClientMessage(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    this.deps.metrics.fromClient();
    if (isBinary) return this.toClient(rpcErrorText('null', 'binary'));
    const raw = rawBuffer(data);
    let msg: unknown;
    try {
      msg = JSON.parse(raw.toString('utf8'));
    } catch {
      return this.toClient(rpcErrorText('null', 'parse'));
    }
    if (!Array.isArray(msg)) {
      const idJson = idJsonOf(raw, scanSingle(raw), msg);
      if (isLocal(msg)) {
        if (idJson === undefined) return; // a subscribe notification: nothing to answer
        const out = this.local(msg, idJson);
        if ('then' in out) void out.then((a) => this.answerLocal(a));
        else this.answerLocal(out);
        return;
      }
      return this.call(raw, idJson ?? 'null');
    }
    if (!msg.some(isLocal)) return this.call(raw, 'null');
    void this.mixedBatch(msg, raw);
  }

  /** The answer first, then the subscription starts: no notification before its id. */
  private answerLocal(answer: LocalAnswer): void {
    this.toClient(answer.text);
    answer.commit?.();
  }

  /** A batch with eth_subscribe / eth_unsubscribe: each element on its own, answers in order. */
  private async mixedBatch(msg: readonly unknown[], raw: Buffer): Promise<void> {
    const scans = scanArray(raw);
    const answers = await Promise.all(
      msg.map((el, i): Promise<LocalAnswer | undefined> | LocalAnswer | undefined => {
        const scan = scans?.[i];
        const idJson = idJsonOf(raw, scan, el);
        if (isLocal(el)) return idJson === undefined ? undefined : this.local(el, idJson);
        const bytes = scan ? raw.subarray(scan.span.start, scan.span.end) : Buffer.from('null');
        return this.deps
          .call(bytes)
          .then((a) => (a.length === 0 ? undefined : { text: a.toString() }));
      }),
    );
    const given = answers.filter((a): a is LocalAnswer => a !== undefined);
    if (given.length > 0) this.toClient(`[${given.map((a) => a.text).join(',')}]`);
    for (const a of given) a.commit?.();
  }

  /** A call for the nodes: now, or queued while no node is available. */
  private call(raw: Buffer, idJson: string): void {
    if (this.deps.nodeAvailable()) return this.send(raw, idJson);
    const max = this.deps.limits.maxQueuedMessages;
    if (this.queue.length >= max)
      return this.toClient(rpcErrorText(idJson, 'queue-limit', `${max}`));
    this.queue.push({ raw, idJson });
    this.armDeadline();
  }

  private send(raw: Buffer, idJson: string): void {
    const max = this.deps.limits.maxPendingRequests;
    if (this.pending >= max) return this.toClient(rpcErrorText(idJson, 'pending-limit', `${max}`));
    this.pending++;
    this.deps.call(raw).then(
      (answer) => {
        this.pending--;
        if (answer.length > 0) this.toClient(answer);
      },
      () => {
        this.pending--;
        this.toClient(rpcErrorText(idJson, 'internal'));
      },
    );
  }

  // ---- subscriptions -----------------------------------------------------------------

  /**
   * eth_subscribe or eth_unsubscribe, answered by the session. A new subscription is
   * counted at once (limits) and starts (`commit`) once its answer has been sent.
   */
  private local(msg: Record<string, unknown>, idJson: string): LocalAnswer | Promise<LocalAnswer> {
    const params = msg.params;
    if (msg.method === 'eth_unsubscribe') {
      const id: unknown = Array.isArray(params) ? params[0] : undefined;
      const ok = typeof id === 'string' && this.unsubscribe(id);
      return { text: result(idJson, ok ? 'true' : 'false') };
    }
    const max = this.deps.limits.maxSubscriptions;
    if (this.subs.size + this.subscribing >= max) {
      return { text: rpcErrorText(idJson, 'subscription-limit', `${max}`) };
    }
    if (!Array.isArray(params) || typeof params[0] !== 'string') {
      const error = new ChainRpcError(-32602, 'invalid argument 0: expected a subscription type');
      return { text: error.answerText(idJson) };
    }
    const type = params[0];
    this.deps.chain.follow();
    if (type !== 'newHeads' && type !== 'logs') return this.sharedSubscribe(params, idJson);
    let feed: FeedSubscription;
    try {
      if (type === 'newHeads') {
        if (params.length > 1)
          throw new ChainRpcError(-32602, 'too many arguments, want at most 1');
        feed = this.deps.chain.feed.newHeads();
      } else {
        feed = this.deps.chain.feed.logs(parseLogCriteria(params, 1));
      }
    } catch (err) {
      if (err instanceof ChainRpcError) return { text: err.answerText(idJson) };
      throw err;
    }
    const id = newSubscriptionId();
    this.subscribing++;
    const commit = (): void => {
      this.subscribing--;
      if (this.ended) return feed.close();
      this.subs.set(id, {
        kind: 'feed',
        feed,
        head: Buffer.concat([NOTIFICATION_PREFIX, Buffer.from(id)]),
      });
      this.feeds++;
      this.deps.metrics.subscriptions(1);
    };
    return { text: result(idJson, `"${id}"`), commit };
  }

  private async sharedSubscribe(params: readonly unknown[], idJson: string): Promise<LocalAnswer> {
    const id = newSubscriptionId();
    const head = Buffer.concat([NOTIFICATION_PREFIX, Buffer.from(id), NOTE_TAIL]);
    const sub: ClientSub = { kind: 'shared', release: null };
    this.subscribing++;
    const outcome = await this.deps.chain.shared.subscribe(
      params,
      (json) => {
        if (this.subs.get(id) !== sub) return;
        this.toClient(Buffer.concat([head, Buffer.from(json), NOTE_END]));
        this.deps.metrics.notified('other');
      },
      this.deps.limits.requestTimeoutMs,
    );
    if (!outcome.ok) {
      this.subscribing--;
      const error = JSON.stringify(outcome.error ?? { code: -32603, message: 'refused' });
      return { text: `{"jsonrpc":"2.0","id":${idJson},"error":${error}}` };
    }
    const commit = (): void => {
      this.subscribing--;
      if (this.ended) return outcome.release();
      sub.release = outcome.release;
      this.subs.set(id, sub);
      this.deps.metrics.subscriptions(1);
    };
    return { text: result(idJson, `"${id}"`), commit };
  }

  private unsubscribe(id: string): boolean {
    const sub = this.subs.get(id);
    if (sub === undefined) return false;
    this.subs.delete(id);
    this.drop(sub);
    this.deps.metrics.subscriptions(-1);
    return true;
  }

  private drop(sub: ClientSub): void {
    if (sub.kind === 'feed') {
      sub.feed.close();
      this.feeds--;
    } else {
      sub.release?.();
      sub.release = null;
    }
  }

  // ---- client socket -----------------------------------------------------------------

  private toClient(data: string | Buffer, cork = true): void {
    const client = this.client;
    if (this.ended || this.closing || client.readyState !== OPEN) return;
    if (cork) this.cork();
    client.send(data, TEXT_FRAME);
    this.deps.metrics.toClient();
    if (client.bufferedAmount > this.deps.maxClientBufferBytes) {
      this.closeClient(WsCloseCode.policyViolation, WsCloseReason.slowClient);
    }
  }

  /** Frames sent in one tick (every notification of one block) leave in one write. */
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

  private closeClient(code: number, reason: string): void {
    if (this.ended || this.closing) return;
    this.closing = true;
    this.deps.log.debug(`session ${this.id}: closing the client with ${code} (${reason})`);
    // After the frames of this tick (the answers before the close).
    queueMicrotask(() => {
      if (this.client.readyState === OPEN) this.client.close(code, reason);
      this.end();
    });
  }

  /** Calls are waiting for a node: after reconnect_deadline_ms they are answered -32603. */
  private armDeadline(): void {
    if (this.deadline || this.ended) return;
    const ms = this.deps.reconnectDeadlineMs;
    this.deadline = this.deps.clock.setTimeout(() => {
      this.deadline = null;
      if (this.ended || this.deps.nodeAvailable()) return;
      this.deps.log.log(`session ${this.id}: no node for ${ms} ms, answering what waits`);
      for (const q of this.queue.splice(0)) this.toClient(rpcErrorText(q.idJson, 'no-node'));
    }, ms);
  }

  private clearDeadline(): void {
    if (this.deadline) this.deps.clock.clear(this.deadline);
    this.deadline = null;
  }

  /** Frees everything: subscriptions, timers. Idempotent. */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.clearDeadline();
    this.queue = [];
    if (this.subs.size > 0) this.deps.metrics.subscriptions(-this.subs.size);
    for (const sub of this.subs.values()) this.drop(sub);
    this.subs.clear();
    this.deps.onEnd(this.id);
  }
}

function isLocal(msg: unknown): msg is Record<string, unknown> {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return false;
  const method = (msg as Record<string, unknown>).method;
  return method === 'eth_subscribe' || method === 'eth_unsubscribe';
}

/** The id as the client wrote it, when the value is an object with a JSON-RPC id. */
function idJsonOf(raw: Buffer, scan: ValueScan | undefined, msg: unknown): string | undefined {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || !('id' in msg)) {
    return undefined;
  }
  const id = (msg as { id: unknown }).id;
  if (id !== null && typeof id !== 'string' && typeof id !== 'number') return 'null';
  if (scan?.id) return raw.toString('utf8', scan.id.start, scan.id.end);
  return JSON.stringify(id);
}

function result(idJson: string, json: string): string {
  return `{"jsonrpc":"2.0","id":${idJson},"result":${json}}`;
}

/** 0x + 32 hex digits from random bytes, as geth's ids: unguessable, never reused. */
function newSubscriptionId(): string {
  return `0x${randomBytes(16).toString('hex')}`;
}

function rawBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
