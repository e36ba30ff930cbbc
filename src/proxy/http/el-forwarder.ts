import { type Config } from '../../config';
import { type ElNodeState } from '../../health/node-state';
import {
  type AttemptFailure,
  invalidAnswer,
  retryAfterSeconds,
  statusFailure,
} from '../failover/attempt-failure';
import { type Failover, type FailoverResult } from '../failover/failover.service';
import { type ResendRule } from '../failover/retry-rule';
import { type RpcErrorKind, rpcErrorText } from '../jsonrpc/jsonrpc.errors';
import { type BatchPayload, type SinglePayload, type WireCall } from '../jsonrpc/jsonrpc.payload';
import { isPlainId, scanArray } from '../jsonrpc/json-scan';
import { type LayerSelector, NOTHING_TRIED, Refusal } from '../routing/layer-selector';
import { type RoutingRequest } from '../routing/routing-strategy';
import { type BufferedResponse, requestBuffered } from '../upstream/buffered-request';
import { type ElUpstream } from '../upstream/upstream';
import { type ElAnswer, HTTP_STATUS_OF_RPC_ERROR, JSON_CONTENT_TYPE } from './el-answer';
import { alreadyKnownAnswer, answersOf, rewriteAlreadyKnown, upstreamBody } from './el-calls';

export interface ElForwarderDeps {
  readonly failover: Failover;
  readonly selector: LayerSelector<ElNodeState>;
  /** The current config (timeouts, retries and limits follow reloads). */
  readonly config: () => Config;
  /** The retry-safety rule of the current config. */
  readonly resendRule: () => ResendRule;
}

/** One POST /el request on its way to the nodes. */
export interface ElRequest {
  readonly payload: SinglePayload | BatchPayload;
  /** The client's bytes. */
  readonly body: Buffer;
  readonly contentType: string;
  readonly routing: RoutingRequest;
  /** X-Request-Id, forwarded to the node. */
  readonly requestId: string;
  /** Called with a node's answer to each call (the answer cache keeps what it may). */
  readonly onAnswer?: (call: WireCall, answer: Buffer) => void;
}

/** The answer to one call: a node's (status 200) or Vixy's error. */
interface CallAnswer {
  readonly text: Buffer | string;
  readonly status: number;
  readonly retryAfter?: number;
}

type Failed = Extract<FailoverResult<ElNodeState, unknown>, { ok: false }>;

function toElAnswer(answer: CallAnswer): ElAnswer {
  const { text, status, retryAfter } = answer;
  return {
    status,
    contentType: JSON_CONTENT_TYPE,
    body: text,
    ...(retryAfter ? { retryAfter } : {}),
  };
}

const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');
const COMMA = Buffer.from(',');

/**
 * The attempts of one POST /el request, through the failover core.
 *
 * The usual request (a call, or a batch that one node takes whole, with ids every node
 * echoes) goes upstream as the client's bytes and its answer comes back as the node's
 * bytes. Vixy assembles requests itself only when it must: a batch with calls it
 * answered (denied, invalid), ids a node would not echo exactly, a batch larger than
 * one node's budget (split across nodes, one token per call), and a batch whose node
 * failed after it may have received calls that must not run twice (the others are
 * re-sent, those are answered "not re-sent"). Answers are always in the client's order,
 * with the client's ids byte for byte.
 */
export class ElForwarder {
  constructor(private readonly deps: ElForwarderDeps) {}

  forward(req: ElRequest): Promise<ElAnswer> {
    const { payload } = req;
    if (payload.kind === 'single') {
      const { idRaw } = payload.call;
      if (idRaw === undefined || isPlainId(idRaw)) return this.whole(req, [payload.call]);
      return this.assembled(req, [payload.call], NOTHING_TRIED);
    }
    if (payload.locals === 0 && payload.plainIds) return this.whole(req, payload.calls);
    return this.assembled(req, payload.calls, NOTHING_TRIED);
  }

