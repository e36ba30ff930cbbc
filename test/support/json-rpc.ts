import type { Dispatcher } from 'undici';
import { httpJson } from './http';

/** A JSON-RPC 2.0 call over HTTP that throws on an error object. */

export class JsonRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`${method}: JSON-RPC error ${code}: ${message}`);
    this.name = 'JsonRpcError';
  }
}

interface JsonRpcResponse<T> {
  readonly jsonrpc: '2.0';
  readonly id: number | string | null;
  readonly result?: T;
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown };
}

let nextId = 1;

export async function jsonRpc<T = unknown>(
  url: string,
  method: string,
  params: readonly unknown[] = [],
  options: { timeoutMs?: number; dispatcher?: Dispatcher } = {},
): Promise<T> {
  const id = nextId++;
  const res = await httpJson<JsonRpcResponse<T>>(url, {
    body: { jsonrpc: '2.0', id, method, params },
    ...options,
  });
  if (res.error) throw new JsonRpcError(method, res.error.code, res.error.message, res.error.data);
  if (!('result' in res))
    throw new Error(`${method}: response without result: ${JSON.stringify(res)}`);
  return res.result as T;
}

export function toHex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function fromHex(hex: string): number {
  const n = Number.parseInt(hex, 16);
  if (!Number.isSafeInteger(n)) throw new Error(`not a hex quantity: ${hex}`);
  return n;
}
