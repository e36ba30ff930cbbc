import fc from 'fast-check';
import { SessionCore } from './session-core';
import { type SessionLimits } from './session-core.types';

// Property-based tests of the session core: a scripted client that records what it sent
// and received, fake upstream nodes that answer like anvil does (small subscription ids
// that repeat across connections, answers in any order, canonical or not), and random
// interleavings of client requests, answers, notifications, switches and timeouts.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface FakeConn {
  readonly gen: number;
  readonly refuses: boolean;
  open: boolean;
  /** Requests received and not answered yet. */
  inbox: Record<string, Json>[];
  /** Upstream subscriptions: id -> params. */
  readonly subs: Map<string, Json>;
  seq: number;
}

/** What the client expects in answer to one request (a single or a batch element). */
export interface Expect {
  readonly idJson: string;
  readonly kind: 'call' | 'subscribe' | 'unsubscribe' | 'invalid' | 'denied';
  readonly tag: number;
}

export type Unit = { single: Expect } | { batch: Expect[] };

export const TEST_LIMITS: SessionLimits = {
  maxPendingRequests: 4,
  maxQueuedMessages: 5,
  maxSubscriptions: 3,
  requestTimeoutMs: 30_000,
  maxAttempts: 3,
  maxBatchSize: 4,
  isDenied: (m) => m.startsWith('admin_'),
  mayResend: (m) => m !== 'eth_sendTransaction',
};

export class Harness {
  readonly core: SessionCore;
  readonly conns = new Map<number, FakeConn>();
  /** Every frame the client received, in order. */
  readonly frames: string[] = [];
  readonly units: Unit[] = [];
  /** Frames emitted while the last client message was handled. */
  lastEmitted: string[] = [];
  time = 0;
  closedWith: { code: number; reason: string } | null = null;
  subscriptionGauge = 0;
  private gen = 0;
  private emitting: string[] | null = null;

