import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectConfig } from './config.constants';
import { CONFIG_UPDATE, ConfigUpdateEvent } from './config.events';
import { ConfigError, type ConfigOverrides, loadConfigFile } from './config.loader';
import { type Config } from './config.schema';

/** Token of the file the config came from, for reloads. */
export const CONFIG_SOURCE = Symbol('CONFIG_SOURCE');

export interface ConfigSource {
  readonly path: string;
  readonly overrides: ConfigOverrides;
}

export type ReloadResult =
  | {
      readonly ok: true;
      /** What changed, e.g. `el node geth-3 added`, `global.max_retries 2 -> 3`. */
      readonly changes: readonly string[];
      /** Changed sections that need a restart and were kept as they were. */
      readonly ignored: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

/** Sections bound at start-up (listeners, the admin API, the Redis client): a reload keeps them. */
const RESTART_ONLY = ['server', 'metrics', 'admin', 'redis'] as const;

/**
 * The current configuration. Starts as the config main.ts validated; `reload()`
 * re-reads the file and, when it is valid, replaces it and publishes one
 * `ConfigUpdateEvent` (CONFIG_UPDATE), to which the node registry, the checkers and
 * the proxy adapt (nodes added, removed or changed, limits). An invalid file changes
 * nothing. Everything else reads `current` when it needs a value: nobody keeps a copy.
 */
@Injectable()
export class ConfigStore {
  private readonly logger = new Logger(ConfigStore.name);
  private config: Config;

  constructor(
    @InjectConfig() initial: Config,
    @Optional() @Inject(CONFIG_SOURCE) private readonly source: ConfigSource | null,
    private readonly events: EventEmitter2,
  ) {
    this.config = initial;
  }

  get current(): Config {
    return this.config;
  }

  /** Re-reads the config file and applies it when valid. Never throws. */
  reload(): ReloadResult {
    if (!this.source) return { ok: false, error: 'this instance was not started from a file' };
    let loaded: Config;
    try {
      loaded = loadConfigFile(this.source.path, this.source.overrides);
    } catch (err) {
      const error = err instanceof ConfigError ? err.message : String(err);
      this.logger.warn(`config reload refused, still running on the previous config: ${error}`);
      return { ok: false, error };
    }
    const previous = this.config;
    const ignored = RESTART_ONLY.filter((s) => !sameJson(previous[s], loaded[s]));
    const next: Config = Object.freeze({
      ...loaded,
      server: previous.server,
      metrics: previous.metrics,
      admin: previous.admin,
      redis: previous.redis,
    });
    const changes = describeChanges(previous, next);
    for (const section of ignored) {
      this.logger.warn(`config reload: [${section}] changed, applied only after a restart`);
    }
    if (changes.length === 0) {
      this.logger.log('config reloaded: nothing changed');
      return { ok: true, changes, ignored };
    }
    this.config = next;
    this.logger.log(`config reloaded: ${changes.join('; ')}`);
    this.events.emit(CONFIG_UPDATE, new ConfigUpdateEvent(previous, next, changes));
    return { ok: true, changes, ignored };
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Human-readable differences between two configs (no URLs: they may hold secrets). */
export function describeChanges(previous: Config, next: Config): string[] {
  const changes: string[] = [];
  for (const section of ['global', 'proxy', 'websocket', 'cache'] as const) {
    const a = previous[section] as Record<string, unknown>;
    const b = next[section] as Record<string, unknown>;
    for (const key of Object.keys(b)) {
      if (!sameJson(a[key], b[key])) {
        changes.push(`${section}.${key} ${JSON.stringify(a[key])} -> ${JSON.stringify(b[key])}`);
      }
    }
  }
  const nodes = (c: Config) =>
    new Map<string, unknown>([
      ...c.el.primary.map((n) => [`el node ${n.name}`, { tier: 'primary', ...n }] as const),
      ...c.el.backup.map((n) => [`el node ${n.name}`, { tier: 'backup', ...n }] as const),
      ...c.cl.map((n) => [`cl node ${n.name}`, n] as const),
    ]);
  const before = nodes(previous);
  const after = nodes(next);
  for (const [key, node] of after) {
    if (!before.has(key)) changes.push(`${key} added`);
    else if (!sameJson(before.get(key), node)) changes.push(`${key} changed`);
  }
  for (const key of before.keys()) if (!after.has(key)) changes.push(`${key} removed`);
  const order = (c: Config) =>
    JSON.stringify([c.el.primary.map((n) => n.name), c.cl.map((n) => n.name)]);
  if (changes.length === 0 && order(previous) !== order(next)) changes.push('node order changed');
  return changes;
}
