import { type DynamicModule, Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { VIXY_CONFIG } from './config.constants';
import { CONFIG_SOURCE, type ConfigSource, ConfigStore } from './config-store.service';
import { type Config } from './config.schema';

/**
 * Provides the configuration that main.ts loaded and validated before the
 * application was created, so that an invalid file never gets as far as a listener,
 * and the `ConfigStore` that reloads it (SIGHUP, POST /admin/reload) when `source`
 * names the file.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: Config, source?: ConfigSource): DynamicModule {
    return {
      module: ConfigModule,
      // Typed events (CONFIG_UPDATE): global, bound to @OnEvent methods at bootstrap.
      // One CONFIG_UPDATE listener per consumer: a dozen today, more with company modules.
      imports: [EventEmitterModule.forRoot({ maxListeners: 64 })],
      providers: [
        { provide: VIXY_CONFIG, useValue: config },
        { provide: CONFIG_SOURCE, useValue: source ?? null },
        ConfigStore,
      ],
      exports: [VIXY_CONFIG, ConfigStore],
    };
  }
}
