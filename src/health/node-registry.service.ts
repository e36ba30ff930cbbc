import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Observable, Subject } from 'rxjs';
import { type Config, CONFIG_UPDATE, ConfigStore, ConfigUpdateEvent } from '../config';
import { VixyMetrics } from '../metrics/metrics.service';
import { judge, robustHead } from './health-rules';
import { elEntries, newClNode, newElNode, sameElEndpoint } from './node-factory';
import {
  type ClCheckResult,
  type ClNodeState,
  type ElCheckResult,
  type ElNodeState,
  isAvailable,
  type Layer,
  type NodeState,
  type RegistryEvent,
} from './node-state';

/**
 * The single source of truth for the state of every node. The health monitor writes
 * check results into it; the proxy reads it, and reports failed requests back through
 * `reportFailure`. Every change of health, availability or failover is emitted once
 * on `events$` and logged once with its reason.
 */
@Injectable()
export class NodeRegistry {
  private readonly logger = new Logger(NodeRegistry.name);
  private readonly subject = new Subject<RegistryEvent>();
  readonly events$: Observable<RegistryEvent> = this.subject.asObservable();

  private elNodes: ElNodeState[] = [];
  private clNodes: ClNodeState[] = [];
  private elByName = new Map<string, ElNodeState>();
  private clByName = new Map<string, ClNodeState>();
  private elHead: number | null = null;
  private clHead: number | null = null;
  private failover = false;
  /** Some primary of the start-up config has no verdict yet (see updateFailover). */
  private starting = true;
  /** Nodes that got a final verdict since start-up (see `settle`). */
  private readonly judged = new WeakSet<NodeState>();

  constructor(
    private readonly store: ConfigStore,
    private readonly metrics: VixyMetrics,
  ) {
    this.reconcile(store.current, false);
  }

  /** First listener of a reload (prepended): the others see the new node list. */
  @OnEvent(CONFIG_UPDATE, { prependListener: true })
  onConfigUpdate({ next }: ConfigUpdateEvent): void {
    this.reconcile(next, true);
  }

  /**
   * Makes the node lists match `config`: a node that keeps its name and URLs keeps its
   * state (its tier, order and limits follow the config); a new node, or one whose
   * URLs changed, starts unchecked; a node no longer configured is dropped, with its
   * metric series. On a reload, every addition and removal is emitted.
   */
  private reconcile(config: Config, reload: boolean): void {
    const previousEl = this.elByName;
    const previousCl = this.clByName;
    this.elNodes = elEntries(config).map(({ config: c, tier }, index) => {
      const kept = previousEl.get(c.name);
      if (!kept || !sameElEndpoint(kept.config, c)) return newElNode(c, tier, index);
      if (kept.tier !== tier) this.dropElSeries(kept);
      Object.assign(kept, { tier, index, config: c });
      return kept;
    });
    this.clNodes = config.cl.map((c, index) => {
      const kept = previousCl.get(c.name);
      if (!kept || kept.config.url !== c.url) return newClNode(c, index);
      Object.assign(kept, { index, config: c });
      return kept;
    });
    this.elByName = new Map(this.elNodes.map((n) => [n.name, n]));
    this.clByName = new Map(this.clNodes.map((n) => [n.name, n]));
    for (const n of this.elNodes) {
      this.metrics.elNodeHealthy.labels(n.name, n.tier).set(n.isHealthy ? 1 : 0);
    }
    for (const n of this.clNodes)
      this.metrics.clNodeHealthy.labels(n.name).set(n.isHealthy ? 1 : 0);
    if (!reload) return;
    this.announce('el', previousEl, this.elByName);
    this.announce('cl', previousCl, this.clByName);
    for (const [name, node] of previousEl) {
      if (this.elByName.get(name) !== node) this.dropElSeries(node);
    }
    for (const [name, node] of previousCl) {
      if (this.clByName.get(name) !== node) {
        for (const gauge of [
          this.metrics.clNodeSlot,
          this.metrics.clNodeLag,
          this.metrics.clNodeHealthy,
        ]) {
          gauge.remove(name);
        }
      }
    }
    this.metrics.elHealthyNodes.set(this.elNodes.filter((n) => n.isHealthy).length);
    this.metrics.clHealthyNodes.set(this.clNodes.filter((n) => n.isHealthy).length);
    this.updateFailover();
  }

