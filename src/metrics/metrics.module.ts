import { type DynamicModule, Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { type Config } from '../config';
import { metricProviders } from './metrics.providers';
import { MetricsServer } from './metrics.server';
import { VixyMetrics } from './metrics.service';

/**
 * Registers every metric (always, so that modules can record unconditionally) and
 * exposes them on GET /metrics of the main listener, on `[metrics].port`, or nowhere
 * when `[metrics].enabled = false`.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: Config): DynamicModule {
    const { enabled, port } = config.metrics;
    if (enabled) collectProcessMetrics();
    const onMainListener = enabled && port === undefined;
    return {
      module: MetricsModule,
      imports: onMainListener
        ? [PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: false } })]
        : [],
      providers: [...metricProviders, VixyMetrics, ...(enabled && port ? [MetricsServer] : [])],
      exports: [VixyMetrics],
    };
  }
}

/** Node process metrics, registered once per process (prom-client's registry is global). */
function collectProcessMetrics(): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total') === undefined) {
    collectDefaultMetrics();
  }
}