  /** The client's bytes to one node; its answer passed on as it is. */
  private async whole(req: ElRequest, calls: readonly WireCall[]): Promise<ElAnswer> {
    const rule = this.deps.resendRule();
    const result = await this.deps.failover.run({
      selector: this.deps.selector,
      routing: req.routing,
      calls: calls.length,
      resendable: everyResendable(calls, rule),
      attempt: (upstream) =>
        this.send(upstream, req.body, req.contentType, req.requestId, expectsAnswer(calls)),
    });
    const batch = req.payload.kind === 'batch';
    if (result.ok) {
      const { value } = result;
      if (req.onAnswer && value.status === 200)
        passedAnswers(value.body, calls, batch, req.onAnswer);
      const body = (result.retried && rewriteAlreadyKnown(value.body, calls, batch)) || value.body;
      return { status: value.status, contentType: value.contentType ?? JSON_CONTENT_TYPE, body };
    }
    // A batch the first node could not take whole, or that must be taken apart.
    const budgetShort = result.failure === null && result.refusal?.reason === 'rate_limited';
    if (batch && (budgetShort || result.notResent)) {
      return this.assembled(req, calls, budgetShort ? NOTHING_TRIED : result.tried, result);
    }
    const response = result.failure?.response as BufferedResponse | undefined;
    // A node's own JSON answer (usually a JSON-RPC error) says more than ours would.
    if (result.failure?.kind === 'http_5xx' && response && isJson(response.body)) {
      const contentType = response.contentType ?? JSON_CONTENT_TYPE;
      return { status: response.status, contentType, body: response.body };
    }
    const answers = calls.map((call) => this.failed(call, result));
    return batch ? this.combine(req.payload as BatchPayload, answers) : toElAnswer(answers[0]);
  }

  /** Calls sent with proxy-owned ids, in shares as budgets allow; answers reassembled. */
  private async assembled(
    req: ElRequest,
    calls: readonly WireCall[],
    tried: readonly ElUpstream[],
    previous?: Failed,
  ): Promise<ElAnswer> {
    const rule = this.deps.resendRule();
    let answers: (CallAnswer | undefined)[];
    if (previous?.notResent) {
      // The node may have run them: the calls that must not run twice are not re-sent.
      const again = calls.filter((c) => rule(c.call.method));
      const redone = await this.settle(req, again, tried);
      answers = calls.map((call) =>
        rule(call.call.method) ? redone[again.indexOf(call)] : this.failed(call, previous),
      );
    } else {
      answers = await this.settle(req, calls, tried);
    }
    if (req.payload.kind === 'single') return toElAnswer(answers[0] ?? this.noAnswer(calls[0]));
    return this.combine(req.payload, answers, calls);
  }

  /** Answers for `calls` (undefined for notifications), splitting them as budgets allow. */
  private async settle(
    req: ElRequest,
    calls: readonly WireCall[],
    tried: readonly ElUpstream[],
  ): Promise<(CallAnswer | undefined)[]> {
    if (calls.length === 0) return [];
    const routing = routingOf(calls);
    const reserved = this.deps.selector.reserve(routing, tried, calls.length);
    if (reserved instanceof Refusal) {
      if (reserved.reason === 'rate_limited') this.deps.failover.countRateLimited('el');
      return calls.map((call) => refusalAnswer(call, reserved));
    }
    const { upstream, granted } = reserved;
    if (granted >= calls.length) return this.share(req, calls, routing, upstream, tried);
    const [now, later] = await Promise.all([
      this.share(req, calls.slice(0, granted), routingOf(calls.slice(0, granted)), upstream, tried),
      this.settle(req, calls.slice(granted), tried),
    ]);
    return [...now, ...later];
  }

  /** One share of calls to `first` (its budget already charged), with failover. */
  private async share(
    req: ElRequest,
    calls: readonly WireCall[],
    routing: RoutingRequest,
    first: ElUpstream,
    tried: readonly ElUpstream[],
  ): Promise<(CallAnswer | undefined)[]> {
    const rule = this.deps.resendRule();
    const body = upstreamBody(calls);
    const result = await this.deps.failover.run({
      selector: this.deps.selector,
      routing,
      calls: calls.length,
      resendable: everyResendable(calls, rule),
      first,
      tried,
      attempt: (upstream) =>
        this.send(upstream, body, JSON_CONTENT_TYPE, req.requestId, expectsAnswer(calls)),
    });
    if (result.ok) {
      const parsed = answersOf(result.value.body, calls);
      return calls.map((call, i) => {
        if (call.idRaw === undefined) return undefined;
        const answer = parsed[i];
        if (answer === undefined) return this.noAnswer(call);
        const known = result.retried ? alreadyKnownAnswer(answer, call) : undefined;
        if (known === undefined) req.onAnswer?.(call, answer);
        return { text: known ?? answer, status: 200 };
      });
    }
    if (result.notResent) {
      const again = calls.filter((c) => rule(c.call.method));
      const redone = await this.settle(req, again, result.tried);
      return calls.map((call) =>
        rule(call.call.method) ? redone[again.indexOf(call)] : this.failed(call, result),
      );
    }
    const response = result.failure?.response as BufferedResponse | undefined;
    const nodeAnswers =
      result.failure?.kind === 'http_5xx' && response && isJson(response.body)
        ? answersOf(response.body, calls)
        : undefined;
    return calls.map((call, i) => {
      if (call.idRaw === undefined) return undefined;
      const own = nodeAnswers?.[i];
      return own ? { text: own, status: 200 } : this.failed(call, result);
    });
  }

