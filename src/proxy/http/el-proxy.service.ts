import { Injectable } from '@nestjs/common';
import { type Counter } from 'prom-client';
import { OnEvent } from '@nestjs/event-emitter';
import { type Config, CONFIG_UPDATE, ConfigStore, ConfigUpdateEvent } from '../../config';
import { NodeRegistry } from '../../health/node-registry.service';
import { VixyMetrics } from '../../metrics/metrics.service';
import { methodLabel } from '../../metrics/rpc-methods';
import {
  createDenyMatcher,
  methodsOf,
  parsePayload,
  type Payload,
  type PayloadLimits,
  type RpcCall,
} from '../jsonrpc/jsonrpc.payload';
import { LatencyTracker } from '../routing/latency-tracker.service';
import { NodeSelector } from '../routing/node-selector.service';
import { RateLimiter } from '../rate-limit/rate-limiter.service';
import { UpstreamPools } from '../upstream/upstream-pools.service';
import { ChannelSet } from './el-channels';
import { type ElAnswer, errorAnswer, JSON_CONTENT_TYPE, localBatchAnswer } from './el-answer';
import { type ElForward, ElForwarder } from './el-forwarder';

/**
 * POST /el: parses the JSON-RPC payload once, answers what it can by itself (parse
 * errors, invalid requests, denied methods, limits), counts the calls by method and
 * hands the rest to the forwarder. Forwarded bytes are the client's own: a single call
 * or a batch is never re-serialised, except a batch of which some calls were answered
 * locally (only the others are sent, and the answers merged).
 */
@Injectable()
export class ElProxy {
  private limits: PayloadLimits;
  private readonly forwarder: ElForwarder;
  /** `vixy_el_rpc_requests_total` children by method label (a bounded set): forwarded calls. */
  private readonly methodCounters = new Map<string, Counter.Internal>();

  constructor(
    store: ConfigStore,
    registry: NodeRegistry,
    selector: NodeSelector,
    pools: UpstreamPools,
    limiter: RateLimiter,
    tracker: LatencyTracker,
    private readonly metrics: VixyMetrics,
  ) {
    this.limits = limitsOf(store.current);
    this.forwarder = new ElForwarder({
      channels: new ChannelSet(() => registry.el(), pools, limiter, metrics),
      selector: selector.el,
      registry,
      tracker,
      retries: metrics.retries.labels('el'),
      rateLimited: metrics.rateLimited.labels('el'),
      config: () => store.current,
      now: () => limiter.now(),
    });
  }

  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate({ next }: ConfigUpdateEvent): void {
    this.limits = limitsOf(next);
  }

  /** Answers one POST /el body (`undefined`: no body). Never rejects for a client or node error. */
  handle(body: Buffer | undefined, contentType: string | undefined): Promise<ElAnswer> | ElAnswer {
    const payload = parsePayload(body === undefined ? '' : body.toString('utf8'), this.limits);
    switch (payload.kind) {
      case 'rejected':
        return errorAnswer(payload.error, payload.idJson, payload.detail);
      case 'single':
        this.count(payload.call.method);
        return this.forwarder.forward(
          this.forwardOf(payload, body as Buffer, contentType, [payload.call], []),
        );
      case 'batch':
        return this.batch(payload, body as Buffer, contentType);
      default: {
        const never: never = payload;
        throw new Error(`unknown payload ${String(never)}`);
      }
    }
  }

  private batch(
    payload: Extract<Payload, { kind: 'batch' }>,
    body: Buffer,
    contentType: string | undefined,
  ): Promise<ElAnswer> | ElAnswer {
    for (const call of payload.calls) this.count(call.method);
    const { answers, calls } = payload;
    if (calls.length === 0) return localBatchAnswer(answers, payload.hasInvalid ? 400 : 403);
    // Calls answered locally are left out of what is sent: the rest is re-serialised.
    const sent = answers.length === 0 ? body : JSON.stringify(calls);
    return this.forwarder.forward(this.forwardOf(payload, sent, contentType, calls, answers));
  }

  private forwardOf(
    payload: Extract<Payload, { kind: 'single' | 'batch' }>,
    body: Buffer | string,
    contentType: string | undefined,
    calls: readonly RpcCall[],
    local: readonly string[],
  ): ElForward {
    return {
      body,
      contentType: contentType ?? JSON_CONTENT_TYPE,
      routing: { transport: 'http', methods: methodsOf(payload) },
      calls,
      batch: payload.kind === 'batch',
      local,
    };
  }

  private count(method: string): void {
    const label = methodLabel(method);
    let counter = this.methodCounters.get(label);
    if (counter === undefined) {
      counter = this.metrics.elRpcRequests.labels(label);
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
