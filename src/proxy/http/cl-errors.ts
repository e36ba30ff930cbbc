import { type ServerResponse } from 'node:http';
import { type RpcErrorKind, rpcErrorMessage } from '../jsonrpc/jsonrpc.errors';

/**
 * Errors Vixy answers on /cl by itself, in the beacon API's error shape
 * (`{"code": <status>, "message": "..."}`), with the same messages as on /el.
 */
export function writeClError(
  res: ServerResponse,
  status: number,
  kind: RpcErrorKind,
  detail = '',
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ code: status, message: rpcErrorMessage(kind, detail) });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
  });
  res.end(body);
}