  private send(
    upstream: ElUpstream,
    body: Buffer,
    contentType: string,
    requestId: string,
    answerExpected: boolean,
  ): Promise<BufferedResponse | AttemptFailure> {
    const { global, proxy } = this.deps.config();
    const timeout = global.proxy_timeout_ms;
    return requestBuffered(
      upstream.pool,
      {
        method: 'POST',
        path: upstream.target.path,
        headers: headersFor(upstream, contentType, requestId),
        body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      },
      proxy.max_response_bytes,
    ).then((response) => (answerExpected ? checkAnswer(response) : checkStatus(response)));
  }

  /** What the client of a call hears when no node answered it. */
  private failed(call: WireCall, result: Failed): CallAnswer {
    const { failure, refusal } = result;
    if (failure === null) return refusalAnswer(call, refusal ?? new Refusal('no_node', 0));
    const { kind, detail, status } = this.errorOf(failure);
    if (result.notResent) {
      return callError(call, 'not-resent', failure.message, status);
    }
    const retryAfter =
      kind === 'rate-limited' ? retryAfterSeconds(failure.retryAfterMs ?? 0) : undefined;
    return { ...callError(call, kind, detail, status), retryAfter };
  }

  private errorOf(failure: AttemptFailure): { kind: RpcErrorKind; detail: string; status: number } {
    const { global, proxy } = this.deps.config();
    const pick = (kind: RpcErrorKind, detail: string) => ({
      kind,
      detail,
      status: HTTP_STATUS_OF_RPC_ERROR[kind],
    });
    switch (failure.kind) {
      case 'timeout':
        return pick('timeout', String(global.proxy_timeout_ms));
      case 'connect':
      case 'aborted':
        return pick('unreachable', failure.message);
      case 'http_5xx':
      case 'invalid':
        return pick('bad-response', failure.message);
      case 'rate_limited':
        return pick('rate-limited', String(retryAfterSeconds(failure.retryAfterMs ?? 0)));
      case 'too_large':
        return pick('too-large', String(proxy.max_response_bytes));
      default: {
        const never: never = failure.kind;
        throw new Error(`unknown failure kind ${String(never)}`);
      }
    }
  }

  private noAnswer(call: WireCall): CallAnswer {
    return callError(call, 'bad-response', 'the node did not answer this call');
  }

  /** A batch answer in the client's order; 200 unless no call got an answer from a node. */
  private combine(
    payload: BatchPayload,
    answers: readonly (CallAnswer | undefined)[],
    calls: readonly WireCall[] = payload.calls,
  ): ElAnswer {
    const byCall = new Map<WireCall, CallAnswer | undefined>();
    calls.forEach((call, i) => byCall.set(call, answers[i]));
    const parts: Buffer[] = [OPEN];
    let first: CallAnswer | undefined;
    let anyNode = false;
    let retryAfter: number | undefined;
    for (const element of payload.elements) {
      const answer = element.call ? byCall.get(element.call) : undefined;
      const text = element.local ?? answer?.text ?? this.noAnswer(element.call!).text;
      if (parts.length > 1) parts.push(COMMA);
      parts.push(typeof text === 'string' ? Buffer.from(text) : text);
      if (answer) {
        first ??= answer;
        if (answer.status === 200) anyNode = true;
        retryAfter ??= answer.retryAfter;
      } else if (element.ok) {
        anyNode = true;
      }
    }
    parts.push(CLOSE);
    // 200 when a node answered anything; else the status of the first error, or that of
    // a batch answered entirely by Vixy (400 invalid, 403 denied).
    const status = anyNode
      ? 200
      : first !== undefined
        ? first.status
        : payload.hasInvalid
          ? 400
          : 403;
    return {
      status,
      contentType: JSON_CONTENT_TYPE,
      body: Buffer.concat(parts),
      ...(status === 429 && retryAfter !== undefined ? { retryAfter } : {}),
    };
  }
}

