import { Logger } from '@nestjs/common';
import { applyChecks } from '../../test/health-fixtures';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { type Config, ConfigModule } from '../config';
import { MetricsModule } from '../metrics/metrics.module';
import { VixyMetrics } from '../metrics/metrics.service';
import { healthConfig } from '../../test/health-fixtures';
import { NodeRegistry } from './node-registry.service';
import {
  type ClCheckResult,
  type ElCheckResult,
  isAvailable,
  type RegistryEvent,
} from './node-state';

const ok = (blockNumber: number): ElCheckResult => ({ ok: true, blockNumber, latencyMs: 1 });
const fail = (reason: string): ElCheckResult => ({ ok: false, reason, latencyMs: 1 });
const cl = (slot: number | null, reason: string | null = null): ClCheckResult => ({
  healthOk: reason === null,
  slot,
  reason,
  latencyMs: 1,
});

interface Harness {
  registry: NodeRegistry;
  metrics: VixyMetrics;
  events: RegistryEvent[];
  el(results: Record<string, ElCheckResult>): void;
  cl(results: Record<string, ClCheckResult>): void;
}

async function harness(config: Config): Promise<Harness> {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), MetricsModule.forRoot(config)],
    providers: [NodeRegistry],
  }).compile();
  const registry = moduleRef.get(NodeRegistry);
  const events: RegistryEvent[] = [];
  registry.events$.subscribe((e) => events.push(e));
  return {
    registry,
    metrics: moduleRef.get(VixyMetrics),
    events,
    el: (results) => applyChecks(registry, { el: new Map(Object.entries(results)) }),
    cl: (results) => applyChecks(registry, { cl: new Map(Object.entries(results)) }),
  };
}

/** Three EL primaries, one backup, two CL nodes; max lag 5 blocks / 3 slots, 2 failures. */
function fleet(primaries = 3): Config {
  return healthConfig({
    primary: Array.from({ length: primaries }, (_, i) => `http://127.0.0.1:${8545 + i}`),
    backup: ['https://provider.example/v2/0123456789abcdef0123456789abcdef'],
    cl: ['http://127.0.0.1:5052', 'http://127.0.0.1:5053'],
  });
}

const changes = (events: RegistryEvent[]) =>
  events.filter((e) => e.type !== 'checked' && e.type !== 'node-available');

/** What a logger spy recorded about one node: `[message, fields]`, fields without layer/node. */
function about(spy: jest.SpyInstance, node: string): [string, Record<string, unknown>][] {
  return spy.mock.calls
    .filter(([fields]) => typeof fields === 'object' && fields !== null && fields.node === node)
    .map(([fields, message]) => {
      const { layer: _layer, node: _node, ...rest } = fields as Record<string, unknown>;
      return [message as string, rest];
    });
}

