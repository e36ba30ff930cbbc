import { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

// Headers that describe one connection, not the message: never forwarded in either
// direction (RFC 9110 section 7.6.1), nor the headers `Connection` lists. `host` is
// set by the client for the node's origin; `expect` is not supported by undici.

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
]);

function isHopByHop(name: string, listed: ReadonlySet<string> | undefined): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-') || (listed?.has(name) ?? false);
}

function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  return names.length > 0 ? new Set(names) : undefined;
}

/**
 * Request headers to forward, from Node's `rawHeaders` (name, value, name, value...,
 * duplicates and order kept), minus hop-by-hop ones. Flat, as undici accepts them.
 */
export function forwardRequestHeaders(rawHeaders: readonly string[]): string[] {
  let connection: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === 'connection') (connection ??= []).push(rawHeaders[i + 1]);
  }
  const listed = connectionListed(connection);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!isHopByHop(rawHeaders[i].toLowerCase(), listed))
      out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return out;
}

/** Response headers to return to the client (undici's lower-cased object), minus hop-by-hop ones. */
export function forwardResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionListed(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined && !isHopByHop(name, listed)) out[name] = value;
  }
  return out;
}
