import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { type Config, ConfigModule, type ConfigSource } from './config';
import { GateModule } from './gate/gate.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProxyModule } from './proxy/proxy.module';
import { RedisModule } from './redis/redis.module';

/** config -> metrics -> redis -> health -> proxy: data flows one way. */
@Module({})
export class AppModule {
  /** `extraImports`: your own modules, e.g. one providing CUSTOM_EL_ROUTING_STRATEGY. */
  static forRoot(
    config: Config,
    source?: ConfigSource,
    extraImports: NonNullable<ModuleMetadata['imports']> = [],
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, source),
        MetricsModule.forRoot(config),
        RedisModule,
        GateModule,
        HealthModule,
        ProxyModule,
        AdminModule.forRoot(config),
        ...extraImports,
      ],
    };
  }
}
