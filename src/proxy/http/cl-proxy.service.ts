import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Readable, pipeline } from 'node:stream';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { type Counter } from 'prom-client';
import { type Dispatcher } from 'undici';
import { ConfigStore } from '../../config';
import { NodeRegistry } from '../../health/node-registry.service';
import { type ClNodeState } from '../../health/node-state';
import { VixyMetrics } from '../../metrics/metrics.service';
import { LatencyTracker } from '../routing/latency-tracker.service';
import { NOTHING_TRIED, Refusal } from '../routing/layer-selector';
import { NodeSelector } from '../routing/node-selector.service';
import { type RoutingRequest } from '../routing/routing-strategy';
import { RateLimiter } from '../rate-limit/rate-limiter.service';
import { forwardRequestHeaders, forwardResponseHeaders } from '../upstream/hop-by-hop';
import { UpstreamPools } from '../upstream/upstream-pools.service';
import { type ClAttempt, type ClAttemptDeps, ClFailure, sendClAttempt } from './cl-attempt';
import { writeClError } from './cl-errors';
import { contentLength, isEventStream, pathBelowPrefix, requestBody } from './cl-request';
import { retryAfterSeconds } from './el-answer';
import { ChannelSet } from './el-channels';

const NO_METHODS: readonly string[] = [];

/**
 * ANY /cl and /cl/*: the beacon API of a CL node, streamed both ways. Method, path,
 * query, headers (minus hop-by-hop) and body go to the node; its status, headers and
 * body come back as they arrive (SSZ, Eth-Consensus-Version, server-sent events).
 * GET and HEAD are retried on another node before anything was sent to the client;
 * other methods only when the node could not be reached at all.
 */
@Injectable()
export class ClProxy implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ClProxy.name);
  private readonly channels: ChannelSet<ClNodeState>;
  private readonly retries: Counter.Internal;
  private readonly rateLimited: Counter.Internal;
  /** Open event streams (upstream bodies): ended at shutdown so the server can close. */
  private readonly streams = new Set<Readable>();
  private readonly deps: ClAttemptDeps;

  constructor(
    private readonly store: ConfigStore,
    registry: NodeRegistry,
    private readonly selector: NodeSelector,
    limiter: RateLimiter,
    tracker: LatencyTracker,
    pools: UpstreamPools,
    metrics: VixyMetrics,
  ) {
    this.deps = { registry, tracker, now: () => limiter.now() };
    this.channels = new ChannelSet(() => registry.cl(), pools, limiter, metrics);
    this.retries = metrics.retries.labels('cl');
    this.rateLimited = metrics.rateLimited.labels('cl');
  }

  beforeApplicationShutdown(): void {
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
  }

  /** Proxies one request. Never rejects: every outcome is written to `res`. */
  async proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const config = this.store.current;
    const limit = config.proxy.max_body_bytes;
    if (contentLength(req) > limit) {
      writeClError(res, 413, 'body-too-large', String(limit), { connection: 'close' });
      return;
    }
    const method = req.method ?? 'GET';
    const rest = pathBelowPrefix(req.url);
    const path = rest.split('?', 1)[0];
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const attempt: ClAttempt = {
      method,
      path: rest,
      headers: forwardRequestHeaders(req.rawHeaders),
      body: requestBody(req, limit),
      signal: abort.signal,
      eventStream: isEventStream(path, req.headers.accept),
      timeoutMs: config.global.proxy_timeout_ms,
      bodyLimit: limit,
    };
    const routing: RoutingRequest = { transport: 'http', methods: NO_METHODS, path };
    const idempotent = method === 'GET' || method === 'HEAD';

    let tried: readonly Readonly<ClNodeState>[] = NOTHING_TRIED;
    let picked = this.selector.cl.pick(routing, tried);
    if (picked instanceof Refusal) return this.refuse(res, picked);
    for (let n = 0; ; n++) {
      const outcome = await sendClAttempt(this.deps, this.channels.of(picked), attempt);
      if (!(outcome instanceof ClFailure)) return this.stream(res, outcome, attempt.eventStream);
      if (outcome.kind === 'aborted') return;
      tried = tried.length === 0 ? [picked] : [...tried, picked];
      const retry = n < config.global.max_retries && (idempotent || outcome.notSent(attempt.body));
      const next = retry ? this.selector.cl.pick(routing, tried) : undefined;
      if (next === undefined || next instanceof Refusal) return this.fail(res, outcome, attempt);
      outcome.response?.body.dump().catch(() => undefined);
      this.retries.inc();
      picked = next;
    }
  }

  private stream(
    res: ServerResponse,
    response: Dispatcher.ResponseData,
    eventStream: boolean,
  ): void {
    const { body } = response;
    if (res.destroyed) {
      body.destroy();
      return;
    }
    res.writeHead(response.statusCode, forwardResponseHeaders(response.headers));
    if (eventStream) {
      res.flushHeaders();
      this.streams.add(body);
    }
    pipeline(body, res, (err) => {
      if (eventStream) this.streams.delete(body);
      if (err) this.logger.debug(`CL response stream ended early: ${err.message}`);
    });
  }

  /** No other node may take the request: the node's own 5xx/429 answer, or Vixy's error. */
  private fail(res: ServerResponse, failure: ClFailure, attempt: ClAttempt): void {
    if (failure.response !== undefined) return this.stream(res, failure.response, false);
    switch (failure.kind) {
      case 'too-large':
        return writeClError(res, 413, 'body-too-large', String(attempt.bodyLimit), {
          connection: 'close',
        });
      case 'timeout':
        return writeClError(res, 504, 'timeout', String(attempt.timeoutMs));
      case 'connect':
        return writeClError(res, 502, 'unreachable', failure.error?.message ?? 'connection failed');
      case 'invalid':
      case 'http_5xx':
      case 'rate_limited':
        return writeClError(res, 502, 'bad-response', failure.error?.message ?? failure.kind);
      case 'aborted':
        return;
      default: {
        const never: never = failure.kind;
        throw new Error(`unknown failure kind ${String(never)}`);
      }
    }
  }

  private refuse(res: ServerResponse, refusal: Refusal): void {
    if (refusal.reason === 'no_node') return writeClError(res, 503, 'no-node');
    this.rateLimited.inc();
    const seconds = retryAfterSeconds(refusal.retryAfterMs);
    writeClError(res, 429, 'rate-limited', String(seconds), { 'retry-after': String(seconds) });
  }
}
