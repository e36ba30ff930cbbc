import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { type Subscription } from 'rxjs';
import { type Clock, type TimerHandle } from '../../common/clock';
import { type Config, CONFIG_UPDATE, ConfigStore } from '../../config';
import { isAvailable } from '../../health/node-state';
import { NodeRegistry } from '../../health/node-registry.service';
import { VixyMetrics } from '../../metrics/metrics.service';
import { ElProxy } from '../http/el-proxy.service';
import { JSON_CONTENT_TYPE } from '../http/el-answer';
import { requestIdOf } from '../http/request-id';
import { ChainFollower } from './chain-follower.service';
import { InjectWsClock } from './ws.constants';
import { sessionLimits } from './ws-limits';
import { type WsSession } from './ws-session';
import { type WsManagerOptions, WsSessionManager } from './ws-session-manager';
import { type ClientSocket, type SessionDeps, type SessionMetrics } from './ws-session.types';

/** How long shutdown waits for clients to take their 1001 close frames. */
const CLOSE_WAIT_MS = 1000;
/** Message counts reach the ws_* counters at most this late. */
const METRICS_FLUSH_MS = 1000;

/**
 * Nest face of the WebSocket sessions: builds the session manager over the EL call path
 * (ElProxy, as POST /el), the chain follower (head log, shared subscriptions) and the
 * metrics; feeds it node events and head log changes; closes every client with 1001
 * before the server stops. Limits come from the current config when a session starts
 * (a reload applies to the next session).
 */
@Injectable()
export class WsSessionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WsSession');
  readonly manager: WsSessionManager;
  private readonly metrics: ReturnType<typeof sessionMetrics>;
  private events?: Subscription;
  private unfollow?: () => void;
  private unpoint?: () => void;
  private flushTimer?: TimerHandle;
  private pointedAt: string | null = null;
  private built: { config: Config; deps: Omit<SessionDeps, 'onEnd'> } | undefined;

  constructor(
    store: ConfigStore,
    private readonly registry: NodeRegistry,
    private readonly vixyMetrics: VixyMetrics,
    private readonly el: ElProxy,
    private readonly chain: ChainFollower,
    @InjectWsClock() private readonly clock: Clock,
  ) {
    this.metrics = sessionMetrics(vixyMetrics);
    this.manager = new WsSessionManager(
      () => managerOptions(store.current),
      () => this.depsFor(store.current),
      {
        opened: () => vixyMetrics.wsConnections.inc(),
        active: (delta) => {
          vixyMetrics.wsConnectionsActive.inc(delta);
          if (this.pointedAt !== null) vixyMetrics.wsUpstreamNode.labels(this.pointedAt).inc(delta);
        },
      },
    );
  }

  onApplicationBootstrap(): void {
    this.manager.start();
    this.flushTimer = this.clock.setInterval(() => this.metrics.flush(), METRICS_FLUSH_MS);
    this.events = this.registry.events$.subscribe((event) => {
      if ('layer' in event && event.layer !== 'el') return;
      if (event.type === 'checked') return;
      this.manager.nodesChanged();
    });
    this.unfollow = this.chain.log.subscribe({ changed: () => this.manager.chainChanged() });
    this.unpoint = this.chain.onPointerChange((node) => this.pointed(node));
    this.pointed(this.chain.node);
  }

  /** The ping interval follows a reload; other limits apply to the next session. */
  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate(): void {
    this.manager.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.events?.unsubscribe();
    this.unfollow?.();
    this.unpoint?.();
    if (this.flushTimer) this.clock.clear(this.flushTimer);
    await this.manager.closeAll(CLOSE_WAIT_MS);
    this.metrics.flush();
  }

  accept(client: ClientSocket): WsSession | undefined {
    return this.manager.accept(client);
  }

  /** vixy_ws_upstream_node: every session is pointed at the chain follower's node. */
  private pointed(node: string | null): void {
    const previous = this.pointedAt;
    if (previous === node) return;
    const gauge = this.vixyMetrics.wsUpstreamNode;
    if (previous !== null) gauge.labels(previous).set(0);
    this.pointedAt = node;
    const sessions = this.manager.size;
    if (node !== null) gauge.labels(node).set(sessions);
    if (previous !== null && node !== null && sessions > 0) {
      this.vixyMetrics.wsReconnections.inc(sessions);
    }
  }

  /** Session dependencies for a config, built once per config version. */
  private depsFor(config: Config): Omit<SessionDeps, 'onEnd'> {
    if (this.built?.config === config) return this.built.deps;
    const ws = config.websocket;
    const deps: Omit<SessionDeps, 'onEnd'> = {
      limits: sessionLimits(config),
      call: async (frame) => {
        const answer = await this.el.handle(frame, JSON_CONTENT_TYPE, requestIdOf(undefined));
        const body = answer.body;
        return typeof body === 'string' ? Buffer.from(body) : body;
      },
      chain: this.chain,
      nodeAvailable: () => this.registry.el().some(isAvailable),
      clock: this.clock,
      metrics: this.metrics,
      log: this.logger,
      maxClientBufferBytes: ws.max_client_buffer_bytes,
      reconnectDeadlineMs: ws.reconnect_deadline_ms,
    };
    this.built = { config, deps };
    return deps;
  }
}

function managerOptions(config: Config): WsManagerOptions {
  return {
    maxSessions: config.websocket.max_sessions,
    pingIntervalMs: config.websocket.ping_interval_ms,
  };
}

/**
 * Session hooks bound to the ws_* metrics. Message counts are the hot path (one per
 * notification): they are summed in plain numbers and added to the counters by
 * `flush()`, once a second and at shutdown.
 */
function sessionMetrics(m: VixyMetrics): SessionMetrics & { flush(): void } {
  const fromClient = m.wsMessages.labels('client_to_upstream');
  const toClient = m.wsMessages.labels('upstream_to_client');
  const byType = {
    newHeads: m.wsNotifications.labels('newHeads'),
    logs: m.wsNotifications.labels('logs'),
    other: m.wsNotifications.labels('other'),
  };
  let inbound = 0;
  let outbound = 0;
  const notes = { newHeads: 0, logs: 0, other: 0 };
  return {
    flush: () => {
      if (inbound > 0) fromClient.inc(inbound);
      if (outbound > 0) toClient.inc(outbound);
      inbound = 0;
      outbound = 0;
      for (const type of ['newHeads', 'logs', 'other'] as const) {
        if (notes[type] > 0) byType[type].inc(notes[type]);
        notes[type] = 0;
      }
    },
    fromClient: () => {
      inbound++;
    },
    toClient: () => {
      outbound++;
    },
    notified: (type) => {
      notes[type]++;
    },
    subscriptions: (delta) => {
      m.wsSubscriptionsActive.inc(delta);
      if (delta > 0) m.wsSubscriptions.inc(delta);
    },
  };
}