  constructor(limits: SessionLimits = TEST_LIMITS) {
    this.core = new SessionCore(
      limits,
      {
        toClient: (data) => {
          const text = String(data);
          this.frames.push(text);
          this.emitting?.push(text);
        },
        toUpstream: (gen, text) => {
          const conn = this.conns.get(gen);
          if (!conn?.open) throw new Error(`write on closed connection ${gen}`);
          conn.inbox.push(JSON.parse(text) as Record<string, Json>);
        },
        release: (gen) => this.close(gen),
        servedBy: () => undefined,
        switchAborted: () => undefined,
        fatal: (code, reason) => {
          this.closedWith = { code, reason };
        },
        subscriptions: (delta) => {
          this.subscriptionGauge += delta;
        },
        charge: () => 0,
      },
      () => this.time,
    );
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** Sends a client frame and records what it expects back. */
  send(frame: Json, unit: Unit | null): void {
    if (unit) this.units.push(unit);
    this.emitting = [];
    this.core.clientMessage(frame, Buffer.from(JSON.stringify(frame)));
    this.lastEmitted = this.emitting;
    this.emitting = null;
  }

  attach(refuses: boolean, drainOld: boolean): number {
    const gen = ++this.gen;
    this.conns.set(gen, { gen, refuses, open: true, inbox: [], subs: new Map(), seq: 0 });
    this.core.attach(gen, { drainOld });
    return gen;
  }

  /** The connection dies (unplanned). */
  drop(gen: number): void {
    this.close(gen);
    this.core.detach(gen);
  }

  openConns(): FakeConn[] {
    return [...this.conns.values()].filter((c) => c.open);
  }

  /** Answers the `pick`-th unanswered request over all open connections. */
  answer(pick: number, canonical: boolean): boolean {
    const all = this.openConns().flatMap((c) => c.inbox.map((req, i) => ({ c, req, i })));
    if (all.length === 0) return false;
    const { c, req, i } = all[pick % all.length];
    c.inbox.splice(i, 1);
    this.core.upstreamMessage(c.gen, Buffer.from(encode(this.reply(c, req), canonical)));
    return true;
  }

  /** A notification for the `pick`-th upstream subscription over all open connections. */
  notify(pick: number, canonical: boolean, hash: string): void {
    const all = this.openConns().flatMap((c) =>
      [...c.subs].map(([id, params]) => ({ c, id, params })),
    );
    if (all.length === 0) return;
    const { c, id, params } = all[pick % all.length];
    this.emitNote(c, id, params, canonical, hash);
  }

  emitNote(c: FakeConn, id: string, params: Json, canonical: boolean, hash: string): void {
    const note = {
      jsonrpc: '2.0',
      method: 'eth_subscription',
      params: { subscription: id, result: { hash, tag: tagOf(params) } },
    };
    this.core.upstreamMessage(c.gen, Buffer.from(encode(note, canonical)));
  }

  /** Messages a client must never see: answers to unknown ids, notes for unknown subs. */
  noise(pick: number): void {
    const open = this.openConns();
    if (open.length === 0) return;
    const c = open[pick % open.length];
    const texts = [
      '{"jsonrpc":"2.0","id":987654,"result":"0x1"}',
      '{"jsonrpc":"2.0","id":"1","result":"0x1"}',
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid request"}}',
      '{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0xdead","result":{}}}',
      'not json',
      '[1,2,3]',
    ];
    this.core.upstreamMessage(c.gen, Buffer.from(texts[pick % texts.length]));
  }

  tick(ms: number): void {
    this.time += ms;
    this.core.expire(this.time);
  }

  /** Connects if needed and answers everything until nothing is left in flight. */
  settle(): void {
    for (let round = 0; round < 10_000 && !this.closed; round++) {
      if (this.core.currentGen() === null) this.attach(false, true);
      if (!this.answer(0, true)) return;
    }
  }

  private reply(c: FakeConn, req: Record<string, Json>): Json {
    const { id, method, params } = req;
    const p = Array.isArray(params) ? params : [];
    switch (method) {
      case 'eth_subscribe': {
        if (c.refuses && p[0] === 'logs') {
          return { jsonrpc: '2.0', id, error: { code: -32602, message: 'logs not supported' } };
        }
        // Small ids on purpose: two connections hand out the same ones.
        const subId = `0x${(++c.seq).toString(16)}`;
        c.subs.set(subId, params ?? null);
        return { jsonrpc: '2.0', id, result: subId };
      }
      case 'eth_unsubscribe':
        return { jsonrpc: '2.0', id, result: c.subs.delete(String(p[0])) };
      default:
        return { jsonrpc: '2.0', id, result: { echo: p[0] ?? null } };
    }
  }

  private close(gen: number): void {
    const conn = this.conns.get(gen);
    if (!conn) return;
    conn.open = false;
    conn.inbox = [];
  }
}

/** The tag a subscription's params carry (`[kind, {tag}]`). */
export function tagOf(params: Json): number | null {
  if (!Array.isArray(params)) return null;
  const opts = params[1];
  return opts && typeof opts === 'object' && !Array.isArray(opts) && typeof opts.tag === 'number'
    ? opts.tag
    : null;
}

/** Canonical (node-like) or another valid JSON form of a message. */
function encode(msg: Json, canonical: boolean): string {
  if (canonical) return JSON.stringify(msg);
  if (msg && typeof msg === 'object' && !Array.isArray(msg)) {
    const reversed = Object.fromEntries(Object.entries(msg).reverse());
    return JSON.stringify(reversed, null, 1);
  }
  return JSON.stringify(msg, null, 1);
}

// ---- checker: what the client saw ------------------------------------------------------

function isObj(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follows the client's frames as they arrive and checks notifications on the way. */
class Checker {
  readonly live = new Set<string>();
  readonly seen = new Set<string>();
  readonly answers: Json[] = [];
  private readonly noteTag = new Map<string, number | null>();
  private readonly candidates = new Map<string, Set<number | null>>();
  private consumed = 0;

  constructor(private readonly h: Harness) {}

  consume(): void {
    for (; this.consumed < this.h.frames.length; this.consumed++) {
      const frame = JSON.parse(this.h.frames[this.consumed]) as Json;
      if (isObj(frame) && frame.method === 'eth_subscription') this.note(frame);
      else this.answer(frame);
    }
  }

  kill(sub: string): void {
    this.live.delete(sub);
  }

  private note(frame: Record<string, Json>): void {
    const params = frame.params;
    if (!isObj(params) || typeof params.subscription !== 'string') throw new Error('bad note');
    const sub = params.subscription;
    if (!this.live.has(sub)) throw new Error(`notification for ${sub}, not a live subscription`);
    const result = params.result;
    const tag = isObj(result) && typeof result.tag === 'number' ? result.tag : null;
    if (!this.candidates.get(sub)?.has(tag)) {
      throw new Error(`notification under ${sub} for params of another subscription (${tag})`);
    }
    const first = this.noteTag.get(sub);
    if (first !== undefined && first !== tag) {
      throw new Error(`subscription ${sub} switched params: ${first} then ${tag}`);
    }
    this.noteTag.set(sub, tag);
  }

  private answer(frame: Json): void {
    this.answers.push(frame);
    for (const el of Array.isArray(frame) ? frame : [frame]) {
      if (!isObj(el) || typeof el.result !== 'string') continue;
      const sub = el.result;
      if (this.live.has(sub)) throw new Error(`subscription id ${sub} handed out twice`);
      this.live.add(sub);
      this.seen.add(sub);
      this.noteTag.delete(sub);
      const idJson = JSON.stringify(el.id);
      const tags = new Set<number | null>();
      for (const u of this.h.units) {
        for (const e of 'single' in u ? [u.single] : u.batch) {
          if (e.kind === 'subscribe' && e.idJson === idJson) tags.add(e.tag);
        }
      }
      this.candidates.set(sub, tags);
    }
  }
}

function compatible(e: Expect, a: Json): boolean {
  if (!isObj(a) || JSON.stringify(a.id) !== e.idJson) return false;
  if (isObj(a.error)) {
    if (e.kind === 'invalid') return a.error.code === -32600;
    if (e.kind === 'denied') return a.error.code === -32601;
    return true;
  }
  if (!('result' in a)) return false;
  const r = a.result;
  switch (e.kind) {
    case 'call':
      return isObj(r) && r.echo === e.tag;
    case 'subscribe':
      return typeof r === 'string';
    case 'unsubscribe':
      return typeof r === 'boolean';
    default:
      return false;
  }
}

function unitMatches(u: Unit, a: Json): boolean {
  if ('single' in u) return !Array.isArray(a) && compatible(u.single, a);
  return (
    Array.isArray(a) && a.length === u.batch.length && u.batch.every((e, i) => compatible(e, a[i]))
  );
}

/** Every request unit answered by exactly one frame, every answer frame for one unit. */
function expectPerfectMatching(units: Unit[], answers: Json[]): void {
  if (units.length !== answers.length) {
    throw new Error(`${units.length} requests expecting an answer, ${answers.length} answers`);
  }
  const owner = new Array<number>(answers.length).fill(-1);
  const tryUnit = (u: number, visited: boolean[]): boolean => {
    for (let a = 0; a < answers.length; a++) {
      if (visited[a] || !unitMatches(units[u], answers[a])) continue;
      visited[a] = true;
      if (owner[a] < 0 || tryUnit(owner[a], visited)) {
        owner[a] = u;
        return true;
      }
    }
    return false;
  };
  units.forEach((unit, u) => {
    if (!tryUnit(u, new Array<boolean>(answers.length).fill(false))) {
      throw new Error(`no answer for ${JSON.stringify(unit)}`);
    }
  });
}

// ---- the scripted run ---------------------------------------------------------------

type ReqKind =
  'call' | 'sub-heads' | 'sub-logs' | 'unsub' | 'notify' | 'invalid' | 'no-method' | 'denied';
interface Req {
  readonly id: Json;
  readonly kind: ReqKind;
  readonly pick: number;
}

type Step =
  | { readonly k: 'single'; readonly req: Req }
  | { readonly k: 'batch'; readonly reqs: readonly Req[] }
  | { readonly k: 'answer'; readonly pick: number; readonly canonical: boolean }
  | { readonly k: 'notify'; readonly pick: number; readonly canonical: boolean }
  | { readonly k: 'drop'; readonly pick: number }
  | { readonly k: 'attach'; readonly refuses: boolean; readonly drainOld: boolean }
  | { readonly k: 'tick'; readonly ms: number }
  | { readonly k: 'noise'; readonly pick: number }
  | { readonly k: 'shutdown' };

// Client ids: numbers, strings, null, objects, arrays; few of them, so they repeat.
const idArb: fc.Arbitrary<Json> = fc.constantFrom<Json>(
  1,
  2,
  'a',
  null,
  { x: 1 },
  [1],
  0,
  '0x1',
  1.5,
);
const reqArb: fc.Arbitrary<Req> = fc.record({
  id: idArb,
  kind: fc.constantFrom<ReqKind>(
    'call',
    'call',
    'call',
    'sub-heads',
    'sub-logs',
    'unsub',
    'unsub',
    'notify',
    'invalid',
    'no-method',
    'denied',
  ),
  pick: fc.nat(),
});
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 120, arbitrary: fc.record({ k: fc.constant('single' as const), req: reqArb }) },
  {
    weight: 40,
    arbitrary: fc.record({
      k: fc.constant('batch' as const),
      reqs: fc.array(reqArb, { maxLength: 5 }),
    }),
  },
  {
    weight: 160,
    arbitrary: fc.record({
      k: fc.constant('answer' as const),
      pick: fc.nat(),
      canonical: fc.boolean(),
    }),
  },
  {
    weight: 80,
    arbitrary: fc.record({
      k: fc.constant('notify' as const),
      pick: fc.nat(),
      canonical: fc.boolean(),
    }),
  },
  { weight: 40, arbitrary: fc.record({ k: fc.constant('drop' as const), pick: fc.nat() }) },
  {
    weight: 40,
    arbitrary: fc.record({
      k: fc.constant('attach' as const),
      refuses: fc.constantFrom(false, false, false, true),
      drainOld: fc.boolean(),
    }),
  },
  {
    weight: 20,
    arbitrary: fc.record({ k: fc.constant('tick' as const), ms: fc.nat({ max: 40_000 }) }),
  },
  { weight: 20, arbitrary: fc.record({ k: fc.constant('noise' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ k: 'shutdown' as const }) },
);

class Run {
  readonly h = new Harness();
  readonly checker = new Checker(this.h);
  private tag = 0;
  private hash = 0;

