import type { Agent } from 'undici';
import { httpJson, httpRequest, newDispatcher } from './http';
import { LODESTAR_VERSION, isLodestarInstalled, lodestarEntry } from './lodestar-package';
import { freePort } from './ports';
import { type ExitInfo, type ManagedProcess, spawnManaged } from './processes';
import { makeTempDir, removeTempDir } from './tempdirs';
import { waitFor } from './wait';

export interface LodestarOptions {
  /** Unix seconds; nodes of one chain need the same. Default: now. */
  readonly genesisTime?: number;
  /** Run the 8 interop validators (the node that produces blocks). */
  readonly validators: boolean;
  readonly restPort?: number;
  readonly p2pPort?: number;
  /** Default: true with validators; a node that follows another needs false. */
  readonly singleNode?: boolean;
  readonly extraArgs?: readonly string[];
  /** Default 60 s. */
  readonly readyTimeoutMs?: number;
}

export interface SyncStatus {
  readonly headSlot: number;
  readonly syncDistance: number;
  readonly isSyncing: boolean;
}

export const SECONDS_PER_SLOT = 2;
const GENESIS_VALIDATORS = 8;
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 8000;

interface Data<T> {
  readonly data: T;
}

/** One Lodestar dev beacon node (REST on 127.0.0.1) with its own temporary data dir. */
export class LodestarNode {
  readonly url: string;
  private readonly dispatcher: Agent = newDispatcher();
  private cachedPeerId: string | undefined;

  private constructor(
    readonly restPort: number,
    readonly p2pPort: number,
    readonly genesisTime: number,
    readonly dataDir: string,
    private readonly proc: ManagedProcess,
  ) {
    this.url = `http://127.0.0.1:${restPort}`;
  }

  /** Needs ensureLodestarInstalled() first. Resolves once /eth/v1/node/health answers. */
  static async start(options: LodestarOptions): Promise<LodestarNode> {
    if (!isLodestarInstalled()) {
      throw new Error(
        `Lodestar ${LODESTAR_VERSION} is not installed: call ensureLodestarInstalled()`,
      );
    }
    const rest = options.restPort ?? (await freePort());
    const p2p = options.p2pPort ?? (await freePort());
    const genesisTime = options.genesisTime ?? Math.floor(Date.now() / 1000);
    const dataDir = makeTempDir('lodestar');
    const args = [lodestarEntry(), 'dev', '--dataDir', dataDir];
    args.push(
      '--genesisValidators',
      String(GENESIS_VALIDATORS),
      '--genesisTime',
      String(genesisTime),
    );
    if (options.validators) args.push('--startValidators', `0..${GENESIS_VALIDATORS - 1}`);
    args.push('--rest', '--rest.address', '127.0.0.1', '--rest.port', String(rest));
    args.push('--rest.namespace', '*');
    // Without --beaconNodes the validators look for a node on port 9596.
    if (options.validators) args.push('--beaconNodes', `http://127.0.0.1:${rest}`);
    args.push('--listenAddress', '127.0.0.1', '--port', String(p2p), '--discv5', 'false');
    args.push('--execution.engineMock', '--eth1', 'false');
    args.push('--params.SECONDS_PER_SLOT', String(SECONDS_PER_SLOT), '--logFile', 'none');
    if (!(options.singleNode ?? options.validators)) args.push('--sync.isSingleNode', 'false');
    args.push(...(options.extraArgs ?? []));

    // dev writes genesis.ssz into the cwd: each node gets its own.
    const proc = spawnManaged(`lodestar:${rest}`, process.execPath, args, {
      cwd: dataDir,
      env: lodestarEnv(),
    });
    const node = new LodestarNode(rest, p2p, genesisTime, dataDir, proc);
    try {
      await node.waitReady(options.readyTimeoutMs ?? READY_TIMEOUT_MS);
    } catch (err) {
      await node.kill();
      throw err;
    }
    return node;
  }

