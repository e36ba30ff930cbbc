import { type IncomingMessage, type ServerResponse } from 'node:http';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ConfigStore } from '../config';
import { countClientAnswer } from '../metrics/http-responses';
import {
  elRefusalBody,
  HOOK_FAILED,
  jsonRefusalBody,
  NO_CL_LAYER,
  NO_EL_LAYER,
  pathOf,
  writeRefusal,
} from './gate-answers';
import {
  VIXY_REQUEST_HOOK,
  type VixyHookResult,
  type VixyRefusal,
  type VixyRequestHook,
  type VixyRoute,
} from './request-hook';

/** What handles a request once it is let through. */
export interface RawHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/** `null`: let through. */
type Verdict = VixyRefusal | null;

/**
 * The front door of the proxied routes: a route whose layer has no node in the config
 * is refused (404), then the company's VIXY_REQUEST_HOOK, when one is registered,
 * decides. POST /el from the server's request listener calls `el()`; /el and /cl/*
 * served by Fastify pass an onRequest hook installed here; the /el/ws upgrade calls
 * `upgrade()` (JsonRpcWsAdapter). Without a hook the cost is one config read.
 */
@Injectable()
export class RequestGate implements OnModuleInit {
  private readonly logger = new Logger(RequestGate.name);
  private hook: VixyRequestHook | null = null;

  constructor(
    private readonly store: ConfigStore,
    private readonly moduleRef: ModuleRef,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    this.hook = this.findHook();
    const adapter = this.adapterHost.httpAdapter;
    // A context without an HTTP server (a module compiled alone in a test) has no routes.
    if (adapter === undefined || adapter === null) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) =>
      this.onFastifyRequest(request, reply, done),
    );
  }

  /** Whether a VIXY_REQUEST_HOOK is registered. */
  get hasHook(): boolean {
    return this.hook !== null;
  }

  /** POST /el from the raw request listener: `handler` runs when the request is let through. */
  el(req: IncomingMessage, res: ServerResponse, handler: RawHandler): void {
    if (this.store.current.el.primary.length === 0) {
      refuseEl(res, NO_EL_LAYER);
      return;
    }
    const hook = this.hook;
    if (hook === null) {
      handler.handle(req, res);
      return;
    }
    // The hot path: a synchronous answer costs no closure and no promise.
    let result: VixyHookResult | Promise<VixyHookResult>;
    try {
      result = hook.check(req, 'el');
    } catch (err) {
      refuseEl(res, this.failed('el', err));
      return;
    }
    if (!isPromise(result)) {
      const verdict = verdictOf(result);
      if (verdict === null) handler.handle(req, res);
      else refuseEl(res, verdict);
      return;
    }
    result.then(
      (r) => {
        const verdict = verdictOf(r);
        if (verdict === null) handler.handle(req, res);
        else refuseEl(res, verdict);
      },
      (err: unknown) => refuseEl(res, this.failed('el', err)),
    );
  }

  /** The /el/ws upgrade request: `done(null)` accepts it, `done(refusal)` refuses it. */
  upgrade(req: IncomingMessage, done: (verdict: Verdict) => void): void {
    if (this.store.current.el.primary.length === 0) {
      done(NO_EL_LAYER);
      return;
    }
    if (this.hook === null) done(null);
    else this.decide(this.hook, req, 'el_ws', done);
  }

  private onFastifyRequest(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const route = proxiedRoute(request.raw);
    if (route === null) {
      done();
      return;
    }
    const layers = this.store.current;
    const absent = route === 'el' ? layers.el.primary.length === 0 : layers.cl.length === 0;
    if (absent) {
      this.refuseFastify(reply, route, route === 'el' ? NO_EL_LAYER : NO_CL_LAYER);
      return;
    }
    if (this.hook === null) {
      done();
      return;
    }
    this.decide(this.hook, request.raw, route, (verdict) => {
      if (verdict === null) done();
      else this.refuseFastify(reply, route, verdict);
    });
  }

  private refuseFastify(reply: FastifyReply, route: 'el' | 'cl', refusal: VixyRefusal): void {
    if (route === 'el') {
      reply.hijack();
      refuseEl(reply.raw, refusal);
      return;
    }
    void reply
      .code(refusal.status)
      .headers({ ...refusal.headers, 'content-type': 'application/json', connection: 'close' })
      .send(jsonRefusalBody(refusal));
  }

  /** Runs the hook; `then` gets the verdict synchronously when the hook answers so. */
  private decide(
    hook: VixyRequestHook,
    req: IncomingMessage,
    route: VixyRoute,
    then: (verdict: Verdict) => void,
  ): void {
    let result: VixyHookResult | Promise<VixyHookResult>;
    try {
      result = hook.check(req, route);
    } catch (err) {
      then(this.failed(route, err));
      return;
    }
    if (isPromise(result)) {
      result.then(
        (r) => then(verdictOf(r)),
        (err: unknown) => then(this.failed(route, err)),
      );
    } else {
      then(verdictOf(result));
    }
  }

  private failed(route: VixyRoute, err: unknown): VixyRefusal {
    const reason = err instanceof Error ? err.message : String(err);
    this.logger.error({ route, reason }, 'request hook failed');
    return HOOK_FAILED;
  }

  private findHook(): VixyRequestHook | null {
    try {
      return this.moduleRef.get<VixyRequestHook>(VIXY_REQUEST_HOOK, { strict: false });
    } catch {
      return null;
    }
  }
}

/** A refusal on /el, counted here: /el answers are counted where they are written. */
function refuseEl(res: ServerResponse, refusal: VixyRefusal): void {
  writeRefusal(res, refusal, elRefusalBody(refusal));
  countClientAnswer('el', refusal.status);
}

/** /el, /el/ (any query) and /cl, /cl/...; null for every other route. */
function proxiedRoute(req: IncomingMessage): 'el' | 'cl' | null {
  const path = pathOf(req);
  if (path === '/el' || path === '/el/') return req.method === 'POST' ? 'el' : null;
  if (path === '/cl' || path.startsWith('/cl/')) return 'cl';
  return null;
}

function verdictOf(result: VixyHookResult): Verdict {
  return result === undefined || result === true ? null : result;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
