import { type LoggerService, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { type Config, type ConfigSource } from './config';
import { setupSwagger } from './swagger';
import { JsonRpcWsAdapter } from './ws-adapter';

/**
 * The application exactly as `vixy` runs it, minus `listen()`: main.ts and the
 * specs that exercise the whole service (with `app.inject()`) share this.
 */
export async function createApp(
  config: Config,
  logger: LoggerService | false = false,
  source?: ConfigSource,
  extraImports: NonNullable<ModuleMetadata['imports']> = [],
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, source, extraImports),
    new FastifyAdapter({ bodyLimit: config.proxy.max_body_bytes, return503OnClosing: true }),
    { logger, abortOnError: false },
  );
  app.useWebSocketAdapter(new JsonRpcWsAdapter(app));
  setupSwagger(app);
  return app;
}
