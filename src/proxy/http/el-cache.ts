import { type AnswerCache } from '../cache/answer-cache.service';
import { type CachePlan, cachePolicy } from '../cache/cache-policy';
import {
  type BatchElement,
  type BatchPayload,
  type SinglePayload,
  type WireCall,
} from '../jsonrpc/jsonrpc.payload';
import { objectMembers } from '../jsonrpc/json-scan';
import { type ElAnswer, JSON_CONTENT_TYPE } from './el-answer';

const RESULT_KEYS = ['result', 'error'];

/** A payload after the cache: answered, or what is left to forward and how to store it. */
export type CacheStep =
  | { readonly kind: 'answered'; readonly answer: ElAnswer }
  | {
      readonly kind: 'forward';
      readonly payload: SinglePayload | BatchPayload;
      /** `x-vixy-cache` of the answer: `miss` when a cacheable call goes to a node. */
      readonly cache: 'miss' | undefined;
      /** Keeps a node's answer to a call (undefined: nothing to keep). */
      readonly store: ((call: WireCall, answer: Buffer) => void) | undefined;
    };

/**
 * The answer cache on POST /el, per call and per element of a batch: calls whose answer
 * can never change (cache-policy.ts, with the finalized height the nodes reported) are
 * answered from the cache with the caller's id and the node's result bytes; the others,
 * and misses, go to the nodes, and their answers are kept when the policy allows.
 */
export class ElCacheLayer {
  constructor(
    private readonly cache: AnswerCache,
    private readonly finalized: () => number | undefined,
  ) {}

  get enabled(): boolean {
    return this.cache.enabled;
  }

  step(payload: SinglePayload | BatchPayload): CacheStep | Promise<CacheStep> {
    const finalized = this.finalized();
    const calls = payload.kind === 'single' ? [payload.call] : payload.calls;
    const plans = new Map<WireCall, CachePlan>();
    const lookups: (string | undefined | Promise<string | undefined>)[] = [];
    let pending = false;
    for (const call of calls) {
      if (call.idRaw === undefined) continue;
      const plan = cachePolicy(call.call.method, call.call.params, finalized);
      if (plan === undefined) continue;
      plans.set(call, plan);
      const found = this.cache.lookup(plan);
      if (found instanceof Promise) pending = true;
      lookups.push(found);
    }
    if (plans.size === 0) return { kind: 'forward', payload, cache: undefined, store: undefined };
    if (!pending) return this.apply(payload, plans, lookups as (string | undefined)[]);
    return Promise.all(lookups).then((found) => this.apply(payload, plans, found));
  }

  private apply(
    payload: SinglePayload | BatchPayload,
    plans: Map<WireCall, CachePlan>,
    found: readonly (string | undefined)[],
  ): CacheStep {
    const hits = new Map<WireCall, string>();
    [...plans.keys()].forEach((call, i) => {
      const result = found[i];
      if (result !== undefined) hits.set(call, answerText(call, result));
    });
    const store = (call: WireCall, answer: Buffer): void => {
      const plan = plans.get(call);
      if (plan === undefined || hits.has(call)) return;
      const members = objectMembers(answer, RESULT_KEYS);
      const result = members?.get('result');
      if (result === undefined || members?.has('error')) return;
      this.cache.store(plan, answer.toString('utf8', result.start, result.end), this.finalized());
    };
    if (payload.kind === 'single') {
      const hit = hits.get(payload.call);
      if (hit !== undefined) return { kind: 'answered', answer: hitAnswer(hit) };
      return { kind: 'forward', payload, cache: 'miss', store };
    }
    if (hits.size === 0) return { kind: 'forward', payload, cache: 'miss', store };
    const elements: BatchElement[] = payload.elements.map((e) => {
      const hit = e.call && hits.get(e.call);
      return hit === undefined ? e : { local: hit, ok: true };
    });
    const calls = payload.calls.filter((c) => !hits.has(c));
    const rest: BatchPayload = { ...payload, calls, elements, locals: payload.locals + hits.size };
    if (calls.length === 0) {
      const body = `[${elements.map((e) => e.local).join(',')}]`;
      return { kind: 'answered', answer: hitAnswer(body) };
    }
    return { kind: 'forward', payload: rest, cache: 'miss', store };
  }
}

/** A JSON-RPC answer from a cached result: the caller's id as written, the node's bytes. */
function answerText(call: WireCall, result: string): string {
  return `{"jsonrpc":"2.0","id":${call.idRaw ?? 'null'},"result":${result}}`;
}

function hitAnswer(body: string): ElAnswer {
  return { status: 200, contentType: JSON_CONTENT_TYPE, body, cache: 'hit' };
}
