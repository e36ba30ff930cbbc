// The node gauges follow the NodeRegistry: EL/CL check cycles, failover, drain.
import { applyChecks } from './health-fixtures';
// Read back through the exposition, as Prometheus would see them.
import { Test, type TestingModule } from '@nestjs/testing';
import { register } from 'prom-client';
import { type Config, ConfigModule } from '../src/config';
import { NodeRegistry } from '../src/health/node-registry.service';
import { type ClCheckResult, type ElCheckResult } from '../src/health/node-state';
import { MetricsModule } from '../src/metrics/metrics.module';
import { bootApp, closedNodesConfig, scrapeMain } from './metrics-app';
import { type Exposition, parseExposition, sampleValue } from './metrics-exposition';
import { waitFor } from './support/wait';

const up = (blockNumber: number): ElCheckResult => ({ ok: true, blockNumber, latencyMs: 1 });
const down: ElCheckResult = { ok: false, reason: 'ECONNREFUSED', latencyMs: 1 };
const cl = (slot: number | null, healthOk = true): ClCheckResult => ({
  healthOk,
  slot,
  reason: healthOk ? null : 'HTTP 503',
  latencyMs: 1,
});

describe('registry-driven metrics', () => {
  let moduleRef: TestingModule;
  let registry: NodeRegistry;
  let config: Config;

  const scrape = async (): Promise<Exposition> => parseExposition(await register.metrics());
  const value = async (name: string, labels: Record<string, string> = {}) =>
    sampleValue(await scrape(), name, labels);
  const elCycle = (results: Record<string, ElCheckResult>): void =>
    applyChecks(registry, { el: new Map(Object.entries(results)) });
  const clCycle = (results: Record<string, ClCheckResult>): void =>
    applyChecks(registry, { cl: new Map(Object.entries(results)) });
  /** `max_failures` failed checks in a row for the named nodes, the others up at `height`. */
  const failEl = (failing: readonly string[], height: number): void => {
    for (let i = 0; i < config.global.health_check_max_failures; i++) {
      elCycle(
        Object.fromEntries(
          ['el-a', 'el-b', 'el-backup'].map((n) => [n, failing.includes(n) ? down : up(height)]),
        ),
      );
    }
  };

  beforeEach(async () => {
    config = await closedNodesConfig();
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), MetricsModule.forRoot(config)],
      providers: [NodeRegistry],
    })
      .setLogger({ log() {}, warn() {}, error() {} })
      .compile();
    registry = moduleRef.get(NodeRegistry);
  });

  afterEach(async () => {
    await moduleRef.close();
    register.clear();
  });

  it('starts with every configured node unhealthy and nothing known about heights', async () => {
    const exposition = await scrape();
    expect(sampleValue(exposition, 'vixy_el_node_healthy', { node: 'el-a', tier: 'primary' })).toBe(
      0,
    );
    expect(sampleValue(exposition, 'vixy_cl_node_healthy', { node: 'cl-b' })).toBe(0);
    expect(sampleValue(exposition, 'vixy_el_node_block_number', { node: 'el-a' })).toBeUndefined();
    expect(sampleValue(exposition, 'vixy_cl_node_slot', { node: 'cl-a' })).toBeUndefined();
    expect(sampleValue(exposition, 'vixy_el_failover_active')).toBe(0);
    expect(sampleValue(exposition, 'vixy_el_failovers_total')).toBe(0);
  });

  it('EL: block numbers, lag, chain head and health follow the check cycles', async () => {
    elCycle({ 'el-a': up(100), 'el-b': up(98), 'el-backup': up(100) });
    expect(await value('vixy_el_node_healthy', { node: 'el-a', tier: 'primary' })).toBe(1);
    expect(await value('vixy_el_node_block_number', { node: 'el-b', tier: 'primary' })).toBe(98);
    expect(await value('vixy_el_node_lag_blocks', { node: 'el-b' })).toBe(2);
    expect(await value('vixy_el_chain_head')).toBe(100);
    expect(await value('vixy_el_healthy_nodes')).toBe(3);

    // el-b falls 10 blocks behind (max_el_lag_blocks = 5): unhealthy at once
    // (el-b is checked last, against the head the others just reported)
    elCycle({ 'el-a': up(110), 'el-backup': up(110), 'el-b': up(100) });
    expect(await value('vixy_el_chain_head')).toBe(110);
    expect(await value('vixy_el_node_lag_blocks', { node: 'el-b' })).toBe(10);
    expect(await value('vixy_el_node_healthy', { node: 'el-b' })).toBe(0);
    expect(await value('vixy_el_healthy_nodes')).toBe(2);

    // and back within the limit, after health_check_min_successes (2) good checks
    elCycle({ 'el-a': up(111), 'el-backup': up(111), 'el-b': up(110) });
    expect(await value('vixy_el_node_healthy', { node: 'el-b' })).toBe(0);
    elCycle({ 'el-a': up(111), 'el-backup': up(111), 'el-b': up(110) });
    expect(await value('vixy_el_node_healthy', { node: 'el-b' })).toBe(1);
    expect(await value('vixy_el_node_lag_blocks', { node: 'el-b' })).toBe(1);
  });

  it('EL: failover is shown while only a backup is healthy, and counted once per failover', async () => {
    elCycle({ 'el-a': up(100), 'el-b': up(100), 'el-backup': up(100) });
    expect(await value('vixy_el_failover_active')).toBe(0);

    failEl(['el-a', 'el-b'], 101);
    expect(await value('vixy_el_node_healthy', { node: 'el-a' })).toBe(0);
    expect(await value('vixy_el_node_healthy', { node: 'el-b' })).toBe(0);
    expect(await value('vixy_el_node_healthy', { node: 'el-backup', tier: 'backup' })).toBe(1);
    expect(await value('vixy_el_failover_active')).toBe(1);
    expect(await value('vixy_el_failovers_total')).toBe(1);
    expect(await value('vixy_el_healthy_nodes')).toBe(1);

    // still failed over: not counted again
    failEl(['el-a', 'el-b'], 102);
    expect(await value('vixy_el_failovers_total')).toBe(1);

    // a primary recovers (two good checks): failover ends, the counter keeps its history
    elCycle({ 'el-a': up(103), 'el-b': down, 'el-backup': up(103) });
    expect(await value('vixy_el_failover_active')).toBe(1);
    elCycle({ 'el-a': up(103), 'el-b': down, 'el-backup': up(103) });
    expect(await value('vixy_el_failover_active')).toBe(0);
    expect(await value('vixy_el_failovers_total')).toBe(1);

    failEl(['el-a', 'el-b'], 104);
    expect(await value('vixy_el_failovers_total')).toBe(2);
  });

  it('EL: draining every primary fails over too, and the drained gauge shows it', async () => {
    elCycle({ 'el-a': up(100), 'el-b': up(100), 'el-backup': up(100) });
    registry.setDrained('el', 'el-a', true);
    expect(await value('vixy_node_drained', { layer: 'el', node: 'el-a' })).toBe(1);
    expect(await value('vixy_el_failover_active')).toBe(0);
    registry.setDrained('el', 'el-b', true);
    expect(await value('vixy_el_failover_active')).toBe(1);
    expect(await value('vixy_el_failovers_total')).toBe(1);
    registry.setDrained('el', 'el-a', false);
    expect(await value('vixy_node_drained', { layer: 'el', node: 'el-a' })).toBe(0);
    expect(await value('vixy_el_failover_active')).toBe(0);
  });

  it('CL: slots, lag, chain head and health follow the check cycles', async () => {
    clCycle({ 'cl-a': cl(50), 'cl-b': cl(49) });
    expect(await value('vixy_cl_node_slot', { node: 'cl-a' })).toBe(50);
    expect(await value('vixy_cl_node_slot', { node: 'cl-b' })).toBe(49);
    expect(await value('vixy_cl_node_lag_slots', { node: 'cl-b' })).toBe(1);
    expect(await value('vixy_cl_chain_head')).toBe(50);
    expect(await value('vixy_cl_node_healthy', { node: 'cl-b' })).toBe(1);
    expect(await value('vixy_cl_healthy_nodes')).toBe(2);

    // cl-b stalls 10 slots behind (max_cl_lag_slots = 3)
    clCycle({ 'cl-a': cl(60), 'cl-b': cl(50) });
    expect(await value('vixy_cl_node_slot', { node: 'cl-a' })).toBe(60);
    expect(await value('vixy_cl_chain_head')).toBe(60);
    expect(await value('vixy_cl_node_lag_slots', { node: 'cl-b' })).toBe(10);
    expect(await value('vixy_cl_node_healthy', { node: 'cl-b' })).toBe(0);
    expect(await value('vixy_cl_healthy_nodes')).toBe(1);

    // cl-a reports unhealthy (503) for max_failures cycles: it keeps its last slot
    for (let i = 0; i < config.global.health_check_max_failures; i++) {
      clCycle({ 'cl-a': cl(null, false), 'cl-b': cl(61) });
    }
    expect(await value('vixy_cl_node_healthy', { node: 'cl-a' })).toBe(0);
    expect(await value('vixy_cl_node_slot', { node: 'cl-a' })).toBe(60);
    expect(await value('vixy_cl_node_healthy', { node: 'cl-b' })).toBe(1);
  });
});

describe('metrics recorded by the running health monitor', () => {
  afterEach(() => register.clear());

  it('counts a health-check duration per node, and keeps unreachable nodes at healthy 0', async () => {
    const app = await bootApp(await closedNodesConfig());
    try {
      const checked = (e: Exposition, layer: string, node: string): boolean =>
        (sampleValue(e, 'vixy_health_check_duration_seconds_count', { layer, node }) ?? 0) >= 2;
      const exposition = await waitFor(
        'two health checks of every node',
        async () => {
          const e = parseExposition((await scrapeMain(app)).body);
          const all = [
            checked(e, 'el', 'el-a'),
            checked(e, 'el', 'el-backup'),
            checked(e, 'cl', 'cl-b'),
          ].every(Boolean);
          return all ? e : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect(sampleValue(exposition, 'vixy_el_node_healthy', { node: 'el-a' })).toBe(0);
      expect(sampleValue(exposition, 'vixy_cl_node_healthy', { node: 'cl-b' })).toBe(0);
      expect(sampleValue(exposition, 'vixy_el_healthy_nodes')).toBe(0);
    } finally {
      await app.close();
    }
  });
});