describe('NodeRegistry', () => {
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    register.clear();
  });

  it('starts with every node unknown: not healthy, no height, no head', async () => {
    const { registry } = await harness(fleet());
    expect(registry.elChainHead()).toBeNull();
    expect(registry.el().map((n) => [n.name, n.tier, n.isHealthy, n.blockNumber])).toEqual([
      ['el-p1', 'primary', false, null],
      ['el-p2', 'primary', false, null],
      ['el-p3', 'primary', false, null],
      ['el-b1', 'backup', false, null],
    ]);
  });

  it('keeps redacted URLs for display and the real ones in config', async () => {
    const { registry } = await harness(fleet());
    const backup = registry.getEl('el-b1');
    expect(backup?.httpUrl).toBe('https://provider.example/v2/***');
    expect(backup?.config.http_url).toContain('0123456789abcdef');
  });

  describe('robust chain head', () => {
    it('with one node, its own height', async () => {
      const h = await harness(fleet(1));
      h.el({ 'el-p1': ok(100) });
      expect(h.registry.elChainHead()).toBe(100);
      expect(h.registry.getEl('el-p1')?.lag).toBe(0);
    });

    it('with two nodes, the highest: the lower one lags', async () => {
      const h = await harness(fleet(2));
      h.el({ 'el-p1': ok(100), 'el-p2': ok(90) });
      expect(h.registry.elChainHead()).toBe(100);
      expect(h.registry.getEl('el-p2')).toMatchObject({ lag: 10, isHealthy: false });
    });

    it('with three or more, the second-highest: one bogus height marks nobody unhealthy', async () => {
      const h = await harness(fleet());
      h.el({ 'el-p1': ok(100), 'el-p2': ok(101), 'el-p3': ok(2 ** 52), 'el-b1': ok(100) });
      expect(h.registry.elChainHead()).toBe(101);
      expect(h.registry.el().map((n) => [n.name, n.lag, n.isHealthy])).toEqual([
        ['el-p1', 1, true],
        ['el-p2', 0, true],
        ['el-p3', 0, true],
        ['el-b1', 1, true],
      ]);
    });

    it('is computed from the last good heights, and kept when no node answers', async () => {
      const h = await harness(fleet());
      h.el({ 'el-p1': ok(100), 'el-p2': ok(100), 'el-p3': ok(100), 'el-b1': ok(100) });
      h.el({ 'el-p1': fail('x'), 'el-p2': fail('x'), 'el-p3': fail('x'), 'el-b1': fail('x') });
      expect(h.registry.elChainHead()).toBe(100);
    });
  });

  describe('lag', () => {
    it('makes a node unhealthy at once, with the numbers, announced once', async () => {
      const h = await harness(fleet());
      const heights = (p1: number) => ({
        'el-p1': ok(p1),
        'el-p2': ok(112),
        'el-p3': ok(112),
        'el-b1': ok(112),
      });
      h.el(heights(112));
      h.events.length = 0;
      h.el(heights(100));
      h.el(heights(100));
      expect(h.registry.getEl('el-p1')).toMatchObject({
        isHealthy: false,
        checkOk: true,
        lag: 12,
        lastError: 'lag 12 > 5',
      });
      expect(changes(h.events)).toEqual([
        { type: 'node-unhealthy', layer: 'el', name: 'el-p1', reason: 'lag 12 > 5' },
      ]);
      expect(about(warn, 'el-p1')).toEqual([['node is unhealthy', { reason: 'lag 12 > 5' }]]);
    });

    it('within the limit keeps the node healthy; catching up brings it back after min_successes good checks', async () => {
      const h = await harness(fleet());
      h.el({ 'el-p1': ok(95), 'el-p2': ok(100), 'el-p3': ok(100), 'el-b1': ok(100) });
      expect(h.registry.getEl('el-p1')).toMatchObject({ lag: 5, isHealthy: true });
      h.el({ 'el-p1': ok(90), 'el-p2': ok(100), 'el-p3': ok(100), 'el-b1': ok(100) });
      expect(h.registry.getEl('el-p1')?.isHealthy).toBe(false);
      h.events.length = 0;
      h.el({ 'el-p1': ok(101), 'el-p2': ok(101), 'el-p3': ok(101), 'el-b1': ok(101) });
      expect(h.registry.getEl('el-p1')).toMatchObject({
        lag: 0,
        isHealthy: false,
        lastError: 'recovering (1 of 2 good checks)',
      });
      h.el({ 'el-p1': ok(102), 'el-p2': ok(102), 'el-p3': ok(102), 'el-b1': ok(102) });
      expect(h.registry.getEl('el-p1')).toMatchObject({ lag: 0, isHealthy: true, lastError: null });
      expect(changes(h.events)).toEqual([{ type: 'node-healthy', layer: 'el', name: 'el-p1' }]);
    });

    it('keeps a node whose lag alternates around the limit out of rotation (hysteresis)', async () => {
      const h = await harness(fleet());
      // el-p1 is checked last in each round, against the head the others just reported.
      const round = (p1: number, head: number) =>
        h.el({ 'el-p2': ok(head), 'el-p3': ok(head), 'el-b1': ok(head), 'el-p1': ok(p1) });
      round(100, 100);
      h.events.length = 0;
      for (let head = 106; head < 126; head += 2) {
        // lag 6 (out), then lag 4 (one good check), then 6 again...
        round(head - 6, head);
        round(head - 4 + 1, head + 1);
      }
      expect(changes(h.events)).toEqual([
        { type: 'node-unhealthy', layer: 'el', name: 'el-p1', reason: 'lag 6 > 5' },
      ]);
      expect(h.registry.getEl('el-p1')?.isHealthy).toBe(false);
    });

    it('with health_check_min_successes = 1, one good check brings a node back', async () => {
      const h = await harness(
        healthConfig(
          { primary: ['http://127.0.0.1:1'], cl: ['http://127.0.0.1:3'] },
          { health_check_min_successes: 1 },
        ),
      );
      h.el({ 'el-p1': ok(1) });
      h.el({ 'el-p1': fail('x') });
      h.el({ 'el-p1': fail('x') });
      expect(h.registry.getEl('el-p1')?.isHealthy).toBe(false);
      h.el({ 'el-p1': ok(2) });
      expect(h.registry.getEl('el-p1')?.isHealthy).toBe(true);
    });
  });

  describe('failed checks', () => {
    it('count up, make the node unhealthy at max_failures, and reset on a good check', async () => {
      const h = await harness(fleet());
      const cycle = (p1: ElCheckResult) =>
        h.el({ 'el-p1': p1, 'el-p2': ok(100), 'el-p3': ok(100), 'el-b1': ok(100) });
      cycle(ok(100));
      h.events.length = 0;

      cycle(fail('connection refused'));
      expect(h.registry.getEl('el-p1')).toMatchObject({
        isHealthy: true,
        checkOk: false,
        consecutiveFailures: 1,
        lastError: 'connection refused',
      });
      expect(changes(h.events)).toEqual([]);

      cycle(fail('connection refused'));
      expect(h.registry.getEl('el-p1')).toMatchObject({ isHealthy: false, consecutiveFailures: 2 });
      const reason = 'connection refused (2 consecutive failures)';
      expect(changes(h.events)).toEqual([
        { type: 'node-unhealthy', layer: 'el', name: 'el-p1', reason },
      ]);

      cycle(fail('timeout after 1000 ms'));
      expect(h.registry.getEl('el-p1')?.consecutiveFailures).toBe(3);
      expect(changes(h.events)).toHaveLength(1);

      cycle(ok(100));
      expect(h.registry.getEl('el-p1')).toMatchObject({ isHealthy: false, consecutiveFailures: 0 });
      cycle(ok(100));
      expect(h.registry.getEl('el-p1')).toMatchObject({
        isHealthy: true,
        consecutiveFailures: 0,
        consecutiveSuccesses: 2,
        lastError: null,
      });
      expect(changes(h.events).at(-1)).toEqual({
        type: 'node-healthy',
        layer: 'el',
        name: 'el-p1',
      });
      expect(about(warn, 'el-p1')).toHaveLength(1);
    });

    it('judge a dead node by failures, not by its stale height while the chain moves on', async () => {
      const h = await harness(fleet());
      h.el({ 'el-p1': ok(100), 'el-p2': ok(100), 'el-p3': ok(100), 'el-b1': ok(100) });
      h.el({
        'el-p1': fail('connection refused'),
        'el-p2': ok(150),
        'el-p3': ok(150),
        'el-b1': ok(150),
      });
      expect(h.registry.getEl('el-p1')).toMatchObject({ isHealthy: true, lag: 50 });
    });

    it('say once that a node that was never healthy is unhealthy', async () => {
      const h = await harness(fleet());
      for (let i = 0; i < 4; i++) {
        h.el({
          'el-p1': fail('connection refused'),
          'el-p2': ok(1),
          'el-p3': ok(1),
          'el-b1': ok(1),
        });
      }
      expect(about(warn, 'el-p1')).toEqual([
        ['node is unhealthy', { reason: 'connection refused (2 consecutive failures)' }],
      ]);
    });
  });

  describe('EL failover', () => {
    const all = (p: ElCheckResult, b: ElCheckResult) => ({
      'el-p1': p,
      'el-p2': p,
      'el-p3': p,
      'el-b1': b,
    });

    it('starts when no primary is healthy and a backup is, and ends when a primary recovers', async () => {
      const h = await harness(fleet());
      h.el(all(ok(10), ok(10)));
      expect(h.registry.elFailoverActive()).toBe(false);
      h.el(all(fail('connection refused'), ok(11)));
      expect(h.registry.elFailoverActive()).toBe(false);
      h.el(all(fail('connection refused'), ok(12)));
      expect(h.registry.elFailoverActive()).toBe(true);
      expect(h.events.filter((e) => e.type.startsWith('failover'))).toEqual([
        { type: 'failover-started' },
      ]);
      expect(await h.metrics.elFailoverActive.get()).toMatchObject({ values: [{ value: 1 }] });
      expect(await h.metrics.elFailovers.get()).toMatchObject({ values: [{ value: 1 }] });

      h.el({ 'el-p1': fail('x'), 'el-p2': ok(12), 'el-p3': fail('x'), 'el-b1': ok(12) });
      expect(h.registry.elFailoverActive()).toBe(true);
      h.el({ 'el-p1': fail('x'), 'el-p2': ok(13), 'el-p3': fail('x'), 'el-b1': ok(13) });
      expect(h.registry.elFailoverActive()).toBe(false);
      expect(h.events.filter((e) => e.type.startsWith('failover'))).toEqual([
        { type: 'failover-started' },
        { type: 'failover-ended' },
      ]);
      expect(await h.metrics.elFailoverActive.get()).toMatchObject({ values: [{ value: 0 }] });
    });

    it('does not start at start-up when a backup is checked before the primaries', async () => {
      const h = await harness(fleet());
      h.el({ 'el-b1': ok(10) });
      expect(h.registry.elFailoverActive()).toBe(false);
      h.el({ 'el-p1': ok(10), 'el-p2': ok(10), 'el-p3': ok(10) });
      expect(h.events.filter((e) => e.type.startsWith('failover'))).toEqual([]);
    });

    it('starts at start-up once every primary is judged unhealthy', async () => {
      const h = await harness(fleet());
      h.el({ 'el-b1': ok(10), 'el-p1': fail('x'), 'el-p2': fail('x'), 'el-p3': fail('x') });
      expect(h.registry.elFailoverActive()).toBe(false);
      h.el({ 'el-b1': ok(10), 'el-p1': fail('x'), 'el-p2': fail('x') });
      expect(h.registry.elFailoverActive()).toBe(false);
      h.el({ 'el-p3': fail('x') });
      expect(h.registry.elFailoverActive()).toBe(true);
      expect(h.events.filter((e) => e.type.startsWith('failover'))).toEqual([
        { type: 'failover-started' },
      ]);
    });

    it('is not active when nothing is healthy (there is nothing to fail over to)', async () => {
      const h = await harness(fleet());
      h.el(all(ok(10), ok(10)));
      h.el(all(fail('x'), fail('x')));
      h.el(all(fail('x'), fail('x')));
      expect(h.registry.el().some((n) => n.isHealthy)).toBe(false);
      expect(h.registry.elFailoverActive()).toBe(false);
    });

    it('counts a drained primary as not serving', async () => {
      const h = await harness(fleet(1));
      h.el({ 'el-p1': ok(10), 'el-b1': ok(10) });
      expect(h.registry.setDrained('el', 'el-p1', true)).toBe(true);
      expect(h.registry.elFailoverActive()).toBe(true);
      expect(h.registry.setDrained('el', 'el-p1', false)).toBe(true);
      expect(h.registry.elFailoverActive()).toBe(false);
    });
  });

  describe('passive reports', () => {
    it('take a node out of rotation at once, until min_successes good checks in a row', async () => {
      const h = await harness(fleet());
      h.el({ 'el-p1': ok(10), 'el-p2': ok(10), 'el-p3': ok(10), 'el-b1': ok(10) });
      h.events.length = 0;
      h.registry.reportFailure('el', 'el-p1', 'connection refused');
      h.registry.reportFailure('el', 'el-p1', 'connection refused');
      const p1 = () => h.registry.getEl('el-p1')!;
      expect(isAvailable(p1())).toBe(false);
      expect(p1()).toMatchObject({ isHealthy: true, lastError: 'connection refused' });
      expect(changes(h.events)).toEqual([
        { type: 'node-unavailable', layer: 'el', name: 'el-p1', reason: 'connection refused' },
      ]);

      h.el({
        'el-p1': fail('connection refused'),
        'el-p2': ok(10),
        'el-p3': ok(10),
        'el-b1': ok(10),
      });
      expect(isAvailable(p1())).toBe(false);

      h.el({ 'el-p1': ok(11), 'el-p2': ok(11), 'el-p3': ok(11), 'el-b1': ok(11) });
      expect(isAvailable(p1())).toBe(false);
      h.el({ 'el-p1': ok(12), 'el-p2': ok(12), 'el-p3': ok(12), 'el-b1': ok(12) });
      expect(isAvailable(p1())).toBe(true);
      expect(p1().passiveFailure).toBeNull();
      expect(about(log, 'el-p1')).toContainEqual(['node back in rotation after good checks', {}]);
    });

    it('announce when a node takes traffic again, whatever the cause, once', async () => {
      const h = await harness(fleet());
      h.el({ 'el-p1': ok(10), 'el-p2': ok(10), 'el-p3': ok(10), 'el-b1': ok(10) });
      const available = () => h.events.filter((e) => e.type === 'node-available');
      expect(available()).toHaveLength(4);
      expect(h.registry.getEl('el-p1')?.availableSince).toEqual(expect.any(Number));
      h.events.length = 0;
      h.registry.reportFailure('el', 'el-p1', 'connection refused');
      expect(h.registry.getEl('el-p1')?.availableSince).toBeNull();
      h.el({ 'el-p1': ok(11) });
      h.el({ 'el-p1': ok(12) });
      h.el({ 'el-p1': ok(13) });
      expect(available()).toEqual([{ type: 'node-available', layer: 'el', name: 'el-p1' }]);
    });

    it('apply to CL nodes too, and ignore unknown names', async () => {
      const h = await harness(fleet());
      h.cl({ 'cl-1': cl(50), 'cl-2': cl(50) });
      h.registry.reportFailure('cl', 'cl-2', 'connection reset');
      h.registry.reportFailure('cl', 'nope', 'connection reset');
      expect(h.registry.cl().map((n) => isAvailable(n))).toEqual([true, false]);
    });
  });

  describe('drain', () => {
    it('takes a node out of rotation without touching its health', async () => {
      const h = await harness(fleet());
      h.cl({ 'cl-1': cl(50), 'cl-2': cl(50) });
      expect(h.registry.setDrained('cl', 'cl-1', true)).toBe(true);
      expect(h.registry.getCl('cl-1')).toMatchObject({ isHealthy: true, drained: true });
      expect(isAvailable(h.registry.getCl('cl-1')!)).toBe(false);
      expect(changes(h.events)).toContainEqual({ type: 'node-drained', layer: 'cl', name: 'cl-1' });
      expect(h.registry.setDrained('cl', 'unknown', true)).toBe(false);
    });
  });

  describe('CL nodes', () => {
    it('are healthy when health is ok and the slot is at the head', async () => {
      const h = await harness(fleet());
      h.cl({ 'cl-1': cl(50), 'cl-2': cl(49) });
      expect(h.registry.clChainHead()).toBe(50);
      expect(h.registry.cl().map((n) => [n.slot, n.lag, n.healthOk, n.isHealthy])).toEqual([
        [50, 0, true, true],
        [49, 1, true, true],
      ]);
    });

    it('show the slot and lag of a node that is behind and syncing, unhealthy at once', async () => {
      const h = await harness(fleet());
      h.cl({ 'cl-1': cl(50), 'cl-2': cl(0, 'syncing (distance 50)') });
      expect(h.registry.getCl('cl-2')).toMatchObject({
        slot: 0,
        lag: 50,
        healthOk: false,
        checkOk: false,
        isHealthy: false,
        lastError: 'lag 50 > 3',
      });
      expect(about(warn, 'cl-2')).toContainEqual(['node is unhealthy', { reason: 'lag 50 > 3' }]);
    });

    it('count a not-ok check within the lag limit as a failure, with its reason', async () => {
      const h = await harness(fleet());
      h.cl({ 'cl-1': cl(50), 'cl-2': cl(50) });
      h.events.length = 0;
      h.cl({ 'cl-1': cl(51), 'cl-2': cl(50, 'HTTP 503') });
      expect(h.registry.getCl('cl-2')).toMatchObject({ isHealthy: true, consecutiveFailures: 1 });
      h.cl({ 'cl-1': cl(52), 'cl-2': cl(51, 'HTTP 503') });
      expect(changes(h.events)).toEqual([
        {
          type: 'node-unhealthy',
          layer: 'cl',
          name: 'cl-2',
          reason: 'HTTP 503 (2 consecutive failures)',
        },
      ]);
    });

    it('count a healthy answer without a head slot as a failure', async () => {
      const h = await harness(fleet());
      h.cl({ 'cl-1': cl(50), 'cl-2': { healthOk: true, slot: null, reason: null, latencyMs: 1 } });
      expect(h.registry.getCl('cl-2')).toMatchObject({
        healthOk: true,
        checkOk: false,
        consecutiveFailures: 1,
        lastError: 'no head slot',
      });
    });
  });

  it('records heights, lag, health and heads as metrics', async () => {
    const h = await harness(fleet(2));
    h.el({ 'el-p1': ok(100), 'el-p2': ok(90), 'el-b1': ok(100) });
    const lag = await h.metrics.elNodeLag.get();
    expect(lag.values).toContainEqual({ labels: { node: 'el-p2', tier: 'primary' }, value: 10 });
    expect((await h.metrics.elChainHead.get()).values[0].value).toBe(100);
    expect((await h.metrics.elHealthyNodes.get()).values[0].value).toBe(2);
  });
});
