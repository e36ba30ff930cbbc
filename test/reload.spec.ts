import 'reflect-metadata';
import { applyChecks } from './health-fixtures';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { firstValueFrom, take, toArray } from 'rxjs';
import { createApp } from '../src/bootstrap';
import { ConfigStore, loadConfigFile, type ConfigSource } from '../src/config';
import { ClChecker } from '../src/health/cl-checker.service';
import { ElChecker } from '../src/health/el-checker.service';
import { NodeRegistry } from '../src/health/node-registry.service';
import { type RegistryEvent } from '../src/health/node-state';

// Config reload (SIGHUP, POST /admin/reload): the file is re-read and, when valid,
// nodes are added, removed or changed without touching the nodes that stay.

const TOKEN = 'reload-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

function el(name: string, port: number): string {
  return `[[el.primary]]\nname = "${name}"\nhttp_url = "http://127.0.0.1:${port}"\nws_url = "ws://127.0.0.1:${port}"\n`;
}

function configText(body: string, global = 'max_retries = 2'): string {
  return `[global]\nhealth_check_interval_ms = 3600000\n${global}\n[admin]\ntoken = "${TOKEN}"\n${body}[[cl]]\nname = "cl-1"\nurl = "http://127.0.0.1:9"\n`;
}

describe('config reload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vixy-reload-'));
  const path = join(dir, 'config.toml');
  let app: NestFastifyApplication;
  let registry: NodeRegistry;
  let store: ConfigStore;

  beforeEach(async () => {
    writeFileSync(path, configText(el('geth-1', 9) + el('geth-2', 9)));
    const source: ConfigSource = { path, overrides: {} };
    app = await createApp(loadConfigFile(path), false, source);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    registry = app.get(NodeRegistry);
    store = app.get(ConfigStore);
  });

  afterEach(() => app.close());

  const ok = (blockNumber: number) => ({ ok: true as const, blockNumber, latencyMs: 1 });

  it('adds, keeps and removes nodes; a kept node keeps its state', async () => {
    applyChecks(registry, {
      el: new Map([
        ['geth-1', ok(10)],
        ['geth-2', ok(10)],
      ]),
    });
    registry.setDrained('el', 'geth-1', true);
    const kept = registry.getEl('geth-1');
    const events = firstValueFrom(registry.events$.pipe(take(2), toArray()));

    writeFileSync(path, configText(el('geth-1', 9) + el('geth-3', 9), 'max_retries = 3'));
    const res = await app.inject({ method: 'POST', url: '/admin/reload', headers: auth });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      changes: ['global.max_retries 2 -> 3', 'el node geth-3 added', 'el node geth-2 removed'],
      ignored: [],
    });
    expect(await events).toEqual<RegistryEvent[]>([
      { type: 'node-removed', layer: 'el', name: 'geth-2' },
      { type: 'node-added', layer: 'el', name: 'geth-3' },
    ]);
    expect(registry.el().map((n) => n.name)).toEqual(['geth-1', 'geth-3']);
    expect(registry.getEl('geth-1')).toBe(kept);
    expect(registry.getEl('geth-1')).toMatchObject({ isHealthy: true, drained: true });
    expect(registry.getEl('geth-3')).toMatchObject({ isHealthy: false, lastCheckAt: null });
    expect(store.current.global.max_retries).toBe(3);
    expect(await app.get(ElChecker).check('geth-2')).toMatchObject({ reason: 'unknown node' });
    expect(await app.get(ElChecker).check('geth-3')).toMatchObject({ ok: false });
  });

  it('starts a node over when its URL changes, and moves a node between tiers', async () => {
    applyChecks(registry, {
      el: new Map([
        ['geth-1', ok(10)],
        ['geth-2', ok(10)],
      ]),
    });
    const backup = `[[el.backup]]\nname = "geth-2"\nhttp_url = "http://127.0.0.1:9"\nws_url = "ws://127.0.0.1:9"\n`;
    writeFileSync(path, configText(el('geth-1', 10) + backup));
    expect(store.reload()).toEqual({
      ok: true,
      changes: ['el node geth-1 changed', 'el node geth-2 changed'],
      ignored: [],
    });
    expect(registry.getEl('geth-1')).toMatchObject({ isHealthy: false, blockNumber: null });
    expect(registry.getEl('geth-2')).toMatchObject({ isHealthy: true, tier: 'backup' });
    expect(registry.elFailoverActive()).toBe(true);
  });

  it('keeps running on the old config when the new file is invalid', async () => {
    writeFileSync(path, configText(el('geth-1', 9)).replace('max_retries = 2', 'max_retries = -1'));
    const res = await app.inject({ method: 'POST', url: '/admin/reload', headers: auth });
    expect(res.statusCode).toBe(422);
    expect(res.json<{ message: string }>().message).toContain(
      'global.max_retries: must be a non-negative integer',
    );
    expect(registry.el().map((n) => n.name)).toEqual(['geth-1', 'geth-2']);
    expect(store.current.global.max_retries).toBe(2);
  });

  it('keeps listener and admin settings until a restart, and says so', () => {
    writeFileSync(
      path,
      configText(el('geth-1', 9) + el('geth-2', 9)).replace(
        '[admin]',
        '[server]\nlisten = "127.0.0.1:1234"\n[admin]',
      ),
    );
    expect(store.reload()).toEqual({ ok: true, changes: [], ignored: ['server'] });
    expect(store.current.server.listen).toBe('0.0.0.0:8080');
  });

  it('follows the CL nodes too', async () => {
    writeFileSync(
      path,
      configText(el('geth-1', 9) + el('geth-2', 9)) +
        '[[cl]]\nname = "cl-2"\nurl = "http://127.0.0.1:9"\n',
    );
    expect(store.reload()).toMatchObject({ ok: true, changes: ['cl node cl-2 added'] });
    expect(registry.cl().map((n) => n.name)).toEqual(['cl-1', 'cl-2']);
    expect(await app.get(ClChecker).check('cl-2')).toMatchObject({ healthOk: false });
  });
});
