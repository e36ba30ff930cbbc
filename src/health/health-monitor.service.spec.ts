import { SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { type Config, ConfigModule } from '../config';
import { MetricsModule } from '../metrics/metrics.module';
import { VixyMetrics } from '../metrics/metrics.service';
import {
  beacon,
  hang,
  healthConfig,
  type LocalServer,
  rpcResult,
  startServer,
} from '../../test/health-fixtures';
import { ClChecker } from './cl-checker.service';
import { ElChecker } from './el-checker.service';
import {
  CHECK_DISPATCHER_FACTORY,
  HEALTH_CHECK_INTERVAL,
  poolDispatcherFactory,
} from './health.constants';
import { HealthMonitor } from './health-monitor.service';
import { NodeRegistry } from './node-registry.service';
import { type ClCheckResult, type ElCheckResult, type RegistryEvent } from './node-state';

/** A checker whose answers the test releases: check() calls wait until `release()`. */
class GatedChecker<R> {
  calls: string[] = [];
  private gates: (() => void)[] = [];

  constructor(private readonly answer: (name: string) => R) {}

  check(name: string): Promise<R> {
    this.calls.push(name);
    return new Promise((resolve) => this.gates.push(() => resolve(this.answer(name))));
  }

  release(): void {
    const gates = this.gates;
    this.gates = [];
    for (const open of gates) open();
  }
}

const INTERVAL_MS = 100;

function config(): Config {
  return healthConfig(
    { primary: ['http://127.0.0.1:1'], backup: ['http://127.0.0.1:2'], cl: ['http://127.0.0.1:3'] },
    { health_check_interval_ms: INTERVAL_MS },
  );
}

async function gatedMonitor() {
  const el = new GatedChecker<ElCheckResult>(() => ({ ok: true, blockNumber: 7, latencyMs: 2 }));
  const cl = new GatedChecker<ClCheckResult>(() => ({
    healthOk: true,
    slot: 9,
    reason: null,
    latencyMs: 3,
  }));
  const cfg = config();
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(cfg), MetricsModule.forRoot(cfg)],
    providers: [
      NodeRegistry,
      HealthMonitor,
      SchedulerRegistry,
      { provide: ElChecker, useValue: el },
      { provide: ClChecker, useValue: cl },
    ],
  }).compile();
  return {
    el,
    cl,
    monitor: moduleRef.get(HealthMonitor),
    registry: moduleRef.get(NodeRegistry),
    scheduler: moduleRef.get(SchedulerRegistry),
    metrics: moduleRef.get(VixyMetrics),
  };
}

describe('HealthMonitor', () => {
  afterEach(() => {
    jest.useRealTimers();
    register.clear();
  });

  it('checks every node of both layers in one cycle and applies the results', async () => {
    const { el, cl, monitor, registry, metrics } = await gatedMonitor();
    const cycle = monitor.runCycle();
    expect(el.calls).toEqual(['el-p1', 'el-b1']);
    expect(cl.calls).toEqual(['cl-1']);
    el.release();
    cl.release();
    await cycle;
    expect(registry.el().map((n) => [n.name, n.blockNumber, n.isHealthy])).toEqual([
      ['el-p1', 7, true],
      ['el-b1', 7, true],
    ]);
    expect(registry.getCl('cl-1')).toMatchObject({ slot: 9, isHealthy: true });
    const durations = await metrics.healthCheckDuration.get();
    expect(durations.values).toContainEqual(
      expect.objectContaining({
        metricName: 'vixy_health_check_duration_seconds_sum',
        labels: { layer: 'cl', node: 'cl-1' },
        value: 0.003,
      }),
    );
  });

  it('never overlaps cycles: a call while one runs joins it and counts a skip', async () => {
    const { el, cl, monitor } = await gatedMonitor();
    const first = monitor.runCycle();
    const second = monitor.runCycle();
    expect(second).toBe(first);
    expect(el.calls).toHaveLength(2);
    expect(monitor.skippedTicks).toBe(1);
    el.release();
    cl.release();
    await first;
    void monitor.runCycle();
    expect(el.calls).toHaveLength(4);
    el.release();
    cl.release();
  });

  it('runs at start-up, then on the interval, skipping ticks while a cycle hangs', async () => {
    jest.useFakeTimers();
    const { el, cl, monitor, scheduler } = await gatedMonitor();
    monitor.onApplicationBootstrap();
    expect(el.calls).toHaveLength(2);
    expect(scheduler.doesExist('interval', HEALTH_CHECK_INTERVAL)).toBe(true);

    await jest.advanceTimersByTimeAsync(INTERVAL_MS * 5);
    expect(el.calls).toHaveLength(2);
    expect(monitor.skippedTicks).toBe(5);

    el.release();
    cl.release();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(el.calls).toHaveLength(4);
    el.release();
    cl.release();

    await monitor.beforeApplicationShutdown();
    expect(scheduler.doesExist('interval', HEALTH_CHECK_INTERVAL)).toBe(false);
    await jest.advanceTimersByTimeAsync(INTERVAL_MS * 5);
    expect(el.calls).toHaveLength(4);
  });

  it('discards the results of a cycle that ends after shutdown began', async () => {
    const { el, cl, monitor, registry } = await gatedMonitor();
    const cycle = monitor.runCycle();
    monitor.onModuleDestroy();
    const shutdown = monitor.beforeApplicationShutdown();
    el.release();
    cl.release();
    await cycle;
    await shutdown;
    expect(registry.getEl('el-p1')?.lastCheckAt).toBeNull();
    await monitor.runCycle();
    expect(el.calls).toHaveLength(2);
  });
});

describe('HealthMonitor with a hung node', () => {
  const TIMEOUT_MS = 300;
  let good: LocalServer;
  let hung: LocalServer;
  let beaconNode: LocalServer;

  beforeEach(async () => {
    good = await startServer(rpcResult('0x20'));
    hung = await startServer(hang);
    beaconNode = await startServer(beacon({ slot: '40' }));
  });

  afterEach(async () => {
    await Promise.all([good.close(), hung.close(), beaconNode.close()]);
    register.clear();
  });

  it('bounds the cycle by the timeout and applies the other layer without waiting', async () => {
    const cfg = healthConfig(
      { primary: [hung.url, good.url], cl: [beaconNode.url] },
      { health_check_timeout_ms: TIMEOUT_MS },
    );
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(cfg), MetricsModule.forRoot(cfg)],
      providers: [
        NodeRegistry,
        HealthMonitor,
        SchedulerRegistry,
        ElChecker,
        ClChecker,
        { provide: CHECK_DISPATCHER_FACTORY, useValue: poolDispatcherFactory },
      ],
    }).compile();
    const registry = moduleRef.get(NodeRegistry);
    const order: RegistryEvent[] = [];
    registry.events$.subscribe((e) => e.type === 'cycle' && order.push(e));
    try {
      // Without the timeout this would never resolve: the hung server never answers.
      await moduleRef.get(HealthMonitor).runCycle();
      expect(order).toEqual([
        { type: 'cycle', layer: 'cl' },
        { type: 'cycle', layer: 'el' },
      ]);
      expect(registry.getEl('el-p1')).toMatchObject({
        checkOk: false,
        consecutiveFailures: 1,
        lastError: `timeout after ${TIMEOUT_MS} ms`,
      });
      expect(registry.getEl('el-p2')).toMatchObject({ blockNumber: 32, isHealthy: true });
      expect(registry.getCl('cl-1')).toMatchObject({ slot: 40, isHealthy: true });
    } finally {
      await moduleRef.close();
    }
  });
});
