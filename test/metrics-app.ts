// Boots the real AppModule for the metrics specs: Fastify adapter, the ws adapter as
// in main.ts, no listener unless a spec asks for one (app.inject() reaches routes).
// Not a spec itself.
import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { AppModule } from '../src/app.module';
import { type Config, parseConfig } from '../src/config';
import { freePort } from './support/ports';

export interface TestNodes {
  readonly elPrimary: readonly string[];
  readonly elBackup: readonly string[];
  readonly cl: readonly string[];
}

export const DEFAULT_NODES: TestNodes = {
  elPrimary: ['el-a', 'el-b'],
  elBackup: ['el-backup'],
  cl: ['cl-a', 'cl-b'],
};

export interface TestConfigOptions {
  /** The body of `[metrics]`, e.g. `port = 9100`. */
  readonly metrics?: string;
  readonly nodes?: TestNodes;
  /** Port of `[server].listen` (127.0.0.1); a free one by default. */
  readonly listenPort?: number;
}

/**
 * A validated config whose nodes all point at closed ports of 127.0.0.1 (every check
 * and request fails fast with ECONNREFUSED), with fast health checks.
 */
export async function closedNodesConfig(options: TestConfigOptions = {}): Promise<Config> {
  const { metrics = '', nodes = DEFAULT_NODES } = options;
  const url = async (scheme: string): Promise<string> =>
    `${scheme}://127.0.0.1:${await freePort()}`;
  const el = async (table: string, name: string): Promise<string> =>
    `[[el.${table}]]\nname = "${name}"\nhttp_url = "${await url('http')}"\nws_url = "${await url('ws')}"\n`;
  const parts = [
    `[global]\nhealth_check_interval_ms = 200\nhealth_check_timeout_ms = 500\n`,
    `[server]\nlisten = "127.0.0.1:${options.listenPort ?? (await freePort())}"\n`,
    `[metrics]\n${metrics}\n`,
  ];
  for (const name of nodes.elPrimary) parts.push(await el('primary', name));
  for (const name of nodes.elBackup) parts.push(await el('backup', name));
  for (const name of nodes.cl)
    parts.push(`[[cl]]\nname = "${name}"\nurl = "${await url('http')}"\n`);
  return parseConfig(parts.join('\n'), 'metrics-test.toml');
}

/** The whole service, initialised (bootstrap hooks ran) but not listening on [server]. */
export async function bootApp(config: Config): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  app.useWebSocketAdapter(new WsAdapter(app));
  try {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } catch (err) {
    await app.close(); // whatever started before the failure (timers, listeners) stops
    throw err;
  }
  return app;
}

/** GET /metrics through the main listener's routes, without a socket. */
export async function scrapeMain(
  app: NestFastifyApplication,
): Promise<{ status: number; body: string }> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  return { status: res.statusCode, body: res.body };
}
