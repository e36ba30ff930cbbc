import {
  type BeforeApplicationShutdown,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { type Subscription } from 'rxjs';
import { CONFIG_UPDATE, ConfigStore } from '../../config';
import { type ElNodeState } from '../../health/node-state';
import { NodeRegistry } from '../../health/node-registry.service';
import { VixyMetrics } from '../../metrics/metrics.service';
import { FinalizedTracker, finalizedNumberOf } from '../cache/finalized-tracker';
import { AttemptFailure, invalidAnswer, statusFailure } from '../failover/attempt-failure';
import { Failover } from '../failover/failover.service';
import { NodeSelector } from '../routing/node-selector.service';
import { type RoutingRequest } from '../routing/routing-strategy';
import { requestBuffered } from '../upstream/buffered-request';
import { type ElUpstream } from '../upstream/upstream';

const FINALIZED_REQUEST = Buffer.from(
  '{"jsonrpc":"2.0","id":0,"method":"eth_getBlockByNumber","params":["finalized",false]}',
);
const ROUTING: RoutingRequest = { transport: 'http', methods: ['eth_getBlockByNumber'] };
/** Largest answer read (a block header). */
const MAX_BYTES = 64 * 1024;

/**
 * The finalized block number the answer cache relies on, read from the nodes
 * (`eth_getBlockByNumber("finalized")` through the failover core, like any call):
 * refreshed while `[cache] enabled`, every 12 s and when the EL head moves. Unknown
 * until a node answered: nothing that depends on finality is cached before.
 */
@Injectable()
export class ElFinality implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly tracker: FinalizedTracker;
  private events: Subscription | undefined;
  private head: number | null = null;

  constructor(
    private readonly store: ConfigStore,
    private readonly registry: NodeRegistry,
    private readonly selector: NodeSelector,
    private readonly failover: Failover,
    metrics: VixyMetrics,
  ) {
    this.tracker = new FinalizedTracker(() => this.fetch(), {
      gauge: metrics.cacheFinalizedBlock,
    });
  }

  /** The finalized block number, or undefined while unknown. */
  get height(): number | undefined {
    return this.tracker.height;
  }

  onApplicationBootstrap(): void {
    this.events = this.registry.events$.subscribe((event) => {
      if (!('layer' in event) || event.layer !== 'el' || !this.store.current.cache.enabled) return;
      // A node to ask again (the first fetch at start-up finds none healthy yet).
      if (event.type === 'node-available' && this.tracker.height === undefined) {
        void this.tracker.refresh();
        return;
      }
      if (event.type !== 'checked') return;
      const head = this.registry.elChainHead();
      if (head !== null && head !== this.head) {
        this.head = head;
        this.tracker.headMoved();
      }
    });
    this.follow();
  }

  /** `[cache] enabled` turned on or off by a reload. */
  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate(): void {
    this.follow();
  }

  beforeApplicationShutdown(): void {
    this.events?.unsubscribe();
    this.tracker.stop();
  }

  private follow(): void {
    if (this.store.current.cache.enabled) this.tracker.start();
    else this.tracker.stop();
  }

  private async fetch(): Promise<number | null> {
    const timeout = this.store.current.global.proxy_timeout_ms;
    const result = await this.failover.run<ElNodeState, Buffer>({
      selector: this.selector.el,
      routing: ROUTING,
      calls: 1,
      resendable: true,
      attempt: (upstream) => this.ask(upstream, timeout),
    });
    if (!result.ok) throw new Error(result.failure?.message ?? 'no EL node available');
    const answer = JSON.parse(result.value.toString('utf8')) as { result?: unknown };
    return finalizedNumberOf(answer.result ?? null);
  }

  private async ask(upstream: ElUpstream, timeout: number): Promise<Buffer | AttemptFailure> {
    const response = await requestBuffered(
      upstream.pool,
      {
        method: 'POST',
        path: upstream.target.path,
        headers: [...upstream.jsonHeaders],
        body: FINALIZED_REQUEST,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      },
      MAX_BYTES,
    );
    if (!('status' in response)) return response;
    const failed = statusFailure(response.status, response.retryAfter, response.body);
    if (failed) return failed;
    try {
      JSON.parse(response.body.toString('utf8'));
    } catch {
      return invalidAnswer('finalized block: not JSON');
    }
    return response.body;
  }
}
