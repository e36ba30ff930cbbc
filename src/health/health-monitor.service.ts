import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CONFIG_UPDATE, ConfigStore, ConfigUpdateEvent } from '../config';
import { VixyMetrics } from '../metrics/metrics.service';
import { CheckFailure } from './check-failure';
import { ClChecker } from './cl-checker.service';
import { ElChecker } from './el-checker.service';
import { HEALTH_CHECK_INTERVAL } from './health.constants';
import { NodeRegistry } from './node-registry.service';
import { type ClCheckResult, type ElCheckResult, type Layer } from './node-state';

/**
 * Runs a check cycle at start-up and then every `health_check_interval_ms`. A cycle
 * checks every node of both layers concurrently, each within its timeout, and applies
 * each layer's results to the registry as soon as that layer's checks have settled,
 * so a hung EL node never holds back the CL results. Cycles never overlap: a tick that
 * finds the previous cycle still running is skipped.
 */
@Injectable()
export class HealthMonitor
  implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown
{
  private readonly logger = new Logger(HealthMonitor.name);
  private running: Promise<void> | null = null;
  private stopped = false;
  private skipped = 0;
  private cycles = 0;

  constructor(
    private readonly store: ConfigStore,
    private readonly registry: NodeRegistry,
    private readonly elChecker: ElChecker,
    private readonly clChecker: ClChecker,
    private readonly metrics: VixyMetrics,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (this.stopped) return;
    void this.runCycle();
    this.schedule(this.store.current.global.health_check_interval_ms);
  }

  /** A reload that changes `health_check_interval_ms` reschedules the cycles. */
  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate({ previous, next }: ConfigUpdateEvent): void {
    const interval = next.global.health_check_interval_ms;
    if (this.stopped || interval === previous.global.health_check_interval_ms) return;
    this.scheduler.deleteInterval(HEALTH_CHECK_INTERVAL);
    this.schedule(interval);
  }

  private schedule(intervalMs: number): void {
    const timer = setInterval(() => void this.runCycle(), intervalMs);
    this.scheduler.addInterval(HEALTH_CHECK_INTERVAL, timer);
  }

  /**
   * Runs one cycle, or, when one is running, skips and returns that one: cycles never
   * overlap. Resolves when the cycle's results are applied; never rejects.
   */
  runCycle(): Promise<void> {
    if (this.running) {
      this.skipped += 1;
      this.logger.debug(
        `previous check cycle still running: tick skipped (${this.skipped} so far)`,
      );
      return this.running;
    }
    if (this.stopped) return Promise.resolve();
    const cycle = this.cycle().finally(() => {
      this.running = null;
    });
    this.running = cycle;
    return cycle;
  }

  /** Ticks skipped because the previous cycle was still running (since start-up). */
  get skippedTicks(): number {
    return this.skipped;
  }

  /** Stops the timer at once (before the checkers close their pools). */
  onModuleDestroy(): void {
    this.stop();
  }

  /** Stops the timer and waits for a running cycle, whose results are discarded. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stop();
    await this.running;
  }

  private stop(): void {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', HEALTH_CHECK_INTERVAL)) {
      this.scheduler.deleteInterval(HEALTH_CHECK_INTERVAL);
    }
  }

  private async cycle(): Promise<void> {
    const startedAt = performance.now();
    this.cycles += 1;
    try {
      await Promise.all([this.checkEl(), this.checkCl()]);
    } catch (err) {
      this.logger.error(`check cycle ${this.cycles} failed: ${String(err)}`);
    }
    this.logger.debug(
      `check cycle ${this.cycles} done in ${Math.round(performance.now() - startedAt)} ms`,
    );
  }

  private async checkEl(): Promise<void> {
    const names = this.registry.el().map((n) => n.name);
    const settled = await Promise.allSettled(names.map((name) => this.elChecker.check(name)));
    const results = new Map<string, ElCheckResult>();
    settled.forEach((outcome, i) => {
      const result: ElCheckResult =
        outcome.status === 'fulfilled'
          ? outcome.value
          : { ok: false, reason: CheckFailure.fromError(outcome.reason).message, latencyMs: 0 };
      results.set(names[i], result);
    });
    this.apply('el', results, () => this.registry.applyElCycle(results));
  }

  private async checkCl(): Promise<void> {
    const names = this.registry.cl().map((n) => n.name);
    const settled = await Promise.allSettled(names.map((name) => this.clChecker.check(name)));
    const results = new Map<string, ClCheckResult>();
    settled.forEach((outcome, i) => {
      const result: ClCheckResult =
        outcome.status === 'fulfilled'
          ? outcome.value
          : {
              healthOk: false,
              slot: null,
              reason: CheckFailure.fromError(outcome.reason).message,
              latencyMs: 0,
            };
      results.set(names[i], result);
    });
    this.apply('cl', results, () => this.registry.applyClCycle(results));
  }

  private apply(
    layer: Layer,
    results: ReadonlyMap<string, { readonly latencyMs: number }>,
    write: () => void,
  ): void {
    if (this.stopped) return;
    for (const [node, { latencyMs }] of results) {
      this.metrics.healthCheckDuration.labels(layer, node).observe(latencyMs / 1000);
    }
    try {
      write();
    } catch (err) {
      // A bug in applying results must not stop the monitor or crash the process.
      this.logger.error(`applying ${layer} check results failed: ${String(err)}`);
    }
  }
}
