/** Where and how to send requests to one node, derived once from its configured URL. */
export interface UpstreamTarget {
  /** `scheme://host:port`: the pool's origin. */
  readonly origin: string;
  /** Path and query of the node URL, as EL requests are posted to it (`/` at least). */
  readonly path: string;
  /** Path of the node URL without a trailing slash: the prefix of CL request paths. */
  readonly basePath: string;
  /** Query of the node URL without `?` (e.g. an API key), appended to CL queries. */
  readonly baseQuery: string;
  /** `Basic ...` from the URL's user-info, sent as the Authorization header. */
  readonly authorization: string | undefined;
}

export function parseTarget(raw: string): UpstreamTarget {
  const url = new URL(raw);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const authorization =
    user !== '' || password !== ''
      ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
      : undefined;
  const pathname = url.pathname === '' ? '/' : url.pathname;
  return {
    origin: url.origin,
    path: pathname + url.search,
    basePath: pathname.replace(/\/+$/, ''),
    baseQuery: url.search.replace(/^\?/, ''),
    authorization,
  };
}

/**
 * The upstream path of a CL request: the node's base path, then the client's path
 * below /cl (`/eth/v1/...`) and query kept byte for byte, then the node's own query.
 */
export function clUpstreamPath(target: UpstreamTarget, clientPathAndQuery: string): string {
  const rest = clientPathAndQuery.startsWith('/') ? clientPathAndQuery : `/${clientPathAndQuery}`;
  if (target.baseQuery === '') return target.basePath + rest;
  const q = rest.indexOf('?');
  if (q < 0) return `${target.basePath}${rest}?${target.baseQuery}`;
  const sep = q === rest.length - 1 ? '' : '&';
  return `${target.basePath}${rest}${sep}${target.baseQuery}`;
}
