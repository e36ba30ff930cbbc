import { type Dispatcher, type Pool } from 'undici';
import { type Config } from '../config';
import { CheckFailure } from './check-failure';
import { MAX_CHECK_BODY_BYTES } from './health.constants';

export interface CheckResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * A time budget for one check, covering connect, headers and body of every request
 * made under its signal. `clear()` must run when the check ends (its timer would
 * otherwise keep the process alive).
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly ms: number) {
    this.timer = setTimeout(() => this.controller.abort(CheckFailure.timeout(ms)), ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

export interface CheckRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * One request of a check: the status and the (bounded) body text. Rejects with a
 * `CheckFailure` only: `timeout after N ms` once the deadline passed, otherwise the
 * transport error by its code.
 */
export async function checkRequest(
  dispatcher: Dispatcher,
  request: CheckRequest,
  deadline: Deadline,
): Promise<CheckResponse> {
  try {
    const response = await dispatcher.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body,
      signal: deadline.signal,
    });
    const body = await readBounded(response.body, MAX_CHECK_BODY_BYTES);
    return { status: response.statusCode, body };
  } catch (err) {
    if (deadline.expired) throw CheckFailure.timeout(deadline.ms);
    throw CheckFailure.fromError(err);
  }
}

async function readBounded(body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > max) {
      body.destroy();
      throw CheckFailure.invalid(`invalid response (more than ${max} bytes)`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The parsed JSON body, or a `CheckFailure` naming what was expected. */
export function parseJson(body: string, what: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw CheckFailure.invalid(`invalid ${what} (not JSON)`);
  }
}

export function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}

/** A few connections per node, kept alive across cycles, every phase bounded by the timeout. */
export function poolOptions(config: Config, connections: number): Pool.Options {
  const { health_check_interval_ms: interval, health_check_timeout_ms: timeout } = config.global;
  const keepAlive = Math.max(4_000, 2 * interval);
  return {
    connections,
    pipelining: 1,
    connectTimeout: timeout,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    keepAliveTimeout: keepAlive,
    keepAliveMaxTimeout: keepAlive,
  };
}
