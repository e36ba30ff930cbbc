import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { type Subscription } from 'rxjs';
import { CONFIG_UPDATE, ConfigStore } from '../../config';
import { type ElNodeState, isAvailable } from '../../health/node-state';
import { NodeRegistry } from '../../health/node-registry.service';
import { VixyMetrics } from '../../metrics/metrics.service';
import {
  type ChainProblem,
  type ChainSource,
  FilterStore,
  HeadLog,
  headerFromBlock,
  SubscriptionFeed,
} from '../chain';
import { type AttemptFailure, invalidAnswer, statusFailure } from '../failover/attempt-failure';
import { Failover } from '../failover/failover.service';
import { NodeSelector } from '../routing/node-selector.service';
import { type RoutingRequest } from '../routing/routing-strategy';
import { requestBuffered } from '../upstream/buffered-request';
import { type UpstreamSubscription } from '../upstream/node-sockets';
import { type ElUpstream } from '../upstream/upstream';
import { UpstreamRegistry } from '../upstream/upstream-registry.service';
import { SharedSubscriptions } from './shared-subscriptions';
import { WsNodeChooser } from './ws-node-chooser';

/** Stalled observations and failed log fetches are tried again this often. */
const RETRY_MS = 1000;
/** Expired filters are dropped this often. */
const SWEEP_MS = 10_000;
/** A fail-back is reconsidered this long after failback_delay_ms has passed. */
const FAILBACK_MARGIN_MS = 50;
/** Keep-alive of the shared connections when `[websocket] ping_interval_ms` is longer. */
const MAX_PING_MS = 15_000;
const NEW_HEADS = ['newHeads'] as const;

/**
 * Vixy follows the EL chain itself: one head log (src/proxy/chain) fed by a newHeads
 * subscription on every EL node's shared WebSocket connections and by the health checks
 * over HTTP (a node that reports a higher block than the log's head is asked for it),
 * its holes and reorgs filled over HTTP through the failover core. The node sessions
 * are pointed at (WsNodeChooser: tiers, fail-back delay, WebSocket rotation) is the
 * authoritative one: its view of the chain wins. Client newHeads/logs subscriptions
 * (SubscriptionFeed) and filters (FilterStore) read from the log; subscriptions of
 * other types share one upstream subscription per type on the pointed node.
 */
