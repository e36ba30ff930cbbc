import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type Dispatcher } from 'undici';
import { OnEvent } from '@nestjs/event-emitter';
import { type Config, CONFIG_UPDATE, ConfigStore, ConfigUpdateEvent } from '../config';
import { EndpointSet } from './endpoint-set';
import { CheckFailure } from './check-failure';
import { checkRequest, Deadline, elapsedMs, parseJson, poolOptions } from './check-http';
import { parseHexQuantity } from './check-parsers';
import { type CheckTarget, checkTarget, requestPath } from './check-target';
import { type CheckDispatcherFactory, InjectCheckDispatcherFactory } from './health.constants';
import { type ElCheckResult } from './node-state';

const BLOCK_NUMBER_REQUEST = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'eth_blockNumber',
  params: [],
});

interface ElEndpoint {
  readonly target: CheckTarget;
  readonly dispatcher: Dispatcher;
  readonly headers: Readonly<Record<string, string>>;
  readonly path: string;
}

/**
 * Checks an EL node with `eth_blockNumber` over a kept-alive pool of its own, within
 * `health_check_timeout_ms` (connect, headers and body). Never throws: every outcome,
 * a JSON-RPC error, a malformed or absurd number, an HTTP status, a timeout, is an
 * `ElCheckResult`.
 */
@Injectable()
export class ElChecker implements OnModuleDestroy {
  private readonly endpoints: EndpointSet<ElEndpoint>;

  constructor(
    private readonly store: ConfigStore,
    @InjectCheckDispatcherFactory() createDispatcher: CheckDispatcherFactory,
  ) {
    this.endpoints = new EndpointSet((url) => {
      const target = checkTarget(url);
      return {
        target,
        dispatcher: createDispatcher(target.origin, poolOptions(store.current, 1)),
        headers: { ...target.headers, 'content-type': 'application/json' },
        path: requestPath(target, ''),
      };
    });
    this.sync(store.current);
  }

  /** Check pools follow the nodes of a reload (kept while a node's URL stays the same). */
  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate({ next }: ConfigUpdateEvent): void {
    this.sync(next);
  }

  private sync(config: Config): void {
    this.endpoints.sync(
      [...config.el.primary, ...config.el.backup].map((n) => ({ name: n.name, url: n.http_url })),
    );
  }

  async check(name: string): Promise<ElCheckResult> {
    const startedAt = performance.now();
    const endpoint = this.endpoints.get(name);
    if (!endpoint) return { ok: false, reason: 'unknown node', latencyMs: 0 };
    const deadline = new Deadline(this.store.current.global.health_check_timeout_ms);
    try {
      const response = await checkRequest(
        endpoint.dispatcher,
        {
          method: 'POST',
          path: endpoint.path,
          headers: endpoint.headers,
          body: BLOCK_NUMBER_REQUEST,
        },
        deadline,
      );
      const blockNumber = blockNumberOf(response.status, response.body);
      return { ok: true, blockNumber, latencyMs: elapsedMs(startedAt) };
    } catch (err) {
      return {
        ok: false,
        reason: CheckFailure.fromError(err).message,
        latencyMs: elapsedMs(startedAt),
      };
    } finally {
      deadline.clear();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.endpoints.destroyAll();
  }
}

/** The block number of an `eth_blockNumber` answer, or a `CheckFailure` saying why not. */
export function blockNumberOf(status: number, body: string): number {
  if (status !== 200) throw CheckFailure.httpStatus(status);
  const answer = parseJson(body, 'JSON-RPC response');
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw CheckFailure.invalid('invalid JSON-RPC response (not an object)');
  }
  const { error, result } = answer as { error?: unknown; result?: unknown };
  if (error !== undefined && error !== null) {
    const { code, message } = (typeof error === 'object' ? error : {}) as {
      code?: unknown;
      message?: unknown;
    };
    throw CheckFailure.rpcError(code, message);
  }
  const blockNumber = parseHexQuantity(result);
  if (blockNumber === null) throw CheckFailure.invalidValue('block number', result);
  return blockNumber;
}
