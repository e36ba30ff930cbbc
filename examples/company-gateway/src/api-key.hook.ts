import { createHash } from 'node:crypto';
import { type IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { refuse, type VixyRefusal, type VixyRequestHook } from 'vixy';
import { type Tenants } from './tenants';

/** Token of the tenants' API keys. */
export const TENANTS = Symbol('TENANTS');

const MISSING = refuse(401, 'an API key is required: X-Api-Key header or api_key query parameter', {
  headers: { 'www-authenticate': 'ApiKey' },
});
const UNKNOWN = refuse(401, 'unknown API key', { headers: { 'www-authenticate': 'ApiKey' } });

/**
 * An API key per tenant in front of POST /el, GET /el/ws and ANY /cl/*: the
 * `X-Api-Key` header, or `?api_key=` (browsers cannot set headers on a WebSocket). The
 * operations routes (/health, /status, /metrics) are not guarded: keep them off the
 * public network. Keys are looked up by their SHA-256, so lookup time says nothing of
 * the stored keys.
 */
@Injectable()
export class ApiKeyHook implements VixyRequestHook {
  private readonly byDigest: ReadonlyMap<string, string>;

  constructor(@Inject(TENANTS) tenants: Tenants) {
    this.byDigest = new Map([...tenants].map(([key, tenant]) => [digest(key), tenant]));
  }

  check(req: IncomingMessage): VixyRefusal | undefined {
    const key = keyOf(req);
    if (key === undefined) return MISSING;
    return this.byDigest.has(digest(key)) ? undefined : UNKNOWN;
  }

  /** The tenant of a request, for your own logs or metrics (undefined without a valid key). */
  tenantOf(req: IncomingMessage): string | undefined {
    const key = keyOf(req);
    return key === undefined ? undefined : this.byDigest.get(digest(key));
  }
}

function keyOf(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('api_key') ?? undefined;
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
