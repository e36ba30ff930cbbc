import { type Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { type Dispatcher } from 'undici';
import { NodeRegistry } from '../../health/node-registry.service';
import { isAvailable } from '../../health/node-state';
import { transportFailure } from '../failover/attempt-failure';
import { UpstreamRegistry } from '../upstream/upstream-registry.service';
import { clUpstreamPath } from '../upstream/upstream-target';

// The only file of src/proxy/events that knows the rest of Vixy: which CL nodes exist
// and take traffic (the node registry), and how a request reaches one (its upstream
// upstream object). Everything else in this folder talks to nodes by name through this
// class.

/** The head of a streaming GET: read or destroy `body`. */
export interface BeaconStream {
  readonly status: number;
  readonly contentType: string;
  readonly body: Readable;
}

export interface BeaconJson {
  readonly status: number;
  /** The parsed body; undefined when it was not JSON. */
  readonly body: unknown;
}

/** Largest JSON answer read by `getJson` (the spec of a node is about 10 KiB). */
const MAX_JSON_BYTES = 1024 * 1024;

@Injectable()
export class BeaconNodes {
  constructor(
    private readonly registry: NodeRegistry,
    private readonly upstreams: UpstreamRegistry,
  ) {}

  /** Every configured CL node, in preference (config) order. */
  all(): string[] {
    return this.registry.cl().map((n) => n.name);
  }

  /** The CL nodes that take traffic now (healthy, not drained, not reported down), in order. */
  available(): string[] {
    return this.registry
      .cl()
      .filter((n) => isAvailable(n))
      .map((n) => n.name);
  }

  isAvailable(name: string): boolean {
    const node = this.registry.getCl(name);
    return node !== undefined && isAvailable(node);
  }

  /** Calls `listener` on every CL state change and every CL check cycle; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    const subscription = this.registry.events$.subscribe((event) => {
      if (!('layer' in event) || event.layer === 'cl') listener();
    });
    return () => subscription.unsubscribe();
  }

  /** A GET whose body streams for as long as the node sends it: no timeout but `signal`. */
  async openStream(name: string, pathAndQuery: string, signal: AbortSignal): Promise<BeaconStream> {
    const response = await this.request(name, pathAndQuery, 'text/event-stream', signal, 0);
    const type = response.headers['content-type'];
    return {
      status: response.statusCode,
      contentType: (Array.isArray(type) ? type[0] : type) ?? '',
      body: response.body,
    };
  }

  /** A GET of JSON under `timeoutMs`; rejects when the node cannot be reached in time. */
  async getJson(name: string, path: string, timeoutMs: number): Promise<BeaconJson> {
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await this.request(name, path, 'application/json', signal, timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_JSON_BYTES) {
        response.body.destroy();
        throw new Error(`answer larger than ${MAX_JSON_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, body };
  }

  /** Passive health, as for any CL request: a node that cannot be reached leaves rotation. */
  reportFailure(name: string, err: unknown): void {
    const failure = transportFailure(err);
    if (!failure.reported) return;
    if (this.registry.getCl(name) === undefined) return;
    this.registry.reportFailure('cl', name, `event stream: ${failure.message}`);
  }

  /** A message for logs: the error code, never a URL. */
  describe(err: unknown): string {
    return transportFailure(err).message;
  }

  private request(
    name: string,
    pathAndQuery: string,
    accept: string,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<Dispatcher.ResponseData> {
    const upstream = this.upstreams.cl().find((u) => u.name === name);
    if (upstream === undefined) return Promise.reject(new Error(`no CL node named ${name}`));
    const { pool, target } = upstream;
    const headers: Record<string, string> = { accept };
    if (target.authorization !== undefined) headers.authorization = target.authorization;
    return pool.request({
      method: 'GET',
      path: clUpstreamPath(target, pathAndQuery),
      headers,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }
}
