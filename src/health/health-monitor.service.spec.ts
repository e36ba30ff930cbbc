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
import { ManualClock } from '../../test/manual-clock';
import { CHECK_DISPATCHER_FACTORY, HEALTH_CLOCK, poolDispatcherFactory } from './health.constants';
import { RedisModule } from '../redis/redis.module';
import { HealthMonitor } from './health-monitor.service';
import { HealthShare } from './health-share.service';
import { NodeRegistry } from './node-registry.service';
import { type ClCheckResult, type ElCheckResult, type RegistryEvent } from './node-state';

/** A checker whose answers the test releases: check() calls wait until released. */
class GatedChecker<R> {
  calls: string[] = [];
  private gates: { name: string; open: () => void }[] = [];

  constructor(private readonly answer: (name: string) => R) {}

  check(name: string): Promise<R> {
    this.calls.push(name);
    return new Promise((resolve) =>
      this.gates.push({ name, open: () => resolve(this.answer(name)) }),
    );
  }

  /** Answers the checks waiting (only those of `name` when given). */
  release(name?: string): void {
    const gates = this.gates.filter((g) => name === undefined || g.name === name);
    this.gates = this.gates.filter((g) => !gates.includes(g));
    for (const gate of gates) gate.open();
  }

  count(name: string): number {
    return this.calls.filter((c) => c === name).length;
  }
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

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
  const clock = new ManualClock();
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(cfg), MetricsModule.forRoot(cfg), RedisModule],
    providers: [
      NodeRegistry,
      HealthMonitor,
      HealthShare,
      { provide: HEALTH_CLOCK, useValue: clock },
      { provide: ElChecker, useValue: el },
      { provide: ClChecker, useValue: cl },
    ],
  }).compile();
  return {
    el,
    cl,
    clock,
    monitor: moduleRef.get(HealthMonitor),
    registry: moduleRef.get(NodeRegistry),
    metrics: moduleRef.get(VixyMetrics),
  };
}

describe('HealthMonitor', () => {
  afterEach(() => register.clear());

  it('checks every node of both layers and applies each result as it comes', async () => {
    const { el, cl, monitor, registry, metrics } = await gatedMonitor();
    const all = monitor.checkAll();
    expect(el.calls).toEqual(['el-p1', 'el-b1']);
    expect(cl.calls).toEqual(['cl-1']);
    cl.release();
    await settle();
    // The CL result is applied while the EL checks still run.
    expect(registry.getCl('cl-1')).toMatchObject({ slot: 9, isHealthy: true });
    expect(registry.getEl('el-p1')?.lastCheckAt).toBeNull();
    el.release();
    await all;
    expect(registry.el().map((n) => [n.name, n.blockNumber, n.isHealthy])).toEqual([
      ['el-p1', 7, true],
      ['el-b1', 7, true],
    ]);
    const durations = await metrics.healthCheckDuration.get();
    expect(durations.values).toContainEqual(
      expect.objectContaining({
        metricName: 'vixy_health_check_duration_seconds_sum',
        labels: { layer: 'cl', node: 'cl-1' },
        value: 0.003,
      }),
    );
  });

  it('runs one loop per node: a hung node delays nobody else, and never overlaps itself', async () => {
    const { el, cl, clock, monitor } = await gatedMonitor();
    monitor.onApplicationBootstrap();
    expect(el.calls).toEqual(['el-p1', 'el-b1']);
    // el-p1 hangs; the others answer every time.
    for (let i = 0; i < 5; i++) {
      el.release('el-b1');
      cl.release();
      await settle();
      clock.advance(INTERVAL_MS);
    }
    expect(el.count('el-p1')).toBe(1);
    expect(el.count('el-b1')).toBe(6);
    expect(cl.count('cl-1')).toBe(6);
    // Asked to check everything now, the hung node is not checked a second time.
    void monitor.checkAll();
    expect(el.count('el-p1')).toBe(1);
    el.release('el-p1');
    await settle();
    expect(el.count('el-p1')).toBe(1);
    clock.advance(INTERVAL_MS);
    expect(el.count('el-p1')).toBe(2);
    el.release();
    cl.release();
    await monitor.beforeApplicationShutdown();
  });

  it('waits the interval after each check ends, read at each turn', async () => {
    const { el, cl, clock, monitor } = await gatedMonitor();
    monitor.onApplicationBootstrap();
    el.release();
    cl.release();
    await settle();
    clock.advance(INTERVAL_MS - 1);
    expect(el.count('el-p1')).toBe(1);
    clock.advance(1);
    expect(el.count('el-p1')).toBe(2);
    el.release();
    cl.release();
    await monitor.beforeApplicationShutdown();
  });

  it('stops at shutdown and drops the results of checks that end after it began', async () => {
    const { el, cl, clock, monitor, registry } = await gatedMonitor();
    monitor.onApplicationBootstrap();
    const shutdown = monitor.beforeApplicationShutdown();
    el.release();
    cl.release();
    await shutdown;
    expect(registry.getEl('el-p1')?.lastCheckAt).toBeNull();
    expect(clock.pending).toBe(0);
    clock.advance(INTERVAL_MS * 10);
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

  it('bounds a hung check by the timeout and applies the others without waiting', async () => {
    const cfg = healthConfig(
      { primary: [hung.url, good.url], cl: [beaconNode.url] },
      { health_check_timeout_ms: TIMEOUT_MS },
    );
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(cfg), MetricsModule.forRoot(cfg), RedisModule],
      providers: [
        NodeRegistry,
        HealthMonitor,
        HealthShare,
        ElChecker,
        ClChecker,
        { provide: CHECK_DISPATCHER_FACTORY, useValue: poolDispatcherFactory },
        { provide: HEALTH_CLOCK, useValue: new ManualClock() },
      ],
    }).compile();
    const registry = moduleRef.get(NodeRegistry);
    const order: RegistryEvent[] = [];
    registry.events$.subscribe((e) => e.type === 'checked' && order.push(e));
    try {
      // Without the timeout this would never resolve: the hung server never answers.
      await moduleRef.get(HealthMonitor).checkAll();
      // The hung node's result comes last: the others were applied without waiting.
      expect(order.at(-1)).toEqual({ type: 'checked', layer: 'el', name: 'el-p1' });
      expect(order).toHaveLength(3);
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
