import { type LoggerService, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { type Config, type ConfigSource } from './config';
import { installVixyLogger, parseLogLevel } from './logging';
import { setupSwagger } from './swagger';
import { JsonRpcWsAdapter } from './ws-adapter';

export interface VixyAppOptions {
  /** The validated config: `loadConfigFile(path)` or `parseConfig(text, name)`. */
  readonly config: Config;
  /**
   * Your modules, added beside Vixy's: a routing strategy (CUSTOM_EL_ROUTING_STRATEGY,
   * CUSTOM_CL_ROUTING_STRATEGY), a VIXY_REQUEST_HOOK, your own controllers.
   */
  readonly imports?: NonNullable<ModuleMetadata['imports']>;
  /** The file the config came from, so that SIGHUP and POST /admin/reload re-read it. */
  readonly configSource?: ConfigSource;
  /**
   * The Nest logger. Default: Vixy's JSON logger (pino) at `logLevel`, made the logger of
   * every Nest `Logger` in the process. `false`: no logs at all.
   */
  readonly logger?: LoggerService | false;
  /** `error`, `warn`, `info` (default), `debug` or `verbose`: the default logger's level. */
  readonly logLevel?: string;
}

/**
 * The application exactly as `vixy` runs it, minus `listen()`: Fastify (a connection
 * left idle is closed at shutdown, 503 while closing), the JSON-RPC WebSocket adapter,
 * Swagger at /docs unless `[admin] docs = false`. Nothing is started: `app.listen()`
 * starts the health checks and the listener, or use `startVixy`, which also handles
 * signals.
 */
export async function createVixyApp(options: VixyAppOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const logger = options.logger ?? defaultLogger(options.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.configSource, options.imports ?? []),
    new FastifyAdapter({
      bodyLimit: config.proxy.max_body_bytes,
      return503OnClosing: true,
      forceCloseConnections: 'idle',
    }),
    { logger, abortOnError: false },
  );
  app.useWebSocketAdapter(new JsonRpcWsAdapter(app));
  if (config.admin.docs) setupSwagger(app, config);
  return app;
}

function defaultLogger(level: string | undefined): LoggerService {
  const parsed = parseLogLevel(level);
  if (parsed === undefined) {
    throw new Error(`logLevel: must be one of error, warn, info, debug, verbose (got ${level})`);
  }
  return installVixyLogger({ level: parsed });
}

/** `createVixyApp` with positional arguments, as the specs that boot the service use it. */
export function createApp(
  config: Config,
  logger: LoggerService | false = false,
  configSource?: ConfigSource,
  imports: NonNullable<ModuleMetadata['imports']> = [],
): Promise<NestFastifyApplication> {
  return createVixyApp({ config, logger, configSource, imports });
}
