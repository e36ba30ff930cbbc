import { once } from 'node:events';
import { WebSocket } from 'ws';
import { waitFor } from '../../test/support';

// A WebSocket client of /el/ws that records every frame with its arrival time, every
// request id it sent and every subscription id it was given, so that a scenario can
// check exactly what it received: nothing it did not ask for (the incident of the Rust
// original: re-subscribe answers forwarded to clients), every notification in order.

export type Frame = { readonly at: number; readonly msg: Record<string, unknown> };

const ANSWER_TIMEOUT_MS = 5000;

export class WsClient {
  readonly frames: Frame[] = [];
  /** How many requests were sent with each id (as JSON). */
  readonly sent = new Map<string, number>();
  /** Request id of the eth_subscribe -> subscription id the client was given. */
  readonly subs = new Map<number, string>();
  /** Subscription id -> when its eth_unsubscribe was answered true. */
  readonly unsubscribedAt = new Map<string, number>();
  /** The close code, once closed. */
  closeCode: number | undefined;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push({
        at: Date.now(),
        msg: JSON.parse(String(data)) as Record<string, unknown>,
      });
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static async open(url: string, timeoutMs = 10_000): Promise<WsClient> {
    const client = new WsClient(new WebSocket(url, { handshakeTimeout: timeoutMs }));
    await Promise.race([
      once(client.ws, 'open'),
      client.closed.then((code) => {
        throw new Error(`${url}: closed with ${code} before opening`);
      }),
    ]);
    return client;
  }

  send(id: unknown, method: string, params: unknown[] = []): void {
    const key = JSON.stringify(id);
    this.sent.set(key, (this.sent.get(key) ?? 0) + 1);
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  }

  answers(id: unknown): Record<string, unknown>[] {
    const key = JSON.stringify(id);
    return this.frames
      .filter((f) => !('method' in f.msg) && JSON.stringify(f.msg.id) === key)
      .map((f) => f.msg);
  }

  /** Sends and waits for the answer (the n-th answer with that id, n = requests so far). */
  async call(
    id: unknown,
    method: string,
    params: unknown[] = [],
    timeoutMs = ANSWER_TIMEOUT_MS,
  ): Promise<Record<string, unknown>> {
    this.send(id, method, params);
    const n = this.sent.get(JSON.stringify(id)) ?? 1;
    return waitFor(
      `the answer to ${method} id ${JSON.stringify(id)}`,
      () => this.answers(id)[n - 1],
      {
        timeoutMs,
        intervalMs: 5,
        abortIf: () =>
          this.closeCode !== undefined && this.answers(id)[n - 1] === undefined
            ? `the session was closed with ${this.closeCode}`
            : undefined,
      },
    );
  }

  /** eth_subscribe; remembers the subscription id under the request id. */
  async subscribe(id: number, params: unknown[]): Promise<string> {
    const answer = await this.call(id, 'eth_subscribe', params);
    if (typeof answer.result !== 'string') {
      throw new Error(`eth_subscribe ${JSON.stringify(params)}: ${JSON.stringify(answer)}`);
    }
    this.subs.set(id, answer.result);
    return answer.result;
  }

  notes(sub: string, since = 0): Frame[] {
    return this.frames.filter(
      (f) =>
        f.at > since &&
        (f.msg.params as { subscription?: string } | undefined)?.subscription === sub,
    );
  }

  /** The results of every notification of a subscription, in arrival order. */
  results(sub: string): Record<string, unknown>[] {
    return this.notes(sub).map((f) => (f.msg.params as { result: Record<string, unknown> }).result);
  }

  sub(requestId: number): string {
    const sub = this.subs.get(requestId);
    if (!sub) throw new Error(`no subscription was made with request id ${requestId}`);
    return sub;
  }

  /** Every frame answers a request the client sent or notifies one of its live subscriptions. */
  unexpected(): string[] {
    const problems: string[] = [];
    const given = new Set(this.subs.values());
    const counts = new Map<string, number>();
    for (const { at, msg } of this.frames) {
      if (msg.method === 'eth_subscription') {
        const sub = (msg.params as { subscription?: string }).subscription ?? '';
        const gone = this.unsubscribedAt.get(sub);
        if (!given.has(sub)) problems.push(`notification for unknown subscription ${sub}`);
        else if (gone !== undefined && at > gone)
          problems.push(`notification for ${sub} after unsubscribe`);
        continue;
      }
      const key = JSON.stringify(msg.id);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if ((counts.get(key) ?? 0) > (this.sent.get(key) ?? 0)) {
        problems.push(`unasked answer ${JSON.stringify(msg).slice(0, 200)}`);
      }
    }
    return problems;
  }
}
