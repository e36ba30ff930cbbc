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
import { NodeRegistry } from '../../health/node-registry.service';
import { VixyMetrics } from '../../metrics/metrics.service';
import {
  type Clock as BudgetClock,
  InjectRateLimitClock,
} from '../rate-limit/rate-limit.constants';
import { NodeSelector } from '../routing/node-selector.service';
import { UpstreamRegistry } from '../upstream/upstream-registry.service';
import { Backoff } from './backoff';
import { InjectUpstreamFactory, InjectWsClock } from './ws.constants';
import { sessionLimits, sweepIntervalMs } from './ws-limits';
import { WsNodeChooser } from './ws-node-chooser';
import { type WsSession } from './ws-session';
import { type WsManagerOptions, WsSessionManager } from './ws-session-manager';
import {
  type ClientSocket,
  type SessionDeps,
  type SessionMetrics,
  type UpstreamFactory,
} from './ws-session.types';

/** How long shutdown waits for clients to take their 1001 close frames. */
const CLOSE_WAIT_MS = 1000;
/** Message counts reach ws_messages_total at most this late. */
const METRICS_FLUSH_MS = 1000;
/** A fail-back is reconsidered this long after failback_delay_ms has passed. */
const FAILBACK_MARGIN_MS = 50;

/**
 * Nest face of the WebSocket sessions: builds the session manager over the node
 * selector, the upstream budgets and the metrics, feeds it node events, and closes every
 * client with 1001 before the server stops. Limits come from the current config when a
 * session starts (a reload applies to the next session).
 */
@Injectable()
export class WsSessionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WsSession');
  readonly manager: WsSessionManager;
  private readonly metrics: ReturnType<typeof sessionMetrics>;
  private readonly chooser: WsNodeChooser;
  private events?: Subscription;
  private flushTimer?: TimerHandle;
  private failbackTimer?: TimerHandle;
  private built: { config: Config; deps: Omit<SessionDeps, 'onEnd'> } | undefined;

  constructor(
    private readonly store: ConfigStore,
    private readonly registry: NodeRegistry,
    metrics: VixyMetrics,
    selector: NodeSelector,
    upstreams: UpstreamRegistry,
    @InjectUpstreamFactory() private readonly connect: UpstreamFactory,
    @InjectWsClock() private readonly clock: Clock,
    @InjectRateLimitClock() budgetClock: BudgetClock,
  ) {
    this.metrics = sessionMetrics(metrics);
    this.chooser = new WsNodeChooser({
      selector: selector.el,
      upstreams: () => upstreams.el(),
      reportFailure: (name, reason) => registry.reportFailure('el', name, reason),
      failbackDelayMs: () => store.current.websocket.failback_delay_ms,
      now: () => Date.now(),
      budgetNow: () => budgetClock.now(),
    });
    this.manager = new WsSessionManager(
      () => managerOptions(store.current),
      () => this.depsFor(store.current),
      {
        opened: () => metrics.wsConnections.inc(),
        active: (delta) => metrics.wsConnectionsActive.inc(delta),
      },
    );
  }

  onApplicationBootstrap(): void {
    this.manager.start();
    this.flushTimer = this.clock.setInterval(() => this.metrics.flush(), METRICS_FLUSH_MS);
    this.events = this.registry.events$.subscribe((event) => {
      if ('layer' in event && event.layer !== 'el') return;
      // Routine checks change nothing for sessions; transitions do.
      if (event.type === 'checked') return;
      this.manager.nodesChanged();
      // A primary back in rotation: sessions on backups move once it has stayed there.
      if (event.type === 'node-available') this.scheduleFailback();
    });
  }

  /** Ping and sweep intervals follow a reload; other limits apply to the next session. */
  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate(): void {
    this.manager.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.events?.unsubscribe();
    if (this.flushTimer) this.clock.clear(this.flushTimer);
    if (this.failbackTimer) this.clock.clear(this.failbackTimer);
    await this.manager.closeAll(CLOSE_WAIT_MS);
    this.metrics.flush();
  }

  accept(client: ClientSocket): WsSession | undefined {
    return this.manager.accept(client);
  }

  private scheduleFailback(): void {
    if (this.failbackTimer) this.clock.clear(this.failbackTimer);
    const delay = this.store.current.websocket.failback_delay_ms + FAILBACK_MARGIN_MS;
    this.failbackTimer = this.clock.setTimeout(() => {
      this.failbackTimer = undefined;
      this.manager.nodesChanged();
    }, delay);
  }

  /** Session dependencies for a config, built once per config version. */
  private depsFor(config: Config): Omit<SessionDeps, 'onEnd'> {
    if (this.built?.config === config) return this.built.deps;
    const ws = config.websocket;
    const deps: Omit<SessionDeps, 'onEnd'> = {
      limits: sessionLimits(config),
      nodes: this.chooser,
      connect: this.connect,
      clock: this.clock,
      backoff: () => new Backoff(),
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
    sweepIntervalMs: sweepIntervalMs(config.global.proxy_timeout_ms),
  };
}

/**
 * Session hooks bound to the contract's ws_* metrics. Message counts are the hot path
 * (one per notification): they are summed in plain numbers and added to the counters
 * by `flush()`, once a second and at shutdown.
 */
function sessionMetrics(m: VixyMetrics): SessionMetrics & { flush(): void } {
  const fromClient = m.wsMessages.labels('client_to_upstream');
  const toClient = m.wsMessages.labels('upstream_to_client');
  const success = m.wsReconnectionAttempts.labels('success');
  const failure = m.wsReconnectionAttempts.labels('failure');
  let inbound = 0;
  let outbound = 0;
  return {
    flush: () => {
      if (inbound > 0) fromClient.inc(inbound);
      if (outbound > 0) toClient.inc(outbound);
      inbound = 0;
      outbound = 0;
    },
    fromClient: () => {
      inbound++;
    },
    toClient: () => {
      outbound++;
    },
    upstreamNode: (node, delta) => m.wsUpstreamNode.labels(node).inc(delta),
    reconnected: () => m.wsReconnections.inc(),
    attempt: (status) => (status === 'success' ? success : failure).inc(),
    subscriptions: (delta) => {
      m.wsSubscriptionsActive.inc(delta);
      if (delta > 0) m.wsSubscriptions.inc(delta);
    },
  };
}