/** The elements of an answer passed through as the node sent it, to each call by its id. */
function passedAnswers(
  body: Buffer,
  calls: readonly WireCall[],
  batch: boolean,
  onAnswer: (call: WireCall, answer: Buffer) => void,
): void {
  if (!batch) {
    if (calls[0].idRaw !== undefined) onAnswer(calls[0], body);
    return;
  }
  const taken = new Set<WireCall>();
  for (const element of scanArray(body) ?? []) {
    if (!element.id) continue;
    const id = body.toString('utf8', element.id.start, element.id.end);
    const call = calls.find((c) => c.idRaw === id && !taken.has(c));
    if (call === undefined) continue;
    taken.add(call);
    onAnswer(call, body.subarray(element.span.start, element.span.end));
  }
}

function callError(
  call: WireCall,
  kind: RpcErrorKind,
  detail: string,
  status?: number,
): CallAnswer {
  return {
    text: rpcErrorText(call.idRaw ?? 'null', kind, detail),
    status: status ?? HTTP_STATUS_OF_RPC_ERROR[kind],
  };
}

function refusalAnswer(call: WireCall, refusal: Refusal): CallAnswer {
  if (refusal.reason === 'no_node') return callError(call, 'no-node', '');
  const seconds = retryAfterSeconds(refusal.retryAfterMs);
  return { ...callError(call, 'rate-limited', String(seconds)), retryAfter: seconds };
}

function everyResendable(calls: readonly WireCall[], rule: ResendRule): boolean {
  for (let i = 0; i < calls.length; i++) if (!rule(calls[i].call.method)) return false;
  return true;
}

function expectsAnswer(calls: readonly WireCall[]): boolean {
  for (let i = 0; i < calls.length; i++) if (calls[i].idRaw !== undefined) return true;
  return false;
}

function routingOf(calls: readonly WireCall[]): RoutingRequest {
  return { transport: 'http', methods: calls.map((c) => c.call.method) };
}

function headersFor(upstream: ElUpstream, contentType: string, requestId: string): string[] {
  const base =
    contentType === JSON_CONTENT_TYPE
      ? upstream.jsonHeaders
      : ['content-type', contentType, ...upstream.jsonHeaders.slice(2)];
  return [...base, 'x-request-id', requestId];
}

/** A node's 429 or 5xx fails the attempt. */
function checkStatus(
  response: BufferedResponse | AttemptFailure,
): BufferedResponse | AttemptFailure {
  if (!('status' in response)) return response;
  return statusFailure(response.status, response.retryAfter, response) ?? response;
}

/** As checkStatus, and an answer that cannot be JSON (empty, an HTML page) fails it too. */
function checkAnswer(
  response: BufferedResponse | AttemptFailure,
): BufferedResponse | AttemptFailure {
  const checked = checkStatus(response);
  if (checked !== response || !('status' in response)) return checked;
  return startsLikeJson(response.body) ? response : invalidAnswer(describeBody(response), response);
}

/**
 * Whether an answer can be a JSON-RPC response: its first non-blank byte opens an
 * object or an array. An empty body, an HTML error page or binary garbage with a 200
 * is a failed attempt (retried on another node), at the cost of one byte scan.
 */
function startsLikeJson(body: Buffer): boolean {
  for (const byte of body) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

/** `HTTP 404 with an empty body`, `HTTP 404 with a text/html body of 1234 bytes`. */
function describeBody(response: BufferedResponse): string {
  const { status, body, contentType } = response;
  if (body.length === 0) return `HTTP ${status} with an empty body`;
  const type = contentType?.split(';')[0].trim() || 'untyped';
  return `HTTP ${status} with a ${type} body of ${body.length} bytes, not JSON`;
}

function isJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