  step(s: Step): void {
    const { h } = this;
    switch (s.k) {
      case 'single': {
        if (h.closed) return;
        const { el, expect: wanted, unsub } = this.element(s.req);
        const wasLive = unsub !== undefined && this.checker.live.has(unsub);
        h.send(el, wanted ? { single: wanted } : null);
        this.checker.consume();
        if (unsub !== undefined) {
          this.checker.kill(unsub);
          // answered at once, from the session's own state
          expect(h.lastEmitted).toHaveLength(1);
          expect((JSON.parse(h.lastEmitted[0]) as { result: boolean }).result).toBe(wasLive);
        }
        return;
      }
      case 'batch': {
        if (h.closed) return;
        const parts = s.reqs.map((r) => this.element(r));
        const expects = parts.flatMap((p) => (p.expect ? [p.expect] : []));
        const unit: Unit | null =
          s.reqs.length === 0
            ? { single: { idJson: 'null', kind: 'invalid', tag: -1 } }
            : s.reqs.length > TEST_LIMITS.maxBatchSize
              ? { single: { idJson: 'null', kind: 'invalid', tag: -1 } }
              : expects.length > 0
                ? { batch: expects }
                : null;
        h.send(
          parts.map((p) => p.el),
          unit,
        );
        if (s.reqs.length <= TEST_LIMITS.maxBatchSize) {
          for (const p of parts) if (p.unsub !== undefined) this.checker.kill(p.unsub);
        }
        break;
      }
      case 'answer':
        h.answer(s.pick, s.canonical);
        break;
      case 'notify':
        h.notify(s.pick, s.canonical, `0x${(++this.hash).toString(16)}`);
        break;
      case 'drop': {
        const open = h.openConns();
        if (open.length > 0) h.drop(open[s.pick % open.length].gen);
        break;
      }
      case 'attach':
        if (!h.closed) h.attach(s.refuses, s.drainOld);
        break;
      case 'tick':
        h.tick(s.ms);
        break;
      case 'noise':
        h.noise(s.pick);
        break;
      case 'shutdown':
        if (!h.closed) {
          h.core.shutdown('no-node', '1');
          h.closedWith = { code: 1013, reason: 'deadline' };
        }
        break;
      default: {
        const never: never = s;
        throw new Error(String(never));
      }
    }
    this.checker.consume();
  }

