import { type DynamicModule, Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { type Config } from '../config';
import { HttpResponses } from './http-responses';
import { MetricsController } from './metrics.controller';
import { metricProviders } from './metrics.providers';
import { MetricsSeeder } from './metrics.seeder';
import { MetricsServer } from './metrics.server';
import { VixyMetrics } from './metrics.service';

/**
 * Registers every metric (always, so that modules record unconditionally) and
 * exposes them as GET /metrics on exactly one listener:
 * - `[metrics].enabled = false`: none (the main listener answers 404);
 * - `[metrics].port` set: its own listener (`MetricsServer`), the main one answers 404;
 * - otherwise: the main listener, through @willsoto/nestjs-prometheus's controller.
 *
 * Metrics live in prom-client's global registry and are get-or-create: a second
 * application in the same process reuses (and keeps the values of) the first one's
 * metrics unless `register.clear()` ran in between, as the specs do.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: Config): DynamicModule {
    const { enabled, port } = config.metrics;
    if (enabled) collectProcessMetrics();
    const exposure = !enabled ? 'none' : port === undefined ? 'main' : 'own-port';
    return {
      module: MetricsModule,
      imports:
        exposure === 'main'
          ? [
              PrometheusModule.register({
                path: '/metrics',
                controller: MetricsController,
                defaultMetrics: { enabled: false },
              }),
            ]
          : [],
      providers: [
        ...metricProviders,
        VixyMetrics,
        MetricsSeeder,
        HttpResponses,
        ...(exposure === 'own-port' ? [MetricsServer] : []),
      ],
      exports: [VixyMetrics, HttpResponses],
    };
  }
}

/** The first of prom-client's default metrics: present once they are registered. */
const PROCESS_METRIC = 'process_cpu_user_seconds_total';

/**
 * Node process metrics (CPU, memory, heap, event-loop lag, GC, handles), registered
 * once per registry: prom-client throws on a second registration of a name.
 */
function collectProcessMetrics(): void {
  if (register.getSingleMetric(PROCESS_METRIC) === undefined) collectDefaultMetrics();
}
