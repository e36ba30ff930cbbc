/**
 * Where the checks of one node go, split the way undici wants it: the pool's origin,
 * and the path and headers of each request. The node's URL is used as written (path
 * prefix, API key in the path or the query, user-info as Basic auth); nothing of it
 * ever reaches a message: failures are described by `CheckFailure`.
 */
export interface CheckTarget {
  /** `scheme://host:port`, without credentials: the pool's origin. */
  readonly origin: string;
  /** The URL's path without a trailing slash: `''`, `/v2/KEY`, `/beacon`. */
  readonly pathPrefix: string;
  /** The URL's query, with its `?`, or `''`. */
  readonly query: string;
  /** `authorization` when the URL carries user-info, otherwise empty. */
  readonly headers: Readonly<Record<string, string>>;
}

export function checkTarget(rawUrl: string): CheckTarget {
  const url = new URL(rawUrl);
  const headers: Record<string, string> = {};
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  return {
    origin: url.origin,
    pathPrefix: url.pathname.replace(/\/+$/, ''),
    query: url.search,
    headers,
  };
}

/** The request path of `path` (e.g. `/eth/v1/node/health`, or `''` for the URL itself). */
export function requestPath(target: CheckTarget, path: string): string {
  return `${target.pathPrefix}${path}` === ''
    ? `/${target.query}`
    : `${target.pathPrefix}${path}${target.query}`;
}
