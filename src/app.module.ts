import { type DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { type Config, ConfigModule, type ConfigSource } from './config';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProxyModule } from './proxy/proxy.module';

/** config -> metrics -> health -> proxy: data flows one way. */
@Module({})
export class AppModule {
  static forRoot(config: Config, source?: ConfigSource): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, source),
        MetricsModule.forRoot(config),
        HealthModule,
        ProxyModule,
        AdminModule.forRoot(config),
      ],
    };
  }
}
