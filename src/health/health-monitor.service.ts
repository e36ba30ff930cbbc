import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { type Clock } from '../common/clock';
import { CONFIG_UPDATE, ConfigStore } from '../config';
import { VixyMetrics } from '../metrics/metrics.service';
import { CheckFailure } from './check-failure';
import { ClChecker } from './cl-checker.service';
import { ElChecker } from './el-checker.service';
import { InjectHealthClock } from './health.constants';
import { HealthShare } from './health-share.service';
import { NodeRegistry } from './node-registry.service';
import { type ClCheckResult, type ElCheckResult, type Layer, type NodeState } from './node-state';

/**
 * One node's checks: a check, then `health_check_interval_ms` (read at each turn, so a
 * reload applies at the next one), then the next check. A check never overlaps the
 * previous one of the same node, and a hung node (bounded by its timeout) delays nobody
 * else: every node has its own loop.
 */
class NodeLoop {
  private running: Promise<void> | null = null;
  private timer: ReturnType<Clock['setTimeout']> | null = null;
  private stopped = false;

  constructor(
    readonly node: Readonly<NodeState>,
    private readonly check: () => Promise<void>,
    private readonly intervalMs: () => number,
    private readonly clock: Clock,
  ) {}

  /** Checks now unless a check is under way; resolves when that check is applied. */
  checkNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) return this.running;
    if (this.timer) this.clock.clear(this.timer);
    this.timer = null;
    const run = this.check().finally(() => {
      this.running = null;
      if (!this.stopped)
        this.timer = this.clock.setTimeout(() => void this.checkNow(), this.intervalMs());
    });
    this.running = run;
    return run;
  }

  /** Stops the loop; resolves once a check under way has finished (its result is dropped). */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clear(this.timer);
    this.timer = null;
    return this.running ?? Promise.resolve();
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}

/**
 * Checks every node on its own schedule from start-up on, and applies each result to
 * the registry as soon as it is known (the registry recomputes the chain head and the
 * lags at each one). Follows reloads: nodes added get a loop, removed ones lose theirs.
 */
@Injectable()
export class HealthMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HealthMonitor.name);
  private readonly loops = new Map<string, NodeLoop>();
  private started = false;
  private stopped = false;
  private offResults: (() => void) | undefined;

  constructor(
    private readonly store: ConfigStore,
    private readonly registry: NodeRegistry,
    private readonly elChecker: ElChecker,
    private readonly clChecker: ClChecker,
    private readonly metrics: VixyMetrics,
    @InjectHealthClock() private readonly clock: Clock,
    private readonly share: HealthShare,
  ) {}

  /**
   * Starts every node's loop. With `[redis]` and `share_health`, one replica at a time
   * checks (the leader) and publishes each result; the others apply what it publishes,
   * and check a node themselves only when its results stop coming (HealthShare).
   */
  onApplicationBootstrap(): void {
    if (this.stopped) return;
    this.started = true;
    this.offResults = this.share.onResult((check) => {
      if (this.stopped) return;
      if (check.layer === 'el') this.registry.applyElCheck(check.node, check.result, check.at);
      else this.registry.applyClCheck(check.node, check.result, check.at);
    });
    this.syncLoops();
  }

  /** A reload: loops for added nodes (checked at once), none for removed ones. */
  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate(): void {
    if (this.started && !this.stopped) this.syncLoops();
  }

  /** Checks every node now (those under way are awaited); resolves when all are applied. */
  async checkAll(): Promise<void> {
    if (!this.started) this.syncLoops(false);
    await Promise.all([...this.loops.values()].map((loop) => loop.checkNow()));
  }

  /** Stops every loop and waits for the checks under way, whose results are dropped. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.offResults?.();
    await Promise.all([...this.loops.values()].map((loop) => loop.stop()));
    this.loops.clear();
  }

  private syncLoops(start = true): void {
    const nodes: Readonly<NodeState>[] = [...this.registry.el(), ...this.registry.cl()];
    const wanted = new Map(nodes.map((n) => [`${n.layer}:${n.name}`, n]));
    for (const [key, loop] of this.loops) {
      // A node whose URLs changed is a new state object: its loop starts over.
      if (wanted.get(key) === loop.node) continue;
      void loop.stop();
      this.loops.delete(key);
    }
    for (const [key, node] of wanted) {
      if (this.loops.has(key)) continue;
      const loop: NodeLoop = new NodeLoop(
        node,
        (): Promise<void> => this.checkNode(node, loop),
        () => this.store.current.global.health_check_interval_ms,
        this.clock,
      );
      this.loops.set(key, loop);
      if (start) void loop.checkNow();
    }
  }

  private async checkNode(node: Readonly<NodeState>, loop: NodeLoop): Promise<void> {
    // A follower applies the leader's results (see onApplicationBootstrap) instead.
    if (!this.share.shouldCheck(node.layer, node.name)) return;
    try {
      const at = Date.now;
      if (node.layer === 'el') {
        const result = await this.elChecker.check(node.name).catch(elFailure);
        if (loop.isStopped) return;
        this.apply('el', node.name, result, () => this.registry.applyElCheck(node.name, result));
        this.share.publish({ layer: 'el', node: node.name, at: at(), result });
      } else {
        const result = await this.clChecker.check(node.name).catch(clFailure);
        if (loop.isStopped) return;
        this.apply('cl', node.name, result, () => this.registry.applyClCheck(node.name, result));
        this.share.publish({ layer: 'cl', node: node.name, at: at(), result });
      }
    } catch (err) {
      // A bug in applying a result must not stop the loop or crash the process.
      this.logger.error(
        { layer: node.layer, node: node.name, err: String(err) },
        'applying a check failed',
      );
    }
  }

  private apply(
    layer: Layer,
    name: string,
    result: { latencyMs: number },
    write: () => void,
  ): void {
    this.metrics.healthCheckDuration.labels(layer, name).observe(result.latencyMs / 1000);
    write();
  }
}

function elFailure(err: unknown): ElCheckResult {
  return { ok: false, reason: CheckFailure.fromError(err).message, latencyMs: 0 };
}

function clFailure(err: unknown): ClCheckResult {
  return { healthOk: false, slot: null, reason: CheckFailure.fromError(err).message, latencyMs: 0 };
}
