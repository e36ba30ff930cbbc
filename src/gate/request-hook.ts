import { type IncomingMessage } from 'node:http';

// The company seam in front of the proxied routes. POST /el is served by the HTTP
// server's request listener ahead of Fastify (for speed), /el/ws by the WebSocket
// upgrade and /cl/* by a hijacked Fastify route: Nest guards, interceptors and
// middleware see none of them. A provider registered under VIXY_REQUEST_HOOK, in any
// module of the application, runs in front of all three.

/** The proxied routes a request hook sees. */
export type VixyRoute = 'el' | 'el_ws' | 'cl';

/** What a hook answers to refuse a request. */
export interface VixyRefusal {
  /** HTTP status, e.g. 401 (no or unknown key), 403 (not allowed), 429 (over quota). */
  readonly status: number;
  /**
   * Shown to the client: the JSON-RPC error message on /el, the `message` of the beacon
   * API error on /cl, the JSON body of the refused upgrade on /el/ws. Never a secret.
   */
  readonly message: string;
  /** The JSON-RPC error code on /el (default -32600). */
  readonly rpcCode?: number;
  /** More response headers, e.g. `www-authenticate` or `retry-after`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** `undefined` (or `true`) lets the request through; a refusal answers it. */
export type VixyHookResult = VixyRefusal | true | undefined | void;

/**
 * Runs before Vixy reads anything of a request to POST /el, GET /el/ws (the upgrade
 * request) or ANY /cl/*: method, URL (path and query) and headers are known, the body
 * is not read yet. Return synchronously when you can: a promise costs the hot path a
 * microtask. A hook that throws or rejects is a bug: the client gets a 500.
 */
export interface VixyRequestHook {
  check(req: IncomingMessage, route: VixyRoute): VixyHookResult | Promise<VixyHookResult>;
}

/** Provide your `VixyRequestHook` under this token, in any module of the application. */
export const VIXY_REQUEST_HOOK = Symbol('VIXY_REQUEST_HOOK');

/** A refusal, e.g. `return refuse(401, 'missing API key')`. */
export function refuse(
  status: number,
  message: string,
  options: Pick<VixyRefusal, 'rpcCode' | 'headers'> = {},
): VixyRefusal {
  return { status, message, ...options };
}
