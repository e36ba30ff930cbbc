import { Agent, type Dispatcher, request } from 'undici';

/** Small undici helpers: every call is bounded by a timeout and always consumes the body. */

export interface HttpOptions {
  readonly method?: Dispatcher.HttpMethod;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
  readonly dispatcher?: Dispatcher;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 5000;

export async function httpRequest(url: string, options: HttpOptions = {}): Promise<HttpResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const hasBody = options.body !== undefined;
  const headers = {
    ...(hasBody ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  const body =
    typeof options.body === 'string' || !hasBody ? options.body : JSON.stringify(options.body);
  const method = options.method ?? (hasBody ? 'POST' : 'GET');
  try {
    const res = await request(url, {
      method,
      headers,
      body: body as string | undefined,
      signal: AbortSignal.timeout(timeoutMs),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  } catch (err) {
    // Duck-typed: under jest the error comes from another realm than this module's Error.
    const name = typeof err === 'object' && err !== null && 'name' in err ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new Error(`${method} ${url} timed out after ${timeoutMs} ms`, { cause: err });
    }
    throw err;
  }
}

/** GET/POST and parse JSON; throws on a non-2xx status with the body in the message. */
export async function httpJson<T>(url: string, options: HttpOptions = {}): Promise<T> {
  const res = await httpRequest(url, options);
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`${url} answered HTTP ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return (res.text === '' ? undefined : JSON.parse(res.text)) as T;
}

/** A dispatcher of one node: closed with the node, so no keep-alive socket outlives it. */
export function newDispatcher(): Agent {
  return new Agent({ keepAliveTimeout: 2000, connect: { timeout: 2000 } });
}
