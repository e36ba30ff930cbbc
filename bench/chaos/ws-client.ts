import { WebSocket } from 'ws';

// One WebSocket client of the chaos and soak runs: several subscriptions and a stream
// of regular calls whose ids are reused as soon as they are answered, with the
// bookkeeping of every anomaly (unanswered, answered twice, unsolicited, closed).

const SUBSCRIPTIONS = [['newHeads'], ['newHeads'], ['logs', {}], ['newPendingTransactions']];
const CALL_IDS = [1, 2, 3];
const CALLS = [
  '"method":"eth_blockNumber","params":[]',
  '"method":"eth_getBlockByNumber","params":["latest",false]',
  '"method":"eth_chainId","params":[]',
];

interface Subscription {
  readonly kind: string;
  id: string | null;
  notes: number;
  lastNoteAt: number;
}

export interface WsTally {
  sent: number;
  answered: number;
  errorAnswers: number;
  /** Answers to an id that was not pending: answered twice, or never asked. */
  duplicates: number;
  /** Notifications for a subscription this client does not hold, or frames of no known kind. */
  unsolicited: number;
  /** Calls pending when the socket closed or the run ended. */
  unanswered: number;
  closes: number;
  notes: number;
  readonly samples: string[];
}

export function emptyTally(): WsTally {
  return {
    sent: 0,
    answered: 0,
    errorAnswers: 0,
    duplicates: 0,
    unsolicited: 0,
    unanswered: 0,
    closes: 0,
    notes: 0,
    samples: [],
  };
}

export class ChaosWsClient {
  private ws: WebSocket | null = null;
  private readonly pending = new Set<number>();
  private subs: Subscription[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending = false;
  private stopped = false;
  private turn = 0;

  constructor(
    private readonly url: string,
    readonly tally: WsTally,
    private readonly callEveryMs = 250,
  ) {}

  async start(): Promise<void> {
    await this.connect();
    this.sending = true;
    this.timer = setInterval(() => this.sendCalls(), this.callEveryMs);
  }

  private note(sample: string): void {
    if (this.tally.samples.length < 10) this.tally.samples.push(sample.slice(0, 300));
  }

  private connect(): Promise<void> {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.subs = SUBSCRIPTIONS.map((p) => ({
      kind: String(p[0]),
      id: null,
      notes: 0,
      lastNoteAt: 0,
    }));
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      if (this.stopped || this.ws !== ws) return;
      this.tally.closes += 1;
      this.tally.unanswered += this.pending.size;
      this.pending.clear();
      this.note(`closed ${code} ${String(reason)}`);
      setTimeout(() => void this.connect().catch(() => undefined), 500);
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        SUBSCRIPTIONS.forEach((params, i) =>
          ws.send(
            JSON.stringify({ jsonrpc: '2.0', id: `sub-${i}`, method: 'eth_subscribe', params }),
          ),
        );
        resolve();
      });
      ws.once('error', reject);
    });
  }

  private sendCalls(): void {
    const ws = this.ws;
    if (!this.sending || !ws || ws.readyState !== WebSocket.OPEN) return;
    for (const id of CALL_IDS) {
      if (this.pending.has(id)) continue;
      this.pending.add(id);
      this.tally.sent += 1;
      ws.send(`{"jsonrpc":"2.0","id":${id},${CALLS[this.turn++ % CALLS.length]}}`);
    }
  }

  private onMessage(text: string): void {
    let frame: {
      id?: unknown;
      method?: unknown;
      params?: { subscription?: unknown };
      error?: unknown;
      result?: unknown;
    };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      this.tally.unsolicited += 1;
      this.note(`not JSON: ${text}`);
      return;
    }
    if (frame.method === 'eth_subscription') {
      const sub = this.subs.find((s) => s.id !== null && s.id === frame.params?.subscription);
      if (!sub) {
        this.tally.unsolicited += 1;
        this.note(`notification nobody asked for: ${text}`);
        return;
      }
      sub.notes += 1;
      sub.lastNoteAt = Date.now();
      this.tally.notes += 1;
      return;
    }
    if (typeof frame.id === 'number' && this.pending.delete(frame.id)) {
      this.tally.answered += 1;
      if (frame.error !== undefined) {
        this.tally.errorAnswers += 1;
        this.note(`error answer: ${text}`);
      }
      return;
    }
    const subIndex = typeof frame.id === 'string' ? /^sub-(\d)$/.exec(frame.id) : null;
    const sub = subIndex ? this.subs[Number(subIndex[1])] : undefined;
    if (sub && sub.id === null && typeof frame.result === 'string') {
      sub.id = frame.result;
      return;
    }
    if (sub && frame.error !== undefined) {
      this.tally.errorAnswers += 1;
      this.note(`subscribe refused: ${text}`);
      return;
    }
    this.tally.duplicates += 1;
    this.note(`answer to nothing pending: ${text}`);
  }

  /** Stops sending; resolves when every call is answered or after timeoutMs. */
  async drain(timeoutMs: number): Promise<void> {
    this.sending = false;
    const end = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  }

  /** newHeads subscriptions with no notification since `since` (ms epoch). */
  silentNewHeadsSince(since: number): number {
    return this.subs.filter((s) => s.kind === 'newHeads' && s.lastNoteAt <= since).length;
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.tally.unanswered += this.pending.size;
    this.pending.clear();
    this.ws?.terminate();
  }
}
