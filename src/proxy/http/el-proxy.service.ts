import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { type Config, CONFIG_UPDATE, ConfigStore } from '../../config';
import { VixyMetrics } from '../../metrics/metrics.service';
import { type BoundCounter, boundCounter } from '../../metrics/bound-children';
import { methodLabel } from '../../metrics/rpc-methods';
import { AnswerCache } from '../cache/answer-cache.service';
import { Failover } from '../failover/failover.service';
import { createResendRule, type ResendRule } from '../failover/retry-rule';
import {
  createDenyMatcher,
  methodsOf,
  parsePayload,
  type PayloadLimits,
} from '../jsonrpc/jsonrpc.payload';
import { NodeSelector } from '../routing/node-selector.service';
import { type ElAnswer, errorAnswer, JSON_CONTENT_TYPE } from './el-answer';
import { ElCacheLayer, type CacheStep } from './el-cache';
import { ElFinality } from './el-finality.service';
import { ElForwarder } from './el-forwarder';
import { filterStep, hasFilterCall } from './el-filters';
import { ChainFollower } from '../ws/chain-follower.service';

const EMPTY = Buffer.alloc(0);

/**
 * POST /el (and every call of /el/ws): parses the JSON-RPC payload once, answers what it
 * can by itself (parse errors, invalid requests, denied methods, limits, Vixy's own
 * filters), counts the calls by method and
 * hands the rest to the forwarder. The client's bytes are forwarded as they came unless
 * Vixy must assemble the request (see ElForwarder).
 */
@Injectable()
export class ElProxy {
  private limits: PayloadLimits;
  private resendRule: ResendRule;
  private readonly forwarder: ElForwarder;
  private readonly cache: ElCacheLayer;
  /** `vixy_el_rpc_requests_total` children by method label (a bounded set): forwarded calls. */
  private readonly methodCounters = new Map<string, BoundCounter>();

  constructor(
    store: ConfigStore,
    selector: NodeSelector,
    failover: Failover,
    private readonly metrics: VixyMetrics,
    cache: AnswerCache,
    finality: ElFinality,
    private readonly chain: ChainFollower,
  ) {
    this.cache = new ElCacheLayer(cache, () => finality.height);
    this.limits = limitsOf(store.current);
    this.resendRule = createResendRule(store.current.proxy.no_retry_methods);
    this.forwarder = new ElForwarder({
      failover,
      selector: selector.el,
      config: () => store.current,
      resendRule: () => this.resendRule,
    });
  }

  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate({ next }: { next: Config }): void {
    this.limits = limitsOf(next);
    this.resendRule = createResendRule(next.proxy.no_retry_methods);
  }

  /** Answers one POST /el body (`undefined`: no body). Never rejects for a client or node error. */
  handle(
    body: Buffer | undefined,
    contentType: string | undefined,
    requestId: string,
  ): Promise<ElAnswer> | ElAnswer {
    const bytes = body ?? EMPTY;
    const payload = parsePayload(bytes, this.limits);
    if (payload.kind === 'rejected') {
      return errorAnswer(payload.error, payload.idJson, payload.detail);
    }
    if (payload.kind === 'single') this.count(payload.call.call.method);
    else for (const call of payload.calls) this.count(call.call.method);
    let forwarded = payload;
    if (hasFilterCall(payload)) {
      const step = filterStep(this.chain, payload);
      if (step.kind === 'answered') return step.answer;
      forwarded = step.payload;
    }
    const request = {
      payload: forwarded,
      body: bytes,
      contentType: contentType ?? JSON_CONTENT_TYPE,
      routing: { transport: 'http' as const, methods: methodsOf(forwarded) },
      requestId,
    };
    if (!this.cache.enabled) return this.forwarder.forward(request);
    const step = this.cache.step(forwarded);
    return step instanceof Promise
      ? step.then((s) => this.afterCache(request, s))
      : this.afterCache(request, step);
  }

  private afterCache(
    request: Parameters<ElForwarder['forward']>[0],
    step: CacheStep,
  ): Promise<ElAnswer> | ElAnswer {
    if (step.kind === 'answered') return step.answer;
    const forwarded = this.forwarder.forward({
      ...request,
      payload: step.payload,
      onAnswer: step.store,
    });
    if (step.cache === undefined) return forwarded;
    return forwarded.then((answer) => ({ ...answer, cache: step.cache }));
  }

  private count(method: string): void {
    const label = methodLabel(method);
    let counter = this.methodCounters.get(label);
    if (counter === undefined) {
      counter = boundCounter(this.metrics.elRpcRequests, { method: label });
      this.methodCounters.set(label, counter);
    }
    counter.inc();
  }
}

function limitsOf(config: Config): PayloadLimits {
  return {
    maxBatchSize: config.proxy.max_batch_size,
    isDenied: createDenyMatcher(config.proxy.deny_methods),
  };
}
