// Shared by the HTTP proxy specs (not a spec itself): mocked upstream nodes as real
// local HTTP servers, and the whole service booted on them with the health monitor
// settled, so that each spec sets node states itself through the registry.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type DynamicModule, type Type } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { register } from 'prom-client';
import { AppModule } from '../src/app.module';
import { type Config, type ConfigSource, parseConfig } from '../src/config';
import { HealthMonitor } from '../src/health/health-monitor.service';
import { applyChecks } from './health-fixtures';
import { NodeRegistry } from '../src/health/node-registry.service';
import { type ClCheckResult, type ElCheckResult } from '../src/health/node-state';
import { type Clock, RATE_LIMIT_CLOCK } from '../src/proxy/rate-limit/rate-limit.constants';

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

export type Responder = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
) => void | Promise<void>;

/** A JSON-RPC answer for every call of a body: `result` is the node's name. */
export function answerWithName(name: string): Responder {
  return (_req, res, body) => {
    const answer = (call: { id?: unknown }) => ({
      jsonrpc: '2.0',
      id: call.id ?? null,
      result: name,
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = {};
    }
    const out = Array.isArray(parsed)
      ? parsed.map((c: { id?: unknown }) => answer(c))
      : answer(parsed as { id?: unknown });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  };
}

/** One mocked node: a local HTTP server that records requests and answers with `respond`. */
export class MockNode {
  readonly calls: Recorded[] = [];
  respond: Responder;
  private readonly sockets = new Set<import('node:net').Socket>();

  private readonly server: Server;

  private constructor(readonly name: string) {
    this.respond = answerWithName(name);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.calls.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          body,
        });
        void Promise.resolve(this.respond(req, res, body)).catch(() => res.destroy());
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(name: string): Promise<MockNode> {
    const node = new MockNode(name);
    await new Promise<void>((resolve) => node.server.listen(0, '127.0.0.1', resolve));
    return node;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests whose body holds this JSON-RPC method. */
  rpcCalls(method: string): Recorded[] {
    return this.calls.filter((c) => c.body.includes(`"${method}"`));
  }

  /** Forgets recorded calls and answers with the node's name again. */
  reset(): void {
    this.calls.length = 0;
    this.respond = answerWithName(this.name);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port on 127.0.0.1 with nothing listening (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface NodeSpec {
  readonly name: string;
  readonly url: string;
  /** Extra TOML lines for the node table (max_qps...). */
  readonly extra?: string;
}

export interface ConfigSpec {
  readonly primary: readonly NodeSpec[];
  readonly backup?: readonly NodeSpec[];
  readonly cl?: readonly NodeSpec[];
  /** Extra TOML lines of [global] (the health interval is always one hour). */
  readonly global?: string;
  readonly proxy?: string;
  /** More TOML tables, appended as given (e.g. `[cache]\nenabled = true`). */
  readonly extra?: string;
}

/** The TOML text of a config: the health monitor checks once, at start-up. */
export async function configTextFor(spec: ConfigSpec): Promise<string> {
  const el = (table: string, n: NodeSpec) =>
    `[[el.${table}]]\nname = "${n.name}"\nhttp_url = "${n.url}"\nws_url = "${n.url.replace('http', 'ws')}"\n${n.extra ?? ''}\n`;
  const cl = spec.cl ?? [{ name: 'cl-none', url: `http://127.0.0.1:${await closedPort()}` }];
  return [
    `[global]\nhealth_check_interval_ms = 3600000\n${spec.global ?? ''}\n`,
    `[proxy]\n${spec.proxy ?? ''}\n`,
    ...spec.primary.map((n) => el('primary', n)),
    ...(spec.backup ?? []).map((n) => el('backup', n)),
    ...cl.map((n) => `[[cl]]\nname = "${n.name}"\nurl = "${n.url}"\n${n.extra ?? ''}\n`),
    spec.extra ?? '',
  ].join('\n');
}

export async function configFor(spec: ConfigSpec): Promise<Config> {
  return parseConfig(await configTextFor(spec), 'http-proxy-test.toml');
}

export interface BootedApp {
  readonly app: NestFastifyApplication;
  readonly registry: NodeRegistry;
  /** Sets EL health: names listed are healthy (block 100), the others failed checks. */
  setEl(healthy: readonly string[]): void;
  setCl(healthy: readonly string[]): void;
  close(): Promise<void>;
}

let liveApps = 0;

/** A clock the spec moves by hand. */
export class FakeClock implements Clock {
  constructor(public ms = 1000) {}
  now(): number {
    return this.ms;
  }
}

export interface BootOptions {
  /** Listen on a free port of 127.0.0.1 (streaming specs need real sockets). */
  readonly listen?: boolean;
  readonly clock?: Clock;
  /** More modules beside AppModule (e.g. a custom routing module). */
  readonly imports?: readonly (Type | DynamicModule)[];
  /** The file the config came from, so that ConfigStore.reload() works. */
  readonly source?: ConfigSource;
  /** Last changes to the testing module (e.g. overrideProvider). */
  readonly customize?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

/**
 * The whole service (AppModule) on a config, initialised, with its first health-check
 * cycle done (the monitor then sleeps for an hour): node states are the spec's to set.
 */
export async function boot(config: Config, options: BootOptions = {}): Promise<BootedApp> {
  // prom-client's registry is global: cleared only when no app of this file is running.
  if (liveApps === 0) register.clear();
  liveApps += 1;
  let builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config, options.source), ...(options.imports ?? [])],
  });
  if (options.clock) builder = builder.overrideProvider(RATE_LIMIT_CLOCK).useValue(options.clock);
  if (options.customize) builder = options.customize(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  if (options.listen) await app.listen(0, '127.0.0.1');
  await app.get(HealthMonitor).checkAll();
  const registry = app.get(NodeRegistry);
  // Names are read at each call: a config reload may have changed the node list.
  const elNames = () => registry.el().map((n) => n.name);
  const clNames = () => registry.cl().map((n) => n.name);
  const booted: BootedApp = {
    app,
    registry,
    setEl(healthy) {
      // Enough checks to turn any node unhealthy, or healthy again (hysteresis).
      const results = new Map<string, ElCheckResult>(
        elNames().map((name) => [
          name,
          healthy.includes(name)
            ? { ok: true, blockNumber: 100, latencyMs: 1 }
            : { ok: false, reason: 'down in this spec', latencyMs: 1 },
        ]),
      );
      const rounds = Math.max(
        config.global.health_check_max_failures,
        config.global.health_check_min_successes,
      );
      for (let i = 0; i < rounds; i++) applyChecks(registry, { el: results });
    },
    setCl(healthy) {
      const results = new Map<string, ClCheckResult>(
        clNames().map((name) => [
          name,
          healthy.includes(name)
            ? { healthOk: true, slot: 100, reason: null, latencyMs: 1 }
            : { healthOk: false, slot: null, reason: 'down in this spec', latencyMs: 1 },
        ]),
      );
      const rounds = Math.max(
        config.global.health_check_max_failures,
        config.global.health_check_min_successes,
      );
      for (let i = 0; i < rounds; i++) applyChecks(registry, { cl: results });
    },
    async close() {
      await app.close();
      liveApps -= 1;
      if (liveApps === 0) register.clear();
    },
  };
  return booted;
}

/** The base URL of a listening app. */
export function baseUrl(app: NestFastifyApplication): string {
  const address = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

export const rpc = (method: string, id: unknown = 1, params: unknown[] = []) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params });
