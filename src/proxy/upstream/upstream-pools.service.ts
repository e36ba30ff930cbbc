import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Pool } from 'undici';
import { type Config, CONFIG_UPDATE, ConfigStore, ConfigUpdateEvent } from '../../config';
import { type Layer } from '../../health/node-state';
import { parseTarget, type UpstreamTarget } from './upstream-target';

/** Longest wait for a TCP/TLS connection to a node. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;
/** How long a pool being closed waits for its requests before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

/** A node's kept-alive connection pool and where its requests go. */
export interface UpstreamChannel {
  readonly pool: Pool;
  readonly target: UpstreamTarget;
}

interface Entry {
  readonly url: string;
  readonly channel: UpstreamChannel;
}

/**
 * One undici Pool per configured node, created at start-up and kept in step with
 * config reloads: a new node gets a pool, a node whose URL changed a new one, and the
 * pool of a removed node is closed once its requests are done (destroyed after a
 * grace). Timeouts are given per request (`proxy_timeout_ms` may change on a reload).
 *
 * Pools are closed on application shutdown, not in onModuleDestroy: Nest calls
 * onModuleDestroy before the HTTP server stops, and closing the pools there would fail
 * the requests that the graceful shutdown is waiting for.
 */
@Injectable()
export class UpstreamPools implements OnApplicationShutdown {
  private readonly el = new Map<string, Entry>();
  private readonly cl = new Map<string, Entry>();
  private readonly options: Pool.Options;

  constructor(store: ConfigStore) {
    const timeout = store.current.global.proxy_timeout_ms;
    this.options = { connect: { timeout: Math.min(timeout, MAX_CONNECT_TIMEOUT_MS) } };
    this.sync(store.current);
  }

  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate({ next }: ConfigUpdateEvent): void {
    this.sync(next);
  }

  /** The channel of a configured node (throws for an unknown one: a programming error). */
  channel(layer: Layer, name: string): UpstreamChannel {
    const entry = (layer === 'el' ? this.el : this.cl).get(name);
    if (entry === undefined) throw new Error(`no ${layer} node named ${name}`);
    return entry.channel;
  }

  async onApplicationShutdown(): Promise<void> {
    const pools = [...this.el.values(), ...this.cl.values()].map((e) => e.channel.pool);
    this.el.clear();
    this.cl.clear();
    await Promise.all(pools.map(closePool));
  }

  private sync(config: Config): void {
    const el = [...config.el.primary, ...config.el.backup].map((n) => ({
      name: n.name,
      url: n.http_url,
    }));
    this.syncLayer(this.el, el);
    this.syncLayer(this.cl, config.cl);
  }

  private syncLayer(entries: Map<string, Entry>, nodes: readonly { name: string; url: string }[]) {
    const wanted = new Map(nodes.map((n) => [n.name, n.url]));
    for (const [name, entry] of entries) {
      if (wanted.get(name) === entry.url) continue;
      entries.delete(name);
      void closePool(entry.channel.pool);
    }
    for (const [name, url] of wanted) {
      if (entries.has(name)) continue;
      const target = parseTarget(url);
      entries.set(name, { url, channel: { pool: new Pool(target.origin, this.options), target } });
    }
  }
}

/** Closes a pool once its requests are done, or destroys it after CLOSE_GRACE_MS. */
async function closePool(pool: Pool): Promise<void> {
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