  private announce(
    layer: Layer,
    before: Map<string, NodeState>,
    after: Map<string, NodeState>,
  ): void {
    for (const [name, node] of before) {
      if (after.get(name) === node) continue;
      this.logger.log(`${layer} node ${name} removed from rotation by a config reload`);
      this.subject.next({ type: 'node-removed', layer, name });
    }
    for (const [name, node] of after) {
      if (before.get(name) === node) continue;
      this.logger.log(
        `${layer} node ${name} added by a config reload, in rotation after its first good check`,
      );
      this.subject.next({ type: 'node-added', layer, name });
    }
  }

  private dropElSeries(node: ElNodeState): void {
    const { elNodeBlockNumber, elNodeLag, elNodeHealthy } = this.metrics;
    for (const gauge of [elNodeBlockNumber, elNodeLag, elNodeHealthy])
      gauge.remove(node.name, node.tier);
  }

  /** EL nodes in order of preference: primaries in config order, then backups. */
  el(): readonly Readonly<ElNodeState>[] {
    return this.elNodes;
  }

  /** CL nodes in config order. */
  cl(): readonly Readonly<ClNodeState>[] {
    return this.clNodes;
  }

  getEl(name: string): Readonly<ElNodeState> | undefined {
    return this.elByName.get(name);
  }

  getCl(name: string): Readonly<ClNodeState> | undefined {
    return this.clByName.get(name);
  }

  elChainHead(): number | null {
    return this.elHead;
  }

  clChainHead(): number | null {
    return this.clHead;
  }

  /** True while no primary is healthy and a backup is. */
  elFailoverActive(): boolean {
    return this.failover;
  }

  /**
   * Passive health: a request to this node failed at the connection level. The node
   * leaves rotation at once, until `health_check_min_successes` good checks in a row.
   * `reason` is shown and logged as given: describe the failure (`connection refused`),
   * never the URL.
   */
  reportFailure(layer: Layer, name: string, reason: string, now = Date.now()): void {
    const node = this.find(layer, name);
    if (!node || node.passiveFailure !== null) return;
    const wasAvailable = isAvailable(node);
    node.passiveFailure = reason;
    node.lastError = reason;
    node.consecutiveSuccesses = 0;
    this.touchAvailability(node, now);
    if (!wasAvailable) return;
    this.logger.warn({ layer, node: name, reason }, 'node out of rotation until good checks');
    this.subject.next({ type: 'node-unavailable', layer, name, reason });
  }

  /** Operator drain: out of rotation whatever its health, until `setDrained(false)`. */
  setDrained(layer: Layer, name: string, drained: boolean, now = Date.now()): boolean {
    const node = this.find(layer, name);
    if (!node) return false;
    if (node.drained === drained) return true;
    node.drained = drained;
    this.touchAvailability(node, now);
    this.metrics.nodeDrained.labels(layer, name).set(drained ? 1 : 0);
    this.logger.log(
      { layer, node: name },
      drained ? 'node drained by an operator' : 'node enabled by an operator',
    );
    this.subject.next({ type: drained ? 'node-drained' : 'node-enabled', layer, name });
    if (layer === 'el') this.updateFailover();
    return true;
  }

