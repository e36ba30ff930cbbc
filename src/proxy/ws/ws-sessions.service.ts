import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Subscription } from 'rxjs';
import { type Config, InjectConfig } from '../../config';
import { type ElNodeState } from '../../health/node-state';
import { NodeRegistry } from '../../health/node-registry.service';
import { VixyMetrics } from '../../metrics/metrics.service';
import { InjectElRouting } from '../routing/routing.constants';
import { type RoutingStrategy } from '../routing/routing-strategy';
import { Backoff } from './backoff';
import { type Clock, type TimerHandle } from './clock';
import { InjectUpstreamFactory, InjectWsClock } from './ws.constants';
import { sessionLimits, sweepIntervalMs } from './ws-limits';
import { WsNodeChooser } from './ws-node-chooser';
import { type WsSession } from './ws-session';
import { WsSessionManager } from './ws-session-manager';
import { type ClientSocket, type SessionMetrics, type UpstreamFactory } from './ws-session.types';

/** How long shutdown waits for clients to take their 1001 close frames. */
const CLOSE_WAIT_MS = 1000;
/** Message counts reach ws_messages_total at most this late. */
const METRICS_FLUSH_MS = 1000;

/**
 * Nest face of the WebSocket sessions: builds the session manager from the config,
 * the node registry, the EL routing strategy and the metrics, feeds it node events,
 * and closes every client with 1001 before the server stops.
 */
@Injectable()
export class WsSessionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WsSession');
  readonly manager: WsSessionManager;
  private readonly metrics: ReturnType<typeof sessionMetrics>;
  private events?: Subscription;
  private flushTimer?: TimerHandle;

  constructor(
    @InjectConfig() config: Config,
    private readonly registry: NodeRegistry,
    metrics: VixyMetrics,
    @InjectUpstreamFactory() connect: UpstreamFactory,
    @InjectWsClock() private readonly clock: Clock,
    @InjectElRouting() strategy: RoutingStrategy<ElNodeState>,
  ) {
    this.metrics = sessionMetrics(metrics);
    const limits = sessionLimits(config);
    const ws = config.websocket;
    this.manager = new WsSessionManager(
      {
        maxSessions: ws.max_sessions,
        pingIntervalMs: ws.ping_interval_ms,
        sweepIntervalMs: sweepIntervalMs(limits.requestTimeoutMs),
      },
      {
        limits,
        nodes: new WsNodeChooser(registry, strategy),
        connect,
        clock,
        backoff: () => new Backoff(),
        metrics: this.metrics,
        log: this.logger,
        maxClientBufferBytes: ws.max_client_buffer_bytes,
        reconnectDeadlineMs: ws.reconnect_deadline_ms,
      },
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
      if (!('layer' in event) || event.layer === 'el') this.manager.nodesChanged();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.events?.unsubscribe();
    if (this.flushTimer) this.clock.clear(this.flushTimer);
    await this.manager.closeAll(CLOSE_WAIT_MS);
    this.metrics.flush();
  }

  accept(client: ClientSocket): WsSession | undefined {
    return this.manager.accept(client);
  }
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
