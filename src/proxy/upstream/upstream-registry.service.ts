import {
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { type Subscription } from 'rxjs';
import { type Dispatcher } from 'undici';
import { CONFIG_UPDATE, ConfigStore } from '../../config';
import { NodeRegistry } from '../../health/node-registry.service';
import { type ClNodeState, type ElNodeState, type NodeState } from '../../health/node-state';
import { VixyMetrics } from '../../metrics/metrics.service';
import { RedisService } from '../../redis/redis.service';
import { type BucketFactory, NodeBudget } from '../rate-limit/node-budget';
import { createNodeBucket } from '../rate-limit/shared-token-bucket';
import { type Clock, InjectRateLimitClock } from '../rate-limit/rate-limit.constants';
import { type ClUpstream, type ElUpstream, Upstream } from './upstream';
import { NodeSockets, type SocketFactory } from './node-sockets';
import {
  InjectUpstreamPoolFactory,
  InjectUpstreamSocketFactory,
  type UpstreamPoolFactory,
} from './upstream.constants';
import {
  bindUpstreamMetrics,
  dropErrorMetrics,
  dropUpstreamMetrics,
  labelKey,
} from './upstream-metrics';
import { parseTarget } from './upstream-target';

/** Longest wait for a TCP/TLS connection to a node. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;
/** How long a pool being closed waits for its requests before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

/**
 * The upstream objects of every configured node, in the node registry's order
 * (primaries, then backups; CL in config order). The only place where a node's proxy
 * resources are created, changed and closed: at start-up, on a config reload (after
 * the node registry, see CONFIG_UPDATE) and at shutdown.
 *
 * A reload keeps a node's upstream while its URLs stay the same (its pool, budget and
 * latency carry on; new limits start a new full bucket; a new tier label re-binds the
 * metric children); a node whose URL changed gets a new upstream, and the pool of a
 * removed node is closed once its requests are done (destroyed after a grace).
 *
 * Pools are closed on application shutdown, not in onModuleDestroy: Nest calls
 * onModuleDestroy before the HTTP server stops, and closing them there would fail the
 * requests that the graceful shutdown is waiting for.
 */
@Injectable()
export class UpstreamRegistry implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(UpstreamRegistry.name);
  private elList: ElUpstream[] = [];
  private clList: ClUpstream[] = [];
  private byState = new Map<Readonly<NodeState>, Upstream>();
  private readonly byName = {
    el: new Map<string, ElUpstream>(),
    cl: new Map<string, ClUpstream>(),
  };
  private events: Subscription | undefined;
  /** What an upstream was built from (its URLs): a node whose key changed gets a new one. */
  private readonly keys = new WeakMap<Upstream, string>();

  constructor(
    private readonly store: ConfigStore,
    private readonly registry: NodeRegistry,
    private readonly metrics: VixyMetrics,
    @InjectUpstreamPoolFactory() private readonly createPool: UpstreamPoolFactory,
    @InjectUpstreamSocketFactory() private readonly createSocket: SocketFactory,
    @InjectRateLimitClock() private readonly clock: Clock,
    private readonly redis: RedisService,
  ) {
    this.sync();
  }

  /** Good health checks feed each node's latency figure (a node without traffic has one too). */
  onModuleInit(): void {
    this.events = this.registry.events$.subscribe((event) => {
      if (event.type !== 'checked') return;
      const upstream = this.byName[event.layer].get(event.name);
      const node = upstream?.node;
      if (node?.checkOk && node.lastLatencyMs !== null) upstream?.recordLatency(node.lastLatencyMs);
    });
  }

  onModuleDestroy(): void {
    this.events?.unsubscribe();
  }

  /** EL upstreams in order of preference (the registry's `el()` order). */
  el(): readonly ElUpstream[] {
    return this.elList;
  }

  /** CL upstreams in config order. */
  cl(): readonly ClUpstream[] {
    return this.clList;
  }

  /** The upstream of a node state of the registry's current lists. */
  of<N extends NodeState>(node: Readonly<N>): Upstream<N> | undefined {
    return this.byState.get(node) as Upstream<N> | undefined;
  }

  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate(): void {
    this.sync();
  }

  async onApplicationShutdown(): Promise<void> {
    const all = [...this.elList, ...this.clList];
    this.elList = [];
    this.clList = [];
    this.byState = new Map();
    this.byName.el.clear();
    this.byName.cl.clear();
    await Promise.all(all.map((u) => this.close(u, false)));
  }

  private sync(): void {
    this.elList = this.syncLayer(
      this.byName.el,
      this.registry.el(),
      (n) => `${n.config.http_url} ${n.config.ws_url}`,
    );
    this.clList = this.syncLayer(this.byName.cl, this.registry.cl(), (n) => n.config.url);
    this.byState = new Map<Readonly<NodeState>, Upstream>([
      ...this.elList.map((u) => [u.node, u] as const),
      ...this.clList.map((u) => [u.node, u] as const),
    ]);
  }

  private syncLayer<N extends ElNodeState | ClNodeState>(
    byName: Map<string, Upstream<N>>,
    nodes: readonly Readonly<N>[],
    urlOf: (node: Readonly<N>) => string,
  ): Upstream<N>[] {
    const now = this.clock.now();
    const wanted = new Set(nodes.map((n) => n.name));
    for (const [name, upstream] of byName) {
      if (wanted.has(name)) continue;
      byName.delete(name);
      void this.close(upstream, true);
    }
    return nodes.map((node) => {
      const kept = byName.get(node.name);
      if (kept !== undefined && this.keys.get(kept) === urlOf(node) && !kept.isClosed) {
        kept.budget.setLimits(node.config, now);
        let children = kept.metrics;
        if (children.key !== labelKey(node)) {
          dropUpstreamMetrics(this.metrics, node.layer, children.key);
          children = bindUpstreamMetrics(this.metrics, node);
        }
        kept.rebind(node, children);
        return kept;
      }
      if (kept !== undefined) void this.close(kept, false);
      const created = this.create(node, urlOf(node), now);
      this.keys.set(created, urlOf(node));
      byName.set(node.name, created);
      return created;
    });
  }

  private create<N extends NodeState>(node: Readonly<N>, key: string, now: number): Upstream<N> {
    const url = node.layer === 'el' ? (node as Readonly<ElNodeState>).config.http_url : key;
    const target = parseTarget(url);
    const timeout = Math.min(this.store.current.global.proxy_timeout_ms, MAX_CONNECT_TIMEOUT_MS);
    return new Upstream<N>({
      node,
      url,
      target,
      pool: this.createPool(target.origin, { connect: { timeout } }),
      budget: new NodeBudget(node.config, now, this.bucketsOf(node)),
      metrics: bindUpstreamMetrics(this.metrics, node),
      sockets: node.layer === 'el' ? this.socketsOf(node as Readonly<ElNodeState>) : undefined,
    });
  }

  /**
   * The shared WebSocket connections of an EL node, opened by their first user (the head
   * log, at bootstrap). A connection that fails takes the node out of WebSocket rotation
   * only (NodeSockets.available); the node's HTTP health is the checks' business.
   */
  private socketsOf(node: Readonly<ElNodeState>): NodeSockets {
    const gauge = this.metrics.wsUpstreamConnections.labels(node.name);
    let wasAvailable = false;
    const sockets: NodeSockets = new NodeSockets({
      name: node.name,
      url: node.config.ws_url,
      count: this.store.current.websocket.upstream_connections_per_node,
      connect: this.createSocket,
      requestTimeoutMs: () => this.store.current.global.proxy_timeout_ms,
      onAttempt: (status) => this.metrics.wsReconnectionAttempts.labels(status).inc(),
      onChange: (open) => {
        gauge.set(open);
        if (open > 0 && !wasAvailable) {
          this.logger.log({ node: node.name }, 'WebSocket connection to the node open');
        }
        if (open === 0 && wasAvailable && !sockets.isClosed) {
          this.logger.warn(
            { node: node.name, reason: sockets.lastFailure ?? 'closed' },
            'no WebSocket connection to the node: out of WebSocket rotation until one opens',
          );
        }
        wasAvailable = open > 0;
      },
    });
    return sockets;
  }

  /** Budgets of the whole fleet of replicas with `[redis]`, this process's own without. */
  private bucketsOf(node: Readonly<NodeState>): BucketFactory {
    return (capacity, perSecond) =>
      createNodeBucket(this.redis, node.layer, node.name, { capacity, perSecond }, this.clock);
  }

  /** Closes an upstream's pool once its requests are done; `removed`: its series go too. */
  private async close(upstream: Upstream, removed: boolean): Promise<void> {
    if (upstream.isClosed) return;
    upstream.markClosed();
    upstream.sockets?.close();
    void upstream.budget.close();
    if (removed) {
      dropUpstreamMetrics(this.metrics, upstream.layer, upstream.metrics.key);
      dropErrorMetrics(this.metrics, upstream.layer, upstream.name);
      this.logger.debug({ node: upstream.name, layer: upstream.layer }, 'upstream closed');
    }
    await closePool(upstream.pool);
  }
}

/** Closes a pool once its requests are done, or destroys it after CLOSE_GRACE_MS. */
async function closePool(pool: Dispatcher): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS);
  });
  const closed = pool.close().then(
    () => 'closed' as const,
    () => 'closed' as const,
  );
  const outcome = await Promise.race([closed, grace]);
  clearTimeout(timer);
  if (outcome === 'late') await pool.destroy().catch(() => undefined);
}
