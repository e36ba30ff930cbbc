import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Readable, pipeline } from 'node:stream';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { type Dispatcher } from 'undici';
import { ConfigStore } from '../../config';
import { type ClNodeState } from '../../health/node-state';
import {
  AttemptFailure,
  retryAfterSeconds,
  statusFailure,
  transportFailure,
} from '../failover/attempt-failure';
import { Failover } from '../failover/failover.service';
import { NodeSelector } from '../routing/node-selector.service';
import { type RoutingRequest } from '../routing/routing-strategy';
import { forwardRequestHeaders, forwardResponseHeaders } from '../upstream/hop-by-hop';
import { type ClUpstream } from '../upstream/upstream';
import { clUpstreamPath } from '../upstream/upstream-target';
import { writeClError } from './cl-errors';
import {
  BodyTooLargeError,
  contentLength,
  isEventStream,
  pathBelowPrefix,
  requestBody,
} from './cl-request';
import { requestIdOf } from './request-id';

const NO_METHODS: readonly string[] = [];

/** One CL request, as sent to every node it is tried on. */
interface ClAttempt {
  readonly method: Dispatcher.HttpMethod;
  /** Path and query below /cl. */
  readonly path: string;
  readonly headers: string[];
  readonly body: Readable | undefined;
  readonly signal: AbortSignal;
  readonly eventStream: boolean;
  readonly timeoutMs: number;
}

/**
 * ANY /cl and /cl/*: the beacon API of a CL node, streamed both ways. Method, path,
 * query, headers (minus hop-by-hop) and body go to the node; its status, headers and
 * body come back as they arrive (SSZ, Eth-Consensus-Version, server-sent events).
 * Through the failover core: GET and HEAD are retried on another node before anything
 * was sent to the client; other methods only when nothing of them reached the node.
 */
@Injectable()
export class ClProxy implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ClProxy.name);
  /** Open event streams (upstream bodies): ended at shutdown so the server can close. */
  private readonly streams = new Set<Readable>();

  constructor(
    private readonly store: ConfigStore,
    private readonly selector: NodeSelector,
    private readonly failover: Failover,
  ) {}

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
    const requestId = requestIdOf(firstHeader(req.headers['x-request-id']));
    res.setHeader('x-request-id', requestId);
    const method = (req.method ?? 'GET') as Dispatcher.HttpMethod;
    const rest = pathBelowPrefix(req.url);
    const path = rest.split('?', 1)[0];
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const attempt: ClAttempt = {
      method,
      path: rest,
      headers: [
        ...withoutRequestId(forwardRequestHeaders(req.rawHeaders)),
        'x-request-id',
        requestId,
      ],
      body: requestBody(req, limit),
      signal: abort.signal,
      eventStream: isEventStream(path, req.headers.accept),
      timeoutMs: config.global.proxy_timeout_ms,
    };
    const routing: RoutingRequest = { transport: 'http', methods: NO_METHODS, path };
    const result = await this.failover.run<ClNodeState, Dispatcher.ResponseData>({
      selector: this.selector.cl,
      routing,
      calls: 1,
      resendable: method === 'GET' || method === 'HEAD',
      attempt: (upstream) => this.send(upstream, attempt),
      release: (failure) => dump(failure.response as Dispatcher.ResponseData | undefined),
    });
    if (result.ok) return this.stream(res, result.value, attempt.eventStream);
    const { failure, refusal } = result;
    if (failure === null) {
      if (refusal?.reason === 'rate_limited') {
        const seconds = retryAfterSeconds(refusal.retryAfterMs);
        return writeClError(res, 429, 'rate-limited', String(seconds), {
          'retry-after': String(seconds),
        });
      }
      return writeClError(res, 503, 'no-node');
    }
    this.fail(res, failure, limit, attempt.timeoutMs);
  }

  private async send(
    upstream: ClUpstream,
    attempt: ClAttempt,
  ): Promise<Dispatcher.ResponseData | AttemptFailure> {
    const headers = upstream.target.authorization
      ? [...withoutAuthorization(attempt.headers), 'authorization', upstream.target.authorization]
      : attempt.headers;
    let response: Dispatcher.ResponseData;
    try {
      response = await upstream.pool.request({
        method: attempt.method,
        path: clUpstreamPath(upstream.target, attempt.path),
        headers,
        body: attempt.body,
        signal: attempt.signal,
        headersTimeout: attempt.timeoutMs,
        // An event stream may stay silent longer than any timeout (rare topics).
        bodyTimeout: attempt.eventStream ? 0 : attempt.timeoutMs,
      });
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        return new AttemptFailure('aborted', true, err.message, undefined, undefined, err);
      }
      const failure = transportFailure(err);
      // A request body the node started to read cannot be sent again.
      if (!failure.sent && attempt.body?.readableDidRead) {
        return new AttemptFailure(failure.kind, true, failure.message, undefined, undefined, err);
      }
      return failure;
    }
    const header = response.headers['retry-after'];
    const retryAfter = Array.isArray(header) ? header[0] : header;
    return statusFailure(response.statusCode, retryAfter, response) ?? response;
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
      if (err) this.logger.debug({ reason: err.message }, 'CL response stream ended early');
    });
  }

  /** No other node may take the request: the node's own 5xx/429 answer, or Vixy's error. */
  private fail(
    res: ServerResponse,
    failure: AttemptFailure,
    limit: number,
    timeoutMs: number,
  ): void {
    const response = failure.response as Dispatcher.ResponseData | undefined;
    if (response !== undefined) return this.stream(res, response, false);
    if (failure.cause instanceof BodyTooLargeError) {
      return writeClError(res, 413, 'body-too-large', String(limit), { connection: 'close' });
    }
    switch (failure.kind) {
      case 'timeout':
        return writeClError(res, 504, 'timeout', String(timeoutMs));
      case 'connect':
        return writeClError(res, 502, 'unreachable', failure.message);
      case 'aborted':
        return;
      case 'invalid':
      case 'http_5xx':
      case 'rate_limited':
      case 'too_large':
        return writeClError(res, 502, 'bad-response', failure.message);
      default: {
        const never: never = failure.kind;
        throw new Error(`unknown failure kind ${String(never)}`);
      }
    }
  }
}

function dump(response: Dispatcher.ResponseData | undefined): void {
  response?.body.dump().catch(() => undefined);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function withoutAuthorization(headers: readonly string[]): string[] {
  return withoutHeader(headers, 'authorization');
}

function withoutRequestId(headers: readonly string[]): string[] {
  return withoutHeader(headers, 'x-request-id');
}

function withoutHeader(headers: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i].toLowerCase() !== name) out.push(headers[i], headers[i + 1]);
  }
  return out;
}