  /**
   * Applies one check of an EL node (a name not configured any more is ignored). The
   * chain head is recomputed from the last good height of every node, then every
   * node's lag; the checked node is judged by the height it just reported.
   */
  applyElCheck(name: string, result: ElCheckResult, now = Date.now()): void {
    const node = this.elByName.get(name);
    if (!node) return;
    node.lastCheckAt = now;
    node.lastLatencyMs = result.latencyMs;
    node.checkOk = result.ok;
    if (result.ok) node.blockNumber = result.blockNumber;
    this.elHead = robustHead(this.heights(this.elNodes, (n) => n.blockNumber)) ?? this.elHead;
    for (const n of this.elNodes) n.lag = lagOf(this.elHead, n.blockNumber);
    // Only a height from this check judges the node: a stale one would make a dead node
    // "lag" at once instead of after max_failures failed checks.
    const freshLag = result.ok ? node.lag : null;
    this.settle(node, result.ok ? null : result.reason, freshLag, now);
    for (const n of this.elNodes) {
      const labels = [n.name, n.tier] as const;
      if (n.blockNumber !== null)
        this.metrics.elNodeBlockNumber.labels(...labels).set(n.blockNumber);
      if (n.lag !== null) this.metrics.elNodeLag.labels(...labels).set(n.lag);
    }
    this.metrics.elNodeHealthy.labels(node.name, node.tier).set(node.isHealthy ? 1 : 0);
    if (this.elHead !== null) this.metrics.elChainHead.set(this.elHead);
    this.metrics.elHealthyNodes.set(this.elNodes.filter((n) => n.isHealthy).length);
    this.updateFailover();
    this.subject.next({ type: 'checked', layer: 'el', name });
  }

  /** Applies one check of a CL node, as applyElCheck does for EL nodes. */
  applyClCheck(name: string, result: ClCheckResult, now = Date.now()): void {
    const node = this.clByName.get(name);
    if (!node) return;
    node.lastCheckAt = now;
    node.lastLatencyMs = result.latencyMs;
    node.healthOk = result.healthOk;
    node.checkOk = result.healthOk && result.slot !== null;
    if (result.slot !== null) node.slot = result.slot;
    // Every reported slot counts for the head, healthy or not (a syncing node that
    // reports its slot shows how far behind it is).
    this.clHead = robustHead(this.heights(this.clNodes, (n) => n.slot, true)) ?? this.clHead;
    for (const n of this.clNodes) n.lag = lagOf(this.clHead, n.slot);
    // A slot from this check judges the node even when it is not healthy otherwise:
    // a node far behind (syncing, peerless) is unhealthy at once, not after N checks.
    const freshLag = result.slot !== null ? node.lag : null;
    const reason = result.reason ?? (node.checkOk ? null : 'no head slot');
    this.settle(node, reason, freshLag, now);
    for (const n of this.clNodes) {
      if (n.slot !== null) this.metrics.clNodeSlot.labels(n.name).set(n.slot);
      if (n.lag !== null) this.metrics.clNodeLag.labels(n.name).set(n.lag);
    }
    this.metrics.clNodeHealthy.labels(node.name).set(node.isHealthy ? 1 : 0);
    if (this.clHead !== null) this.metrics.clChainHead.set(this.clHead);
    this.metrics.clHealthyNodes.set(this.clNodes.filter((n) => n.isHealthy).length);
    this.subject.next({ type: 'checked', layer: 'cl', name });
  }

  /** Heights for the head: of nodes whose last check reported one (EL: a good check). */
  private heights<N extends NodeState>(
    nodes: readonly N[],
    height: (n: N) => number | null,
    anyCheck = false,
  ): number[] {
    const out: number[] = [];
    for (const n of nodes) {
      const h = height(n);
      if (h !== null && (anyCheck || n.checkOk) && n.lastCheckAt !== null) out.push(h);
    }
    return out;
  }

