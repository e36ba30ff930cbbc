import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { type Counter } from 'prom-client';
import { ConfigStore, redactUrl } from '../config';
import { REDIS_FALLBACK_KINDS, type RedisFallbackKind } from '../metrics/metrics.labels';
import { VixyMetrics } from '../metrics/metrics.service';
import {
  BACKGROUND_TIMEOUT_MS,
  CONNECT_TIMEOUT_MS,
  DOWN_AFTER_FAILURES,
  HEARTBEAT_MS,
  QUIT_GRACE_MS,
  reconnectDelay,
} from './redis.constants';

export type RedisUpListener = (up: boolean) => void;
export type RedisMessageListener = (message: string) => void;

type LinkState = 'unknown' | 'up' | 'down';

/**
 * The link to `[redis] url`, shared by everything that keeps state across replicas.
 * Without a url it is disabled: `enabled` and `up` are false and every command
 * resolves `undefined` at once. With one, it owns three ioredis connections:
 * - background (`run`): leases, health results, the heartbeat; 500 ms timeout;
 * - hot (`runHot`): commands on a client's request path, `command_timeout_ms`;
 * - subscriber (`subscribe`), created on first use.
 * No command is queued while disconnected (it fails at once), reconnects back off up
 * to 2 s, and nothing here ever rejects into a caller: a failed command resolves
 * `undefined` and the caller uses its local state. `up` changes are logged once each
 * way, published to `onChange` listeners and shown as `vixy_redis_up`.
 *
 * [redis] is restart-only, so the config is read once, at construction.
 */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly enabled: boolean;
  readonly prefix: string;
  /** The url with its password redacted: the only form that is logged. */
  readonly shownUrl: string | undefined;
  private readonly url: string | undefined;
  private readonly hotTimeoutMs: number;
  private main: Redis | undefined;
  private hot: Redis | undefined;
  private subscriber: Redis | undefined;
  private readonly channels = new Map<string, Set<RedisMessageListener>>();
  private readonly listeners = new Set<RedisUpListener>();
  private readonly fallbacks: Record<RedisFallbackKind, Counter.Internal>;
  private state: LinkState = 'unknown';
  private failures = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    store: ConfigStore,
    private readonly metrics: VixyMetrics,
  ) {
    const { redis } = store.current;
    this.url = redis.url;
    this.enabled = redis.url !== undefined;
    this.prefix = redis.key_prefix;
    this.hotTimeoutMs = redis.command_timeout_ms;
    this.shownUrl = redis.url === undefined ? undefined : redactUrl(redis.url);
    this.fallbacks = {} as Record<RedisFallbackKind, Counter.Internal>;
    for (const what of REDIS_FALLBACK_KINDS)
      this.fallbacks[what] = metrics.redisFallbacks.labels(what);
    metrics.redisUp.set(0);
  }

  onModuleInit(): void {
    if (this.url === undefined || this.closed || this.main !== undefined) return;
    this.main = this.connect('background', { commandTimeout: BACKGROUND_TIMEOUT_MS });
    this.hot = this.connect('hot', { commandTimeout: this.hotTimeoutMs });
    this.main.on('ready', () => this.markUp());
    this.main.on('close', () => this.markDown('connection closed'));
    this.heartbeat = setInterval(() => void this.run((c) => c.ping()), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** True while Redis answers: shared state is in use. */
  get up(): boolean {
    return this.state === 'up';
  }

  /** Calls `listener` on every change of `up`; returns the unsubscribe function. */
  onChange(listener: RedisUpListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** `prefix` + the parts joined by ':' (e.g. `vixy:budget:el:geth-1`). */
  key(...parts: readonly string[]): string {
    return this.prefix + parts.join(':');
  }

  /** Counts one `vixy_redis_fallbacks_total{what}`. */
  fallback(what: RedisFallbackKind): void {
    this.fallbacks[what].inc();
  }

  /**
   * A background command on the background connection: `undefined` when Redis is
   * disabled, disconnected, slow (500 ms) or answers an error. Never rejects. Its
   * outcome counts towards `up`: two failures in a row mean down, a success up.
   */
  async run<T>(command: (client: Redis) => Promise<T>): Promise<T | undefined> {
    const client = this.main;
    if (client === undefined || this.closed || client.status !== 'ready') return undefined;
    try {
      const value = await command(client);
      this.failures = 0;
      if (this.state !== 'up' && client.status === 'ready') this.markUp();
      return value;
    } catch (err) {
      this.failures += 1;
      this.logger.debug(`background Redis command failed: ${messageOf(err)}`);
      if (this.failures >= DOWN_AFTER_FAILURES) this.markDown(messageOf(err));
      return undefined;
    }
  }

  /**
   * A command on a client's request path (`command_timeout_ms`): skipped while Redis is
   * down, `undefined` on any failure or timeout. Never rejects; its failures do not
   * change `up` (a slow answer to one request is not an outage).
   */
  async runHot<T>(command: (client: Redis) => Promise<T>): Promise<T | undefined> {
    const client = this.hot;
    if (client === undefined || this.state !== 'up' || client.status !== 'ready') return undefined;
    try {
      return await command(client);
    } catch {
      return undefined;
    }
  }

  /**
   * Delivers the messages of `channel` to `listener` (subscribed again after a
   * reconnect). Returns the unsubscribe function. Does nothing when disabled.
   */
  subscribe(channel: string, listener: RedisMessageListener): () => void {
    if (this.url === undefined || this.closed) return () => undefined;
    const subscriber = this.subscriberConnection();
    let set = this.channels.get(channel);
    if (set === undefined) {
      set = new Set();
      this.channels.set(channel, set);
      subscriber.subscribe(channel).catch((err: unknown) => {
        this.logger.debug(`subscribing to ${channel} failed: ${messageOf(err)}`);
      });
    }
    set.add(listener);
    return () => {
      const current = this.channels.get(channel);
      if (current === undefined || !current.delete(listener) || current.size > 0) return;
      this.channels.delete(channel);
      if (!this.closed) subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.listeners.clear();
    this.channels.clear();
    const clients = [this.main, this.hot, this.subscriber].filter((c) => c !== undefined);
    await Promise.all(clients.map((c) => close(c)));
    this.state = 'down';
    this.metrics.redisUp.set(0);
  }

  private connect(role: string, options: RedisOptions): Redis {
    const client = new Redis(this.url as string, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // A socket that does not close after QUIT is destroyed after this (default 2 s).
      disconnectTimeout: QUIT_GRACE_MS,
      retryStrategy: (attempt) => reconnectDelay(attempt),
      connectionName: `vixy-${role}`,
      ...options,
    });
    // Without an 'error' listener a failed connection would crash the process.
    client.on('error', (err: Error) =>
      this.logger.debug(`Redis ${role} connection: ${err.message}`),
    );
    client.connect().catch((err: unknown) => {
      // ioredis keeps reconnecting with the back-off; the first failure says so once.
      if (role === 'background') this.markDown(messageOf(err));
    });
    return client;
  }

  private subscriberConnection(): Redis {
    if (this.subscriber !== undefined) return this.subscriber;
    // Subscriptions made while disconnected wait for the connection (and come back
    // after a reconnect): this connection alone keeps an offline queue.
    const subscriber = this.connect('subscriber', {
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    subscriber.on('message', (channel: string, message: string) => {
      const set = this.channels.get(channel);
      if (set === undefined) return;
      for (const listener of set) {
        try {
          listener(message);
        } catch (err) {
          this.logger.error(`a listener of ${channel} threw: ${messageOf(err)}`);
        }
      }
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  private markUp(): void {
    this.failures = 0;
    if (this.state === 'up' || this.closed) return;
    this.state = 'up';
    this.metrics.redisUp.set(1);
    this.logger.log({ url: this.shownUrl }, 'Redis up: sharing budgets, health and cache');
    this.notify(true);
  }

  private markDown(reason: string): void {
    if (this.state === 'down' || this.closed) return;
    const first = this.state === 'unknown';
    this.state = 'down';
    this.metrics.redisUp.set(0);
    this.logger.warn(
      { url: this.shownUrl, reason },
      first
        ? 'Redis not reachable: working alone until it is'
        : 'Redis down: working alone (local budgets, own checks, local cache)',
    );
    this.notify(false);
  }

  private notify(up: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(up);
      } catch (err) {
        this.logger.error(`a Redis state listener threw: ${messageOf(err)}`);
      }
    }
  }
}

async function close(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, QUIT_GRACE_MS);
  });
  await Promise.race([
    client.quit().then(
      () => undefined,
      () => undefined,
    ),
    grace,
  ]);
  clearTimeout(timer);
  client.disconnect();
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
