// Boots the whole service as `vixy` builds it (createVixyApp: the Vixy WebSocket
import { applyChecks } from './health-fixtures';
// adapter, Swagger, the request gate), listening on a loopback port, with node states
// set by the spec. Not a spec itself.
import { type AddressInfo } from 'node:net';
import { type ModuleMetadata } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { createVixyApp } from '../src/bootstrap';
import { type Config } from '../src/config';
import { HealthMonitor } from '../src/health/health-monitor.service';
import { NodeRegistry } from '../src/health/node-registry.service';
import { type ClCheckResult, type ElCheckResult } from '../src/health/node-state';

export interface VixyApp {
  readonly app: NestFastifyApplication;
  readonly url: string;
  /** EL nodes listed are healthy (block 100), the others failed their checks. */
  setEl(healthy: readonly string[]): void;
  setCl(healthy: readonly string[]): void;
  close(): Promise<void>;
}

/** The service on `config`, listening on 127.0.0.1, its first check cycle done. */
export async function startVixyApp(
  config: Config,
  imports: NonNullable<ModuleMetadata['imports']> = [],
): Promise<VixyApp> {
  register.clear();
  const app = await createVixyApp({ config, imports, logger: false });
  try {
    await app.listen(0, '127.0.0.1');
    await app.get(HealthMonitor).checkAll();
  } catch (err) {
    await app.close();
    throw err;
  }
  const registry = app.get(NodeRegistry);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const times = Math.max(
    config.global.health_check_max_failures,
    config.global.health_check_min_successes,
  );
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    setEl(healthy) {
      const results = new Map<string, ElCheckResult>(
        registry
          .el()
          .map((n) => [
            n.name,
            healthy.includes(n.name)
              ? { ok: true, blockNumber: 100, latencyMs: 1 }
              : { ok: false, reason: 'down in this spec', latencyMs: 1 },
          ]),
      );
      for (let i = 0; i < times; i++) applyChecks(registry, { el: results });
    },
    setCl(healthy) {
      const results = new Map<string, ClCheckResult>(
        registry
          .cl()
          .map((n) => [
            n.name,
            healthy.includes(n.name)
              ? { healthOk: true, slot: 100, reason: null, latencyMs: 1 }
              : { healthOk: false, slot: null, reason: 'down in this spec', latencyMs: 1 },
          ]),
      );
      for (let i = 0; i < times; i++) applyChecks(registry, { cl: results });
    },
    async close() {
      await app.close();
      register.clear();
    },
  };
}
