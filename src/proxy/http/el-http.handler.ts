import { type IncomingMessage, type ServerResponse } from 'node:http';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConfigStore } from '../../config';
import { countClientAnswer } from '../../metrics/http-responses';
import { rawHeader, readBody } from './el-body';
import { requestIdOf } from './request-id';
import { type ElAnswer, errorAnswer } from './el-answer';
import { ElProxy } from './el-proxy.service';

/**
 * POST /el on Node's own request and response objects: reads the body (at most
 * `[proxy].max_body_bytes`, else 413), lets ElProxy answer, writes the answer. Used by
 * both ways a request reaches /el (see HttpProxyRoutes).
 */
@Injectable()
export class ElHttpHandler implements OnModuleDestroy {
  private readonly logger = new Logger(ElHttpHandler.name);
  private closing = false;
  /** Per-request logging is at debug level only, decided once: nothing on the hot path otherwise. */
  private readonly debug = Logger.isLevelEnabled('debug');

  constructor(
    private readonly store: ConfigStore,
    private readonly el: ElProxy,
  ) {}

  /** Shutdown has begun (Nest calls this first): new requests get 503 and a closed connection. */
  onModuleDestroy(): void {
    this.closing = true;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.closing) {
      writeAnswer(res, errorAnswer('shutting-down', 'null'), true);
      return;
    }
    const contentType = rawHeader(req, 'content-type');
    const requestId = requestIdOf(rawHeader(req, 'x-request-id'));
    const limit = this.store.current.proxy.max_body_bytes;
    if (this.debug) this.trace(res, requestId);
    readBody(req, limit, (outcome) => {
      if (outcome.ok) this.answer(res, outcome.body, contentType, requestId);
      else if (outcome.tooLarge) {
        writeAnswer(res, errorAnswer('body-too-large', 'null', String(limit)), true, requestId);
      } else res.destroy();
    });
  }

  private answer(
    res: ServerResponse,
    body: Buffer | undefined,
    contentType: string | undefined,
    requestId: string,
  ): void {
    try {
      const answer = this.el.handle(body, contentType, requestId);
      if ('then' in answer) {
        answer.then(
          (a) => writeAnswer(res, a, false, requestId),
          (err: unknown) => this.internalError(res, err, requestId),
        );
      } else {
        writeAnswer(res, answer, false, requestId);
      }
    } catch (err) {
      this.internalError(res, err, requestId);
    }
  }

  /** Debug: one line per request with its id, status and duration. */
  private trace(res: ServerResponse, requestId: string): void {
    const start = performance.now();
    res.once('finish', () => {
      const ms = Math.round((performance.now() - start) * 10) / 10;
      this.logger.debug({ request_id: requestId, status: res.statusCode, ms }, 'POST /el');
    });
  }

  private internalError(res: ServerResponse, err: unknown, requestId: string): void {
    this.logger.error(
      { err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
      'POST /el failed',
    );
    writeAnswer(res, errorAnswer('internal', 'null'), false, requestId);
  }
}

/** Writes an answer; `close` ends the connection (the rest of a refused body is not read). */
function writeAnswer(
  res: ServerResponse,
  answer: ElAnswer,
  close = false,
  requestId?: string,
): void {
  if (res.headersSent || res.destroyed) return;
  const { body } = answer;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  // A flat list: Node writes it as it is, without building and checking a header object.
  const headers: string[] = ['content-type', answer.contentType, 'content-length', String(length)];
  if (answer.retryAfter !== undefined) headers.push('retry-after', String(answer.retryAfter));
  if (answer.cache !== undefined) headers.push('x-vixy-cache', answer.cache);
  if (requestId !== undefined) headers.push('x-request-id', requestId);
  if (close) headers.push('connection', 'close');
  res.writeHead(answer.status, headers);
  countClientAnswer('el', answer.status); // vixy_http_responses_total{route="el"}
  res.end(body);
}
