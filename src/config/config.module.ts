import { type DynamicModule, Global, Module } from '@nestjs/common';
import { VIXY_CONFIG } from './config.constants';
import { type Config } from './config.schema';

/**
 * Provides the configuration that main.ts loaded and validated before the
 * application was created, so that an invalid file never gets as far as a listener.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: Config): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: VIXY_CONFIG, useValue: config }],
      exports: [VIXY_CONFIG],
    };
  }
}
