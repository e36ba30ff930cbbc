import { Test, type TestingModule } from '@nestjs/testing';
import { type Config, ConfigModule, parseConfig } from '../src/config';
import { MetricsModule } from '../src/metrics/metrics.module';
import { VixyMetrics } from '../src/metrics/metrics.service';
import { RedisModule } from '../src/redis/redis.module';
import { RedisService } from '../src/redis/redis.service';

// Fixtures of the Redis specs: "replicas" as separate Nest contexts in one process,
// each with its own RedisService (its own connections) to one real redis-server.
// Metrics live in prom-client's global registry: the replicas share them.

export interface ReplicaConfigOptions {
  /** The body of `[redis]` after `url`, e.g. `share_health = false`. */
  readonly redis?: string;
  /** The body of `[cache]`. */
  readonly cache?: string;
  /** The body of `[global]`. */
  readonly global?: string;
  /** The body of `[metrics]` (default `enabled = false`). */
  readonly metrics?: string;
  /** `[[el.primary]]` names (default `geth-1`). */
  readonly el?: readonly string[];
}

/** A validated config pointing at `url` (no url: no [redis] table), nodes on port 9. */
export function replicaConfig(url: string | undefined, o: ReplicaConfigOptions = {}): Config {
  const el = (o.el ?? ['geth-1'])
    .map(
      (n) =>
        `[[el.primary]]\nname = "${n}"\nhttp_url = "http://127.0.0.1:9"\nws_url = "ws://127.0.0.1:9"\n`,
    )
    .join('\n');
  const redis = url === undefined ? '' : `[redis]\nurl = "${url}"\n${o.redis ?? ''}\n`;
  const text = [
    `[global]\n${o.global ?? ''}\n`,
    `[metrics]\n${o.metrics ?? 'enabled = false'}\n`,
    redis,
    `[cache]\n${o.cache ?? ''}\n`,
    el,
    `[[cl]]\nname = "cl-1"\nurl = "http://127.0.0.1:9"\n`,
  ].join('\n');
  return parseConfig(text, 'redis-spec.toml');
}

/** One replica's Redis side: config, metrics and RedisService (plus what a spec adds). */
export interface Replica {
  readonly module: TestingModule;
  readonly redis: RedisService;
  readonly metrics: VixyMetrics;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  /** More providers (e.g. HealthShare) and overrides of the testing module. */
  readonly providers?: NonNullable<Parameters<typeof Test.createTestingModule>[0]['providers']>;
  readonly configure?: (builder: ReturnType<typeof Test.createTestingModule>) => void;
}

/** Builds and initialises one replica (onModuleInit/onApplicationBootstrap ran). */
export async function startReplica(config: Config, options: ReplicaOptions = {}): Promise<Replica> {
  const builder = Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), MetricsModule.forRoot(config), RedisModule],
    providers: [...(options.providers ?? [])],
  });
  options.configure?.(builder);
  const module = await builder.compile();
  module.useLogger(false);
  await module.init();
  let closed = false;
  return {
    module,
    redis: module.get(RedisService),
    metrics: module.get(VixyMetrics),
    close: async () => {
      if (closed) return;
      closed = true;
      await module.close();
    },
  };
}