  /** After the script: settle, then check every promise of the session. */
  finish(): void {
    const { h, checker } = this;
    h.settle();
    checker.consume();
    expectPerfectMatching(h.units, checker.answers);
    if (h.closed) {
      expect(h.subscriptionGauge).toBe(0);
      return;
    }
    const stats = h.core.stats();
    expect(stats).toEqual({
      pending: 0,
      queued: 0,
      subscriptions: checker.live.size,
      connections: 1,
    });
    expect(h.subscriptionGauge).toBe(checker.live.size);
    // Every live subscription exists exactly once on the serving node, and only those.
    const gen = h.core.currentGen();
    const conn = gen === null ? undefined : h.conns.get(gen);
    if (!conn) throw new Error('no serving connection after settle');
    expect(conn.subs.size).toBe(checker.live.size);
    const before = h.frames.length;
    for (const [id, params] of conn.subs) h.emitNote(conn, id, params, true, `0xf${++this.hash}`);
    checker.consume();
    const got = h.frames
      .slice(before)
      .map((f) => (JSON.parse(f) as { params: { subscription: string } }).params.subscription);
    expect(got.sort()).toEqual([...checker.live].sort());
  }

  private element(r: Req): { el: Json; expect: Expect | null; unsub?: string } {
    const tag = ++this.tag;
    const idJson = JSON.stringify(r.id);
    switch (r.kind) {
      case 'call':
        return {
          el: { jsonrpc: '2.0', id: r.id, method: 'eth_call', params: [tag] },
          expect: { idJson, kind: 'call', tag },
        };
      case 'sub-heads':
      case 'sub-logs': {
        const params = [r.kind === 'sub-heads' ? 'newHeads' : 'logs', { tag }];
        return {
          el: { jsonrpc: '2.0', id: r.id, method: 'eth_subscribe', params },
          expect: { idJson, kind: 'subscribe', tag },
        };
      }
      case 'unsub': {
        const known = [...this.checker.seen, '0xbogus'];
        const target = known[r.pick % known.length];
        return {
          el: { jsonrpc: '2.0', id: r.id, method: 'eth_unsubscribe', params: [target] },
          expect: { idJson, kind: 'unsubscribe', tag },
          unsub: target,
        };
      }
      case 'notify':
        return { el: { jsonrpc: '2.0', method: 'eth_call', params: [tag] }, expect: null };
      case 'invalid':
        return { el: 42, expect: { idJson: 'null', kind: 'invalid', tag } };
      case 'no-method': {
        // not a call: its id comes back only when it is a JSON-RPC id
        const rpcId = r.id === null || typeof r.id === 'string' || typeof r.id === 'number';
        return {
          el: { jsonrpc: '2.0', id: r.id, params: [] },
          expect: { idJson: rpcId ? idJson : 'null', kind: 'invalid', tag },
        };
      }
      case 'denied':
        return {
          el: { jsonrpc: '2.0', id: r.id, method: 'admin_peers' },
          expect: { idJson, kind: 'denied', tag },
        };
      default: {
        const never: never = r.kind;
        throw new Error(String(never));
      }
    }
  }
}

describe('SessionCore properties', () => {
  it('answers every client request exactly once with its own id and delivers nothing else', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
        const run = new Run();
        for (const s of steps) run.step(s);
        run.finish();
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps every subscription across any sequence of planned and unplanned switches', () => {
    const switchy = fc.array(
      fc.oneof(
        {
          weight: 2,
          arbitrary: fc.record({
            k: fc.constant('single' as const),
            req: reqArb.map((r) => ({
              ...r,
              kind: (r.pick % 2 === 0 ? 'sub-heads' : 'sub-logs') as ReqKind,
            })),
          }),
        },
        {
          weight: 3,
          arbitrary: fc.record({
            k: fc.constant('attach' as const),
            refuses: fc.constant(false),
            drainOld: fc.boolean(),
          }),
        },
        { weight: 2, arbitrary: fc.record({ k: fc.constant('drop' as const), pick: fc.nat() }) },
        {
          weight: 6,
          arbitrary: fc.record({
            k: fc.constant('answer' as const),
            pick: fc.nat(),
            canonical: fc.boolean(),
          }),
        },
        {
          weight: 3,
          arbitrary: fc.record({
            k: fc.constant('notify' as const),
            pick: fc.nat(),
            canonical: fc.boolean(),
          }),
        },
      ),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(switchy, (steps) => {
        const run = new Run();
        run.step({ k: 'attach', refuses: false, drainOld: true });
        for (const s of steps) run.step(s);
        run.finish();
      }),
      { numRuns: 1000 },
    );
  });
});