@Injectable()
export class ChainFollower implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ChainFollower');
  readonly log: HeadLog;
  readonly feed: SubscriptionFeed;
  readonly filters: FilterStore;
  readonly shared = new SharedSubscriptions();
  private readonly chooser: WsNodeChooser;
  private readonly heads = new Map<ElUpstream, UpstreamSubscription>();
  private readonly pointerListeners = new Set<(node: string | null) => void>();
  private pointed: ElUpstream | undefined;
  private events?: Subscription;
  private timers: NodeJS.Timeout[] = [];
  private failbackTimer: NodeJS.Timeout | undefined;
  private reconsiderQueued = false;
  private lastProblem = '';
  private backfilled = 0;
  private pendingFeed: (() => void) | undefined;
  private following = false;

  constructor(
    private readonly store: ConfigStore,
    private readonly registry: NodeRegistry,
    private readonly upstreams: UpstreamRegistry,
    private readonly selector: NodeSelector,
    private readonly failover: Failover,
    private readonly metrics: VixyMetrics,
  ) {
    const source: ChainSource = {
      blockByNumber: (n) => this.fetch('eth_getBlockByNumber', [`0x${n.toString(16)}`, false]),
      blockByHash: (hash) => this.fetch('eth_getBlockByHash', [hash, false]),
      logsOfBlock: (hash) => this.fetch('eth_getLogs', [{ blockHash: hash }]),
    };
    this.log = new HeadLog(source, {
      depth: store.current.websocket.head_log_depth,
      onProblem: (p) => this.problem(p),
    });
    this.feed = new SubscriptionFeed(this.log);
    this.filters = new FilterStore(this.log, { maxFilters: store.current.proxy.max_filters });
    this.chooser = new WsNodeChooser({
      upstreams: () => upstreams.el(),
      failbackDelayMs: () => store.current.websocket.failback_delay_ms,
      now: () => Date.now(),
    });
    this.log.subscribe({
      reorg: () => this.metrics.elHeadLogReorgs.inc(),
      changed: () => this.afterChange(),
    });
  }

  /** The node sessions are pointed at now (null: none available). */
  get node(): string | null {
    return this.pointed?.name ?? null;
  }

  /** Called with the new node whenever the pointed node changes. */
  onPointerChange(listener: (node: string | null) => void): () => void {
    this.pointerListeners.add(listener);
    return () => this.pointerListeners.delete(listener);
  }

  /**
   * Starts following the chain (idempotent): opens every EL node's shared connections and
   * subscribes to its newHeads. Called by the first reader (a newHeads or logs
   * subscription, a filter); a Vixy that only proxies calls opens no connection for it.
   */
  follow(): void {
    if (this.following) return;
    this.following = true;
    this.syncUpstreams();
    for (const u of this.upstreams.el()) this.polled(u.name);
  }

  /** A pending-transaction filter was installed: follow the pointed node's pending pool. */
  followPendingTransactions(): void {
    if (this.pendingFeed !== undefined) return;
    const listener = (json: string): void => {
      const hash: unknown = JSON.parse(json);
      if (typeof hash === 'string') {
        try {
          this.filters.pendingTransaction(hash);
        } catch {
          // not a hash (a node that sends full transactions): nothing to record
        }
      }
    };
    const timeout = this.store.current.global.proxy_timeout_ms;
    this.pendingFeed = () => undefined;
    void this.shared.subscribe(['newPendingTransactions'], listener, timeout).then((r) => {
      this.pendingFeed = r.ok ? r.release : undefined;
    });
  }

  onApplicationBootstrap(): void {
    this.events = this.registry.events$.subscribe((event) => {
      if (!('layer' in event) || event.layer !== 'el') return;
      if (event.type === 'checked') {
        this.polled(event.name);
      } else this.reconsider();
      if (event.type === 'node-available') this.scheduleFailback();
    });
    this.reconsider();
    this.startTimers();
  }

  /** After every reload listener has run (the upstream registry re-synced first). */
  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate(): void {
    const config = this.store.current;
    this.log.configure({ depth: config.websocket.head_log_depth });
    this.filters.configure({ maxFilters: config.proxy.max_filters });
    setImmediate(() => {
      if (this.following) this.syncUpstreams();
      this.reconsider();
      this.startTimers();
    });
  }

  beforeApplicationShutdown(): void {
    this.events?.unsubscribe();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.failbackTimer) clearTimeout(this.failbackTimer);
    for (const sub of this.heads.values()) sub.close();
    this.heads.clear();
    this.shared.close();
    this.filters.close();
    this.log.close();
  }

  private startTimers(): void {
    for (const t of this.timers) clearInterval(t);
    const ping = Math.min(this.store.current.websocket.ping_interval_ms, MAX_PING_MS);
    this.timers = [
      setInterval(() => this.log.retry(), RETRY_MS),
      setInterval(() => this.filters.sweep(), SWEEP_MS),
      setInterval(() => {
        for (const u of this.upstreams.el()) u.sockets?.heartbeat();
      }, ping),
    ];
    for (const t of this.timers) t.unref();
  }

  /**
   * Opens every EL node's connections and subscribes to its newHeads; drops removed nodes.
   * Shared subscriptions of other types need the connections too: they start them.
   */
  private syncUpstreams(): void {
    const current = new Set(this.upstreams.el());
    for (const [upstream, sub] of this.heads) {
      if (current.has(upstream) && !upstream.isClosed) continue;
      sub.close();
      this.heads.delete(upstream);
    }
    for (const upstream of current) {
      const sockets = upstream.sockets;
      if (sockets === undefined || this.heads.has(upstream)) continue;
      sockets.start();
      const sub = sockets.subscribe(NEW_HEADS, {
        onNotification: (result) => this.observe(upstream, result),
        onLive: () => this.reconsider(),
        onLost: () => this.reconsider(),
      });
      this.heads.set(upstream, sub);
    }
  }

  private observe(upstream: ElUpstream, block: unknown): void {
    const header = headerFromBlock(block);
    if (header === undefined) return;
    this.log.observe(header, {
      node: upstream.name,
      authoritative: upstream === this.pointed,
    });
  }

  /**
   * A health check of `name` came in: when the node reports a block above the log's head
   * and its newHeads subscription is not live (a node without WebSocket, a connection
   * down), that block is fetched from it over HTTP: the log follows without WebSocket too.
   */
  private polled(name: string): void {
    if (!this.following) return;
    const upstream = this.upstreams.el().find((u) => u.name === name);
    const height = upstream?.node.blockNumber;
    if (upstream === undefined || height === null || height === undefined) return;
    if (!upstream.node.checkOk || this.heads.get(upstream)?.live === true) return;
    if (height <= (this.log.head?.number ?? -1)) return;
    const timeout = this.store.current.global.proxy_timeout_ms;
    void this.ask(upstream, 'eth_getBlockByNumber', [`0x${height.toString(16)}`, false], timeout)
      .then((answer) => {
        if (Buffer.isBuffer(answer)) this.observe(upstream, resultOf(answer));
      })
      .catch(() => undefined);
  }

  /** Re-points sessions when the pointed node is gone, lost its sockets, or a fail-back is due. */
  private reconsider(): void {
    if (this.reconsiderQueued) return;
    this.reconsiderQueued = true;
    queueMicrotask(() => {
      this.reconsiderQueued = false;
      const current = this.pointed;
      if (
        current !== undefined &&
        !current.isClosed &&
        this.chooser.verdict(current.name) === null
      ) {
        return;
      }
      const next = this.chooser.pick();
      if (next === current) return;
      if (
        next === undefined &&
        current !== undefined &&
        !current.isClosed &&
        isAvailable(current.node)
      ) {
        return;
      }
      this.pointed = next;
      this.shared.pointAt(next?.sockets);
      this.logger.log(
        { from: current?.name ?? null, to: next?.name ?? null },
        'WebSocket sessions pointed at another node',
      );
      for (const listener of [...this.pointerListeners]) listener(next?.name ?? null);
      // The new node's view is the authoritative one from now on.
      const head = next === undefined ? undefined : this.heads.get(next);
      if (next !== undefined && head?.live !== true) this.polled(next.name);
    });
  }

  private scheduleFailback(): void {
    if (this.failbackTimer) clearTimeout(this.failbackTimer);
    const delay = this.store.current.websocket.failback_delay_ms + FAILBACK_MARGIN_MS;
    this.failbackTimer = setTimeout(() => {
      this.failbackTimer = undefined;
      this.reconsider();
    }, delay);
    this.failbackTimer.unref();
  }

  private afterChange(): void {
    const head = this.log.head;
    if (head !== undefined) this.metrics.elHeadLogHeight.set(head.number);
    const fetched = this.log.stats().blockFetches;
    if (fetched > this.backfilled) this.metrics.elHeadLogBackfilled.inc(fetched - this.backfilled);
    this.backfilled = fetched;
    const counts = this.filters.counts();
    for (const type of ['block', 'log', 'pending'] as const) {
      this.metrics.elFiltersActive.set({ type }, counts[type]);
    }
  }

  private problem(p: ChainProblem): void {
    const text = `${p.kind} ${p.node ?? ''} ${p.detail}`;
    if (text === this.lastProblem) return;
    this.lastProblem = text;
    const fields = { node: p.node ?? null, reason: p.detail };
    if (p.kind === 'stall')
      this.logger.warn(fields, 'head log waits for a block it could not fetch');
    else this.logger.error(fields, `head log: ${p.kind} problem`);
  }

  /** One ChainSource call through the failover core: null from a node means "try another". */
  private async fetch(method: string, params: readonly unknown[]): Promise<unknown> {
    const timeout = this.store.current.global.proxy_timeout_ms;
    const result = await this.failover.run<ElNodeState, Buffer>({
      selector: this.selector.el,
      routing: { transport: 'http', methods: [method] } satisfies RoutingRequest,
      calls: 1,
      resendable: true,
      attempt: async (upstream) => {
        const answer = await this.ask(upstream, method, params, timeout);
        if (!Buffer.isBuffer(answer)) return answer;
        return resultOf(answer) === null
          ? invalidAnswer(`${method}: unknown to this node`)
          : answer;
      },
    });
    if (!result.ok) throw new Error(result.failure?.message ?? 'no EL node available');
    return resultOf(result.value);
  }

  private async ask(
    upstream: ElUpstream,
    method: string,
    params: readonly unknown[],
    timeout: number,
  ): Promise<Buffer | AttemptFailure> {
    const response = await requestBuffered(
      upstream.pool,
      {
        method: 'POST',
        path: upstream.target.path,
        headers: [...upstream.jsonHeaders],
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      },
      this.store.current.proxy.max_response_bytes,
    );
    if (!('status' in response)) return response;
    const failed = statusFailure(response.status, response.retryAfter, response.body);
    if (failed) return failed;
    const parsed = parse(response.body);
    if (parsed === undefined || 'error' in parsed) {
      return invalidAnswer(`${method}: ${parsed === undefined ? 'not JSON' : 'an error'}`);
    }
    return response.body;
  }
}

function parse(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function resultOf(body: Buffer): unknown {
  return parse(body)?.result ?? null;
}
