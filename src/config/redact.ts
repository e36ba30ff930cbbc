// Node URLs often carry credentials: user-info, an API key as a path segment
// (`/v2/<key>`, `/<32 hex>`) or a query value (`?apikey=...`). Anything shown to a
// person or a scraper (logs, /status, metrics labels, errors) goes through here.

const KEY_LIKE = /^[A-Za-z0-9_-]+$/;
const VERSION_SEGMENT = /^v\d+$/i;

function looksLikeSecret(segment: string, previous: string | undefined): boolean {
  if (segment === '') return false;
  if (previous !== undefined && VERSION_SEGMENT.test(previous)) return true;
  if (!KEY_LIKE.test(segment)) return false;
  return segment.length >= 24 || (segment.length >= 16 && /\d/.test(segment));
}

/** The URL with user-info, key-like path segments and every query value replaced by `***`. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '<invalid url>';
  }
  if (url.username !== '' || url.password !== '') {
    url.username = '***';
    url.password = '';
  }
  const segments = url.pathname.split('/');
  url.pathname = segments
    .map((segment, i) => (looksLikeSecret(segment, segments[i - 1]) ? '***' : segment))
    .join('/');
  for (const key of new Set(url.searchParams.keys())) url.searchParams.set(key, '***');
  url.hash = '';
  const text = url.toString();
  // new URL('http://h:1') serialises as 'http://h:1/': keep the user's form.
  return /^[a-z]+:\/\/[^/]*$/i.test(raw.split(/[?#]/)[0]) && url.pathname === '/'
    ? text.replace(/\/(?=$|\?)/, '')
    : text;
}