  get pid(): number {
    return this.proc.pid;
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  get running(): boolean {
    return this.proc.running;
  }

  get multiaddr(): string {
    return `/ip4/127.0.0.1/tcp/${this.p2pPort}`;
  }

  logs(): string {
    return this.proc.logs.text();
  }

  /** GET a beacon API path (e.g. /eth/v1/node/version) and parse the JSON. */
  get<T>(path: string, timeoutMs = 5000): Promise<T> {
    return httpJson<T>(this.url + path, { timeoutMs, dispatcher: this.dispatcher });
  }

  async peerId(): Promise<string> {
    if (this.cachedPeerId === undefined) {
      const identity = await this.get<Data<{ peer_id: string }>>('/eth/v1/node/identity');
      this.cachedPeerId = identity.data.peer_id;
    }
    return this.cachedPeerId;
  }

  /** Dials other over libp2p (Lodestar's own route, namespace "lodestar"). */
  async connectPeer(other: LodestarNode): Promise<void> {
    const query = new URLSearchParams({ peerId: await other.peerId(), multiaddr: other.multiaddr });
    await this.post(`/eth/v1/lodestar/connect_peer?${query.toString()}`);
  }

  async disconnectPeer(other: LodestarNode): Promise<void> {
    const query = new URLSearchParams({ peerId: await other.peerId() });
    await this.post(`/eth/v1/lodestar/disconnect_peer?${query.toString()}`);
  }

  async peerCount(): Promise<number> {
    const res = await this.get<Data<{ connected: string }>>('/eth/v1/node/peer_count');
    return Number(res.data.connected);
  }

  async headSlot(): Promise<number> {
    type Header = Data<{ header: { message: { slot: string } } }>;
    const res = await this.get<Header>('/eth/v1/beacon/headers/head');
    return Number(res.data.header.message.slot);
  }

  /** /eth/v1/node/syncing (1.5.1 answers /health 200 even while syncing). */
  async syncing(): Promise<SyncStatus> {
    type Syncing = Data<{ head_slot: string; sync_distance: string; is_syncing: boolean }>;
    const { data } = await this.get<Syncing>('/eth/v1/node/syncing');
    return {
      headSlot: Number(data.head_slot),
      syncDistance: Number(data.sync_distance),
      isSyncing: data.is_syncing,
    };
  }

  async waitForSlot(slot: number, timeoutMs = 30_000): Promise<number> {
    return waitFor(
      `${this.proc.name} head to reach slot ${slot}`,
      async () => {
        const head = await this.headSlot();
        return head >= slot ? head : undefined;
      },
      { timeoutMs, intervalMs: 250, abortIf: () => this.exitReason() },
    );
  }

  /** SIGSTOP: the node hangs. */
  freeze(): Promise<void> {
    return this.proc.freeze();
  }

  thaw(): Promise<void> {
    return this.proc.thaw();
  }

  /** SIGTERM, SIGKILL after graceMs; removes the data dir. */
  async stop(graceMs = STOP_GRACE_MS): Promise<ExitInfo> {
    return this.cleanUp(await this.proc.stop(graceMs));
  }

  /** SIGKILL; removes the data dir. */
  async kill(): Promise<ExitInfo> {
    return this.cleanUp(await this.proc.kill());
  }

  private async cleanUp(info: ExitInfo): Promise<ExitInfo> {
    await this.dispatcher.destroy().catch(() => undefined);
    removeTempDir(this.dataDir);
    return info;
  }

  private async post(path: string): Promise<void> {
    const res = await httpRequest(this.url + path, {
      method: 'POST',
      timeoutMs: 10_000,
      dispatcher: this.dispatcher,
    });
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`POST ${this.url}${path} answered HTTP ${res.status}: ${res.text}`);
    }
  }

  private exitReason(): string | undefined {
    return this.proc.running ? undefined : this.proc.describe();
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    await waitFor(
      `${this.proc.name} (pid ${this.pid}) to answer /eth/v1/node/health`,
      async () => {
        const res = await httpRequest(`${this.url}/eth/v1/node/health`, {
          timeoutMs: 2000,
          dispatcher: this.dispatcher,
        });
        return res.status === 200 || res.status === 206 ? true : undefined;
      },
      { timeoutMs, intervalMs: 200, abortIf: () => this.exitReason() },
    );
  }
}

/** LODESTAR_* variables are read as flags, and NODE_OPTIONS from a test runner does not belong. */
function lodestarEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('LODESTAR_') && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return env;
}
