import { Injectable } from '@nestjs/common';
import { type Counter } from 'prom-client';
import { ConfigStore } from '../../config';
import { NodeRegistry } from '../../health/node-registry.service';
import { type Layer, type NodeState } from '../../health/node-state';
import { VixyMetrics } from '../../metrics/metrics.service';
import { type Clock, InjectRateLimitClock } from '../rate-limit/rate-limit.constants';
import { type LayerSelector, NOTHING_TRIED, Refusal } from '../routing/layer-selector';
import { type RoutingRequest } from '../routing/routing-strategy';
import { type Upstream } from '../upstream/upstream';
import { AttemptFailure, DEFAULT_BACKOFF_MS } from './attempt-failure';

/** One request (a call, a batch or a share of it, a beacon API request) and how to send it. */
export interface FailoverRequest<N extends NodeState, R> {
  readonly selector: LayerSelector<N>;
  readonly routing: RoutingRequest;
  /** Calls the request takes from a node's budget (0: none, a WebSocket session). */
  readonly calls: number;
  /**
   * Whether the request may go to another node after it may have reached one (the
   * retry-safety rule); a request that was surely not sent always may.
   */
  readonly resendable: boolean;
  /** Nodes already tried for this request: not picked again. */
  readonly tried?: readonly Upstream<N>[];
  /** The node of the first attempt when the caller picked it (its budget already charged). */
  readonly first?: Upstream<N>;
  /** Sends the request to one node; resolves with the answer or the classified failure. */
  attempt(upstream: Upstream<N>): Promise<R | AttemptFailure>;
  /** A failed attempt's answer that will not be passed on (another node is tried): release it. */
  release?(failure: AttemptFailure): void;
}

export type FailoverResult<N extends NodeState, R> =
  | {
      readonly ok: true;
      readonly value: R;
      readonly upstream: Upstream<N>;
      /** Another node failed this request first. */
      readonly retried: boolean;
    }
  | {
      readonly ok: false;
      /** The last failed attempt (what the client is told about), or null when none was made. */
      readonly failure: AttemptFailure | null;
      /** Why no (further) node was picked, when that is what ended it. */
      readonly refusal: Refusal | null;
      /** The request may have reached a node and must not run twice: not re-sent. */
      readonly notResent: boolean;
      readonly tried: readonly Upstream<N>[];
    };

/**
 * The failover core of every path: POST /el (each call or share of a batch), /cl/*,
 * and the WebSocket re-sends. One loop: pick a node not tried yet for this request,
 * attempt, classify; after a retryable failure, another node while `max_retries`
 * allows and the retry-safety rule does. Every failed attempt is recorded in one place:
 * its metric, the passive health report (timeouts, connection failures) and the
 * back-off a 429 asks for.
 */
@Injectable()
export class Failover {
  private readonly retries: Record<Layer, Counter.Internal>;
  private readonly rateLimited: Record<Layer, Counter.Internal>;

  constructor(
    private readonly store: ConfigStore,
    private readonly registry: NodeRegistry,
    @InjectRateLimitClock() private readonly clock: Clock,
    metrics: VixyMetrics,
  ) {
    this.retries = { el: metrics.retries.labels('el'), cl: metrics.retries.labels('cl') };
    this.rateLimited = {
      el: metrics.rateLimited.labels('el'),
      cl: metrics.rateLimited.labels('cl'),
    };
  }

  async run<N extends NodeState, R>(req: FailoverRequest<N, R>): Promise<FailoverResult<N, R>> {
    const maxRetries = this.store.current.global.max_retries;
    const layer = req.selector.layer;
    let tried: readonly Upstream<N>[] = req.tried ?? NOTHING_TRIED;
    let picked = req.first ?? req.selector.pick(req.routing, tried, req.calls);
    if (picked instanceof Refusal) return this.refused(layer, picked, tried);
    for (;;) {
      const outcome = await this.attempt(picked, req);
      if (!(outcome instanceof AttemptFailure)) {
        return { ok: true, value: outcome, upstream: picked, retried: tried.length > 0 };
      }
      tried = tried.length === 0 ? [picked] : [...tried, picked];
      const last = { ok: false as const, failure: outcome, refusal: null, notResent: false, tried };
      if (!outcome.retryable || tried.length > maxRetries) return last;
      if (outcome.sent && !req.resendable) return { ...last, notResent: true };
      const next = req.selector.pick(req.routing, tried, req.calls);
      // No other node: the client hears about the last failure, not about the refusal.
      if (next instanceof Refusal) return last;
      req.release?.(outcome);
      this.retries[layer].inc();
      picked = next;
    }
  }

  /** A request refused because every eligible node is over its budget (vixy_rate_limited_total). */
  countRateLimited(layer: Layer): void {
    this.rateLimited[layer].inc();
  }

  /** Records a failed attempt: its metric, the passive health report, a 429 back-off. */
  record(upstream: Upstream, failure: AttemptFailure): void {
    if (failure.kind === 'aborted') return;
    upstream.metrics.errors[failure.kind].inc();
    if (failure.reported) {
      this.registry.reportFailure(upstream.layer, upstream.name, failure.message);
    }
    if (failure.kind === 'rate_limited') {
      upstream.budget.backOff(this.clock.now(), failure.retryAfterMs ?? DEFAULT_BACKOFF_MS);
    }
  }

  private async attempt<N extends NodeState, R>(
    upstream: Upstream<N>,
    req: FailoverRequest<N, R>,
  ): Promise<R | AttemptFailure> {
    const { metrics } = upstream;
    metrics.requests.inc();
    const start = performance.now();
    let outcome: R | AttemptFailure;
    try {
      outcome = await req.attempt(upstream);
    } catch (err) {
      // An attempt function that throws is a bug; never let it escape as a rejection.
      const message = `internal error: ${String(err)}`;
      outcome = new AttemptFailure('invalid', true, message, undefined, undefined, err);
    }
    const ms = performance.now() - start;
    if (outcome instanceof AttemptFailure && outcome.kind === 'aborted') return outcome;
    metrics.duration.observe(ms / 1000);
    if (outcome instanceof AttemptFailure) {
      if (outcome.kind === 'timeout') upstream.recordLatency(ms);
      this.record(upstream, outcome);
    } else {
      upstream.recordLatency(ms);
    }
    return outcome;
  }

  private refused<N extends NodeState>(
    layer: Layer,
    refusal: Refusal,
    tried: readonly Upstream<N>[],
  ): FailoverResult<N, never> {
    if (refusal.reason === 'rate_limited') this.rateLimited[layer].inc();
    return { ok: false, failure: null, refusal, notResent: false, tried };
  }
}
