import { type IncomingMessage } from 'node:http';
import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type FastifyInstance } from 'fastify';
import { type BoundCounter, boundCounter } from './bound-children';
import { type ClientRoute } from './metrics.labels';
import { VixyMetrics } from './metrics.service';

/** Statuses a child is kept for; anything else is counted under 0 (never happens with Node). */
const MAX_STATUS = 599;

/**
 * `vixy_http_responses_total{route,status}`: every answer to a client, recorded in one
 * place per path. Fastify-served routes: an onResponse hook installed here. POST /el
 * (served ahead of Fastify, and by Fastify for URLs with a query): where its answer is
 * written, through `countClientAnswer('el', status)`; event streams when they start
 * (src/proxy/events: a stream the client ends never finishes). /el/ws: at the upgrade
 * (JsonRpcWsAdapter). /metrics on its own port: MetricsServer. Label children are
 * bound once per (route, status).
 */
@Injectable()
export class HttpResponses implements OnModuleInit, OnApplicationShutdown {
  private readonly children = new Map<ClientRoute, (BoundCounter | undefined)[]>();

  constructor(
    private readonly metrics: VixyMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    recorder.current = this;
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter === undefined || adapter === null) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = routeOf(request.raw);
      // POST /el answers and event streams are counted where they are written.
      if (route !== 'el' && route !== 'cl_events') this.record(route, reply.statusCode);
      done();
    });
  }

  /** After the listener closed: nothing of this application answers any more. */
  onApplicationShutdown(): void {
    if (recorder.current === this) recorder.current = null;
  }

  record(route: ClientRoute, status: number): void {
    let byStatus = this.children.get(route);
    if (byStatus === undefined) {
      byStatus = [];
      this.children.set(route, byStatus);
    }
    const index = Number.isInteger(status) && status >= 0 && status <= MAX_STATUS ? status : 0;
    let child = byStatus[index];
    if (child === undefined) {
      child = boundCounter(this.metrics.httpResponses, { route, status: String(index) });
      byStatus[index] = child;
    }
    child.inc();
  }
}

/** The recorder of the running application, for code outside Nest's injection. */
const recorder: { current: HttpResponses | null } = { current: null };

/** Counts one answer from code outside Nest's injection (the POST /el writer). */
export function countClientAnswer(route: ClientRoute, status: number): void {
  recorder.current?.record(route, status);
}

/** The `route` label of a request answered by Fastify. */
export function routeOf(req: IncomingMessage): ClientRoute {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path === '/el' || path === '/el/') return 'el';
  if (path === '/el/ws' || path === '/el/ws/') return 'el_ws';
  if (path === '/cl' || path.startsWith('/cl/')) {
    return path.startsWith('/cl/eth/v1/events') ? 'cl_events' : 'cl';
  }
  if (path === '/status' || path === '/status/') return 'status';
  if (path === '/health' || path.startsWith('/health/')) return 'health';
  if (path === '/metrics') return 'metrics';
  if (path === '/admin' || path.startsWith('/admin/')) return 'admin';
  if (path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-json')) return 'docs';
  return 'other';
}
