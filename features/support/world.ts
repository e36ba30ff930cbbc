import {
  After,
  AfterAll,
  type IWorldOptions,
  setDefaultTimeout,
  setWorldConstructor,
  World,
} from '@cucumber/cucumber';
import {
  type AnvilNode,
  type BlockMiner,
  type ElEndpoint,
  FAST_HEALTH_CHECKS,
  type LodestarNode,
  type RunResult,
  stopAll,
  type TomlTable,
  type VixyConfigInput,
  VixyProcess,
  httpJson,
  waitFor,
} from '../../test/support';
import { stopSharedBeacons } from './beacons';

setDefaultTimeout(60_000);

/** A CL endpoint where nothing listens, for scenarios that need no beacon node. */
export const NO_BEACON = { name: 'cl-1', url: 'http://127.0.0.1:9' } as const;

export interface StatusNode {
  readonly name: string;
  readonly is_healthy: boolean;
  readonly lag: number | null;
  readonly [key: string]: unknown;
}

export interface Status {
  readonly el_chain_head: number | null;
  readonly cl_chain_head: number | null;
  readonly el_failover_active: boolean;
  readonly el_nodes: readonly (StatusNode & { block_number: number | null; is_primary: boolean })[];
  readonly cl_nodes: readonly (StatusNode & { slot: number | null })[];
}

/**
 * One scenario's devnet and Vixy. EL nodes are named as Vixy names them
 * (el-primary-1, el-backup-1, ...); beacon nodes cl-1, cl-2, ...
 */
export class VixyWorld extends World {
  primaries: AnvilNode[] = [];
  backups: AnvilNode[] = [];
  beacons: { name: string; url: string }[] = [];
  /** Sections merged into the generated config (e.g. proxy, websocket, metrics). */
  sections: Partial<
    Record<'global' | 'server' | 'metrics' | 'proxy' | 'websocket' | 'admin', TomlTable>
  > = {};
  vixy?: VixyProcess;
  /** The network of a same-chain fleet, when a scenario mines in step (stopped first). */
  miner?: BlockMiner;
  /** WebSocket URLs that Vixy uses instead of a node's own, by node name (a front in between). */
  readonly wsUrls = new Map<string, string>();
  /** The result of running the binary to completion. */
  run?: RunResult;
  /** A config file text written by a step, for CLI scenarios. */
  configText?: string;
  private readonly ownedBeacons: LodestarNode[] = [];
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(options: IWorldOptions) {
    super(options);
  }

  /** Every EL node by Vixy's name for it. */
  elNodes(): Map<string, AnvilNode> {
    return new Map([
      ...this.primaries.map((n, i) => [`el-primary-${i + 1}`, n] as const),
      ...this.backups.map((n, i) => [`el-backup-${i + 1}`, n] as const),
    ]);
  }

  elNode(name: string): AnvilNode {
    const node = this.elNodes().get(name);
    if (!node)
      throw new Error(`no EL node named ${name} (have ${[...this.elNodes().keys()].join(', ')})`);
    return node;
  }

  /** A beacon node this scenario started itself: stopped after the scenario. */
  own(beacon: LodestarNode): LodestarNode {
    this.ownedBeacons.push(beacon);
    return beacon;
  }

  /** Closed after the scenario, after Vixy and before the nodes. */
  onCleanUp(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /**
   * Runs a change of the fleet (kill, freeze, restart, ...) between two blocks of the
   * miner, or at once when nothing mines.
   */
  atRest<T>(change: () => Promise<T>): Promise<T> {
    return this.miner ? this.miner.exclusive(change) : change();
  }

  private endpoint(name: string, node: AnvilNode): ElEndpoint {
    return { httpUrl: node.httpUrl, wsUrl: this.wsUrls.get(name) ?? node.wsUrl };
  }

  configInput(): VixyConfigInput {
    return {
      el: {
        primary: this.primaries.map((n, i) => this.endpoint(`el-primary-${i + 1}`, n)),
        backup: this.backups.map((n, i) => this.endpoint(`el-backup-${i + 1}`, n)),
      },
      cl: this.beacons.length > 0 ? this.beacons : [NO_BEACON],
      global: { ...FAST_HEALTH_CHECKS, ...this.sections.global },
      ...(this.sections.server && { server: this.sections.server }),
      ...(this.sections.metrics && { metrics: this.sections.metrics }),
      ...(this.sections.proxy && { proxy: this.sections.proxy }),
      ...(this.sections.websocket && { websocket: this.sections.websocket }),
      ...(this.sections.admin && { admin: this.sections.admin }),
    };
  }

  async startVixy(env: NodeJS.ProcessEnv = {}): Promise<VixyProcess> {
    if (this.vixy) throw new Error('Vixy is already running in this scenario');
    this.vixy = await VixyProcess.start({
      config: this.configInput(),
      env: { LOG_LEVEL: 'info', ...env },
    });
    return this.vixy;
  }

  requireVixy(): VixyProcess {
    if (!this.vixy) throw new Error('Vixy is not running in this scenario');
    return this.vixy;
  }

  status(): Promise<Status> {
    return httpJson<Status>(this.requireVixy().url('/status'), { timeoutMs: 2000 });
  }

  /** Polls /status until `check` returns true. */
  async waitForStatus(
    what: string,
    seconds: number,
    check: (s: Status) => boolean,
  ): Promise<Status> {
    let last: Status | undefined;
    try {
      return await waitFor(
        what,
        async () => {
          last = await this.status();
          return check(last) ? last : undefined;
        },
        { timeoutMs: seconds * 1000, intervalMs: 100 },
      );
    } catch (err) {
      throw new Error(`${String(err)}\nlast /status: ${JSON.stringify(last)}`, { cause: err });
    }
  }

  async cleanUp(): Promise<void> {
    const miner = this.miner;
    this.miner = undefined;
    await miner?.stop();
    const vixy = this.vixy;
    this.vixy = undefined;
    if (vixy?.running) await vixy.stop(5000);
    await Promise.allSettled(this.closers.splice(0).map((close) => close()));
    await Promise.allSettled([
      ...[...this.primaries, ...this.backups].map((n) => n.kill()),
      ...this.ownedBeacons.map((n) => n.stop()),
    ]);
  }
}

setWorldConstructor(VixyWorld);

After(async function (this: VixyWorld, { result }) {
  if (result?.status === 'FAILED' && this.vixy) {
    this.attach(`Vixy logs (last lines):\n${this.vixy.logs().split('\n').slice(-60).join('\n')}`);
  }
  await this.cleanUp();
});

AfterAll(async function () {
  await stopSharedBeacons();
  await stopAll();
});
