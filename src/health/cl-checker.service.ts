import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type Dispatcher } from 'undici';
import { OnEvent } from '@nestjs/event-emitter';
import { type Config, CONFIG_UPDATE, ConfigStore, ConfigUpdateEvent } from '../config';
import { EndpointSet } from './endpoint-set';
import { CheckFailure } from './check-failure';
import {
  type CheckResponse,
  checkRequest,
  Deadline,
  elapsedMs,
  parseJson,
  poolOptions,
} from './check-http';
import { parseDecimalUint } from './check-parsers';
import { type CheckTarget, checkTarget, requestPath } from './check-target';
import { type CheckDispatcherFactory, InjectCheckDispatcherFactory } from './health.constants';
import { type ClCheckResult } from './node-state';

export const CL_HEALTH_PATH = '/eth/v1/node/health';
export const CL_SYNCING_PATH = '/eth/v1/node/syncing';
export const CL_HEAD_PATH = '/eth/v1/beacon/headers/head';

interface ClEndpoint {
  readonly target: CheckTarget;
  readonly dispatcher: Dispatcher;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Checks a CL node with three concurrent GETs under one `health_check_timeout_ms`
 * budget: `/eth/v1/node/health` (200 ok; 206 syncing and 503 are not),
 * `/eth/v1/node/syncing` (`is_syncing` or `is_optimistic` true is not ok: a beacon
 * node can answer 200 to the first while still syncing) and the head header's slot.
 * The slot is reported whenever the node gave one, healthy or not, so that a node
 * that is behind shows how far. Never throws.
 */
@Injectable()
export class ClChecker implements OnModuleDestroy {
  private readonly endpoints: EndpointSet<ClEndpoint>;

  constructor(
    private readonly store: ConfigStore,
    @InjectCheckDispatcherFactory() createDispatcher: CheckDispatcherFactory,
  ) {
    this.endpoints = new EndpointSet((url) => {
      const target = checkTarget(url);
      return {
        target,
        dispatcher: createDispatcher(target.origin, poolOptions(store.current, 3)),
        headers: { ...target.headers, accept: 'application/json' },
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
    this.endpoints.sync(config.cl.map((n) => ({ name: n.name, url: n.url })));
  }

  async check(name: string): Promise<ClCheckResult> {
    const startedAt = performance.now();
    const endpoint = this.endpoints.get(name);
    if (!endpoint) return { healthOk: false, slot: null, reason: 'unknown node', latencyMs: 0 };
    const deadline = new Deadline(this.store.current.global.health_check_timeout_ms);
    try {
      const get = (path: string): Promise<CheckResponse> =>
        checkRequest(
          endpoint.dispatcher,
          { method: 'GET', path: requestPath(endpoint.target, path), headers: endpoint.headers },
          deadline,
        );
      const [health, syncing, head] = await Promise.allSettled([
        get(CL_HEALTH_PATH).then(healthProblem),
        get(CL_SYNCING_PATH).then(syncingProblem),
        get(CL_HEAD_PATH).then(headSlotOf),
      ]);
      const healthReason = problemOf(health);
      const syncingReason = problemOf(syncing);
      const slot = head.status === 'fulfilled' ? head.value : null;
      const reason =
        (syncing.status === 'fulfilled' ? syncingReason : null) ??
        healthReason ??
        syncingReason ??
        (head.status === 'rejected' ? CheckFailure.fromError(head.reason).message : null);
      return {
        healthOk: healthReason === null && syncingReason === null,
        slot,
        reason,
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

function problemOf(outcome: PromiseSettledResult<string | null>): string | null {
  return outcome.status === 'fulfilled'
    ? outcome.value
    : CheckFailure.fromError(outcome.reason).message;
}

/** `/eth/v1/node/health`: null when ready (200), otherwise why not. */
export function healthProblem(response: CheckResponse): string | null {
  switch (response.status) {
    case 200:
      return null;
    case 206:
      return 'syncing (HTTP 206)';
    default:
      return `HTTP ${response.status}`;
  }
}

/** `/eth/v1/node/syncing`: null when synced and not optimistic, otherwise why not. */
export function syncingProblem(response: CheckResponse): string | null {
  if (response.status !== 200) throw CheckFailure.httpStatus(response.status, 'node/syncing');
  const data = dataOf(parseJson(response.body, 'node/syncing response'));
  const { is_syncing: syncing, is_optimistic: optimistic, sync_distance: distance } = data;
  if (typeof syncing !== 'boolean') throw CheckFailure.invalidValue('is_syncing', syncing);
  if (optimistic !== undefined && typeof optimistic !== 'boolean') {
    throw CheckFailure.invalidValue('is_optimistic', optimistic);
  }
  if (syncing) {
    const n = parseDecimalUint(distance);
    return n === null ? 'syncing' : `syncing (distance ${n})`;
  }
  return optimistic === true ? 'optimistic (execution payload not verified)' : null;
}

/** `/eth/v1/beacon/headers/head`: the slot at `data.header.message.slot`, strictly parsed. */
export function headSlotOf(response: CheckResponse): number {
  if (response.status !== 200) throw CheckFailure.httpStatus(response.status, 'head header');
  const data = dataOf(parseJson(response.body, 'head header response'));
  const header = objectOr(data.header);
  const message = objectOr(header?.message);
  const raw = message?.slot;
  const slot = parseDecimalUint(raw);
  if (slot === null) throw CheckFailure.invalidValue('head slot', raw);
  return slot;
}

function dataOf(answer: unknown): Record<string, unknown> {
  const data = objectOr(objectOr(answer)?.data);
  if (!data) throw CheckFailure.invalid('invalid beacon API response (no data object)');
  return data;
}

function objectOr(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
