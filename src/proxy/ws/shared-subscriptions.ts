import { type NodeSockets, type UpstreamSubscription } from '../upstream/node-sockets';

// Subscriptions of the types the head log does not serve (newPendingTransactions and
// whatever else a node offers): one upstream subscription per type and parameters, on
// the node sessions are pointed at, shared by every client that asked for the same
// thing. Best-effort: when the node changes, the upstream subscription is re-created on
// the new one and notifications go on from there; what the nodes announced in between
// is not replayed (pending transactions are not part of the chain).

/** A client's share of a shared subscription: its notifications, as result JSON texts. */
export type SharedListener = (resultJson: string) => void;

/** The outcome of a client's eth_subscribe: subscribed, or the node's error object. */
export type SharedSubscribeResult =
  | { readonly ok: true; readonly release: () => void }
  | { readonly ok: false; readonly error: unknown };

interface Shared {
  readonly params: readonly unknown[];
  readonly listeners: Set<SharedListener>;
  upstream: UpstreamSubscription | null;
  /** Confirmed at least once on some node (later clients need not wait). */
  confirmed: boolean;
  waiting: ((result: SharedSubscribeResult) => void)[];
}

const NO_NODE = { code: -32603, message: 'no EL node with a WebSocket connection' };
const TIMED_OUT = { code: -32603, message: 'the node did not confirm the subscription in time' };

export class SharedSubscriptions {
  private readonly shared = new Map<string, Shared>();
  private node: NodeSockets | undefined;

  /** Distinct upstream subscriptions held (for tests and metrics). */
  get size(): number {
    return this.shared.size;
  }

  /** The connections of the node sessions are pointed at changed: re-create everything there. */
  pointAt(node: NodeSockets | undefined): void {
    if (node === this.node) return;
    this.node = node;
    for (const [key, s] of this.shared) {
      s.upstream?.close();
      s.upstream = null;
      if (node !== undefined) this.open(key, s, node);
    }
  }

  /** A client's eth_subscribe of another type; resolves once the node has answered. */
  subscribe(
    params: readonly unknown[],
    listener: SharedListener,
    timeoutMs: number,
  ): Promise<SharedSubscribeResult> {
    const key = JSON.stringify(params);
    let s = this.shared.get(key);
    if (s === undefined) {
      if (this.node === undefined) return Promise.resolve({ ok: false, error: NO_NODE });
      s = { params, listeners: new Set(), upstream: null, confirmed: false, waiting: [] };
      this.shared.set(key, s);
      this.open(key, s, this.node);
    }
    const entry = s;
    const joined = (): SharedSubscribeResult => {
      entry.listeners.add(listener);
      return { ok: true, release: () => this.release(key, entry, listener) };
    };
    if (entry.confirmed) return Promise.resolve(joined());
    return new Promise((resolve) => {
      const wake = (result: SharedSubscribeResult): void => {
        clearTimeout(timer);
        resolve(result.ok ? joined() : result);
      };
      const timer = setTimeout(() => {
        entry.waiting = entry.waiting.filter((w) => w !== wake);
        resolve({ ok: false, error: TIMED_OUT });
        if (entry.listeners.size === 0 && entry.waiting.length === 0) this.drop(key, entry);
      }, timeoutMs);
      entry.waiting.push(wake);
    });
  }

  close(): void {
    for (const s of this.shared.values()) {
      s.upstream?.close();
      for (const wake of s.waiting.splice(0)) wake({ ok: false, error: NO_NODE });
    }
    this.shared.clear();
  }

  private open(key: string, s: Shared, node: NodeSockets): void {
    const upstream = node.subscribe(s.params, {
      onNotification: (result) => {
        if (s.upstream !== upstream) return; // a late one from the node left behind
        const json = JSON.stringify(result ?? null);
        for (const listener of [...s.listeners]) listener(json);
      },
      onLive: () => {
        s.confirmed = true;
        for (const wake of s.waiting.splice(0)) wake({ ok: true, release: () => undefined });
      },
      onRefused: (error) => {
        if (s.upstream === upstream) s.upstream = null;
        for (const wake of s.waiting.splice(0)) wake({ ok: false, error });
        // Nobody can have it on this node: forget it unless clients still hold it
        // (a later node may accept it again).
        if (s.listeners.size === 0 && this.shared.get(key) === s) this.shared.delete(key);
      },
    });
    s.upstream = upstream;
  }

  private release(key: string, s: Shared, listener: SharedListener): void {
    s.listeners.delete(listener);
    if (s.listeners.size > 0 || s.waiting.length > 0) return;
    this.drop(key, s);
  }

  private drop(key: string, s: Shared): void {
    s.upstream?.close();
    s.upstream = null;
    if (this.shared.get(key) === s) this.shared.delete(key);
  }
}