  private settle(
    node: NodeState,
    failureReason: string | null,
    freshLag: number | null,
    now: number,
  ): void {
    const { global } = this.store.current;
    const maxLag = node.layer === 'el' ? global.max_el_lag_blocks : global.max_cl_lag_slots;
    const lagging = freshLag !== null && freshLag > maxLag;
    node.consecutiveFailures = node.checkOk ? 0 : node.consecutiveFailures + 1;
    node.consecutiveSuccesses = node.checkOk && !lagging ? node.consecutiveSuccesses + 1 : 0;
    const minSuccesses = global.health_check_min_successes;
    const clearsReport = node.passiveFailure !== null && node.consecutiveSuccesses >= minSuccesses;
    if (clearsReport) node.passiveFailure = null;
    const firstVerdict = !this.judged.has(node);
    const verdict = judge({
      wasHealthy: node.isHealthy,
      checkOk: node.checkOk,
      consecutiveFailures: node.consecutiveFailures,
      consecutiveSuccesses: node.consecutiveSuccesses,
      minSuccesses,
      firstVerdict,
      lag: freshLag,
      maxLag,
      maxFailures: global.health_check_max_failures,
      failureReason,
    });
    node.lastError = verdict.reason ?? node.passiveFailure ?? (node.checkOk ? null : failureReason);
    if (firstVerdict && verdict.final) this.judged.add(node);
    const { layer, name } = node;
    if (verdict.healthy !== node.isHealthy) {
      node.isHealthy = verdict.healthy;
      if (verdict.healthy) {
        this.logger.log({ layer, node: name }, 'node is healthy');
        this.subject.next({ type: 'node-healthy', layer, name });
      } else {
        const reason = verdict.reason ?? 'unhealthy';
        this.logger.warn({ layer, node: name, reason }, 'node is unhealthy');
        this.subject.next({ type: 'node-unhealthy', layer, name, reason });
      }
    } else if (clearsReport && verdict.healthy) {
      this.logger.log({ layer, node: name }, 'node back in rotation after good checks');
    } else if (firstVerdict && verdict.final && !verdict.healthy) {
      // Never healthy since start-up: say so once, there is no transition to log.
      this.logger.warn(
        { layer, node: name, reason: verdict.reason ?? 'unhealthy' },
        'node is unhealthy',
      );
    }
    this.touchAvailability(node, now);
  }

  /** Keeps `availableSince` in step with availability (set when it becomes available). */
  private touchAvailability(node: NodeState, now: number): void {
    const available = isAvailable(node);
    if (available && node.availableSince === null) {
      node.availableSince = now;
      this.subject.next({ type: 'node-available', layer: node.layer, name: node.name });
    } else if (!available) {
      node.availableSince = null;
    }
  }

  private updateFailover(): void {
    const serving = (n: ElNodeState): boolean => n.isHealthy && !n.drained;
    const primaryUp = this.elNodes.some((n) => n.tier === 'primary' && serving(n));
    const backupUp = this.elNodes.some((n) => n.tier === 'backup' && serving(n));
    // At start-up, until every primary has its first verdict, "no primary is healthy" is
    // not known (a backup checked first must not log a failover that never was).
    if (this.starting) {
      const pending = this.elNodes.some(
        (n) => n.tier === 'primary' && !n.drained && !this.judged.has(n),
      );
      if (pending && !primaryUp) return;
      if (!pending) this.starting = false;
    }
    const failover = !primaryUp && backupUp;
    if (failover === this.failover) return;
    this.failover = failover;
    this.metrics.elFailoverActive.set(failover ? 1 : 0);
    if (failover) {
      this.metrics.elFailovers.inc();
      this.logger.warn('EL failover started: no primary is healthy, backups serve');
      this.subject.next({ type: 'failover-started' });
    } else {
      this.logger.log('EL failover ended');
      this.subject.next({ type: 'failover-ended' });
    }
  }

  private find(layer: Layer, name: string): NodeState | undefined {
    return layer === 'el' ? this.elByName.get(name) : this.clByName.get(name);
  }
}

function lagOf(head: number | null, height: number | null): number | null {
  return head === null || height === null ? null : Math.max(0, head - height);
}
