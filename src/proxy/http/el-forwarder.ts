import { type Counter } from 'prom-client';
import { type Config } from '../../config';
import { type NodeRegistry } from '../../health/node-registry.service';
import { type ElNodeState } from '../../health/node-state';
import { type LatencyTracker } from '../routing/latency-tracker.service';
import { type LayerSelector, NOTHING_TRIED, Refusal } from '../routing/layer-selector';
import { type BufferedResponse, requestBuffered } from '../upstream/buffered-request';
import { REPORTED_KINDS, UpstreamError } from '../upstream/upstream-errors';
import { type ElAnswer, JSON_CONTENT_TYPE, retryAfterMs } from './el-answer';
import { type ChannelSet, type NodeChannel } from './el-channels';
import {
  AttemptFailure,
  DEFAULT_BACKOFF_MS,
  type ElForward,
  failureAnswer,
  rateLimitedAnswer,
  requestError,
  successAnswer,
} from './el-outcome';

export type { ElForward } from './el-outcome';

export interface ElForwarderDeps {
  readonly channels: ChannelSet<ElNodeState>;
  readonly selector: LayerSelector<ElNodeState>;
  readonly registry: NodeRegistry;
  readonly tracker: LatencyTracker;
  readonly retries: Counter.Internal;
  readonly rateLimited: Counter.Internal;
  /** The current config (`max_retries` and `proxy_timeout_ms` follow reloads). */
  readonly config: () => Config;
  readonly now: () => number;
}

/**
 * The attempts of one EL request: a node per attempt from the selector, never the same
 * node twice, up to `max_retries` extra attempts after a connection failure, a
 * timeout, an HTTP 5xx or a 429; connection failures and timeouts are reported to the
 * registry so that following requests avoid the node at once.
 */
export class ElForwarder {
  constructor(private readonly deps: ElForwarderDeps) {}

  async forward(req: ElForward): Promise<ElAnswer> {
    const { selector } = this.deps;
    const { max_retries: maxRetries, proxy_timeout_ms: timeoutMs } = this.deps.config().global;
    let tried: readonly Readonly<ElNodeState>[] = NOTHING_TRIED;
    let picked = selector.pick(req.routing, tried);
    if (picked instanceof Refusal) return this.refusal(req, picked);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(this.deps.channels.of(picked), req, timeoutMs);
      if (!(outcome instanceof AttemptFailure)) return successAnswer(req, outcome, attempt > 0);
      tried = tried.length === 0 ? [picked] : [...tried, picked];
      const next = attempt < maxRetries ? selector.pick(req.routing, tried) : undefined;
      if (next === undefined || next instanceof Refusal)
        return failureAnswer(req, outcome, timeoutMs);
      this.deps.retries.inc();
      picked = next;
    }
  }

  private async attempt(
    channel: NodeChannel<ElNodeState>,
    req: ElForward,
    timeoutMs: number,
  ): Promise<BufferedResponse | AttemptFailure> {
    const { node, upstream } = channel;
    const headers =
      req.contentType === JSON_CONTENT_TYPE
        ? channel.jsonHeaders
        : headersOf(channel, req.contentType);
    channel.requests.inc();
    const start = performance.now();
    const response = await requestBuffered(upstream.pool, {
      method: 'POST',
      path: upstream.target.path,
      headers,
      body: req.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const ms = performance.now() - start;
    channel.duration.observe(ms / 1000);
    if (response instanceof UpstreamError) return this.failed(channel, response, ms);
    this.deps.tracker.record(node, ms);
    const { status } = response;
    if (status === 429) {
      const now = this.deps.now();
      channel.budget.backOff(
        now,
        retryAfterMs(response.retryAfter, Date.now(), DEFAULT_BACKOFF_MS),
      );
      channel.errors.rate_limited.inc();
      return new AttemptFailure('rate_limited', response);
    }
    if (status >= 500) {
      channel.errors.http_5xx.inc();
      return new AttemptFailure('http_5xx', response);
    }
    if (expectsAnswer(req) && !startsLikeJson(response.body)) {
      channel.errors.invalid.inc();
      return new AttemptFailure('invalid', response);
    }
    return response;
  }

  private failed(
    channel: NodeChannel<ElNodeState>,
    error: UpstreamError,
    ms: number,
  ): AttemptFailure {
    const kind = error.kind === 'aborted' ? 'connect' : error.kind;
    if (kind === 'timeout') this.deps.tracker.record(channel.node, ms);
    channel.errors[kind].inc();
    if (REPORTED_KINDS.has(kind))
      this.deps.registry.reportFailure('el', channel.node.name, error.message);
    return new AttemptFailure(kind, undefined, error);
  }

  private refusal(req: ElForward, refusal: Refusal): ElAnswer {
    if (refusal.reason === 'rate_limited') {
      this.deps.rateLimited.inc();
      return rateLimitedAnswer(req, refusal.retryAfterMs);
    }
    return requestError(req, 'no-node');
  }
}

function headersOf(channel: NodeChannel<ElNodeState>, contentType: string): string[] {
  const { authorization } = channel.upstream.target;
  return authorization === undefined
    ? ['content-type', contentType]
    : ['content-type', contentType, 'authorization', authorization];
}

function expectsAnswer(req: ElForward): boolean {
  return req.calls.some((c) => c.id !== undefined);
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
