import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type VixyRefusal } from './request-hook';

// How a refused request is answered, in each route's own error shape.

/**
 * The default code of a refusal on /el: JSON-RPC "invalid request" (the request as it
 * stands is not accepted; a client library does not retry it). A hook may give its own.
 */
export const REFUSAL_RPC_CODE = -32600;

/** The layer of the route has no node in the config ("method not found": none is served). */
export const NO_EL_LAYER: VixyRefusal = {
  status: 404,
  rpcCode: -32601,
  message: 'this Vixy serves no execution layer: no [[el.primary]] node is configured',
};
export const NO_CL_LAYER: VixyRefusal = {
  status: 404,
  message: 'this Vixy serves no consensus layer: no [[cl]] node is configured',
};
export const HOOK_FAILED: VixyRefusal = { status: 500, message: 'Internal error' };

/** /el: a JSON-RPC error with id null (the body is not read). */
export function elRefusalBody(refusal: VixyRefusal): string {
  const code = refusal.rpcCode ?? REFUSAL_RPC_CODE;
  return `{"jsonrpc":"2.0","id":null,"error":{"code":${code},"message":${JSON.stringify(refusal.message)}}}`;
}

/** /cl and /el/ws: the beacon API's error shape. */
export function jsonRefusalBody(refusal: VixyRefusal): string {
  return JSON.stringify({ code: refusal.status, message: refusal.message });
}

/** Writes a refusal on a raw response; the connection closes (the body is not read). */
export function writeRefusal(res: ServerResponse, refusal: VixyRefusal, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(refusal.status, {
    ...refusal.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

/** The path of a request URL, without the query. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
