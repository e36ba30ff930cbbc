import { once } from 'node:events';
import * as fc from 'fast-check';
import { WebSocket } from 'ws';
import { baseUrl, type BootedApp, boot, configFor } from './http-proxy.support';
import { MisbehavingUpstream } from './support/misbehaving-upstream';
import { replyProblem } from './fuzz-rpc-shape';

// GET /el/ws under fuzzed frames (the whole service listening on loopback, one local EL
// node): arbitrary text and binary frames, invalid UTF-8 and oversized frames get a
// well-formed JSON-RPC answer or a close code, and a second, well-behaved client on the
// same Vixy is answered throughout.

const MAX_MESSAGE_BYTES = 4096;

interface Outcome {
  readonly frames: unknown[];
  readonly close: { code: number; reason: string } | null;
}

/** A connection that records every frame and its close. */
class Probe {
  readonly frames: unknown[] = [];
  close: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? { binaryFrame: true } : parseOrText(String(data)));
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.close = { code, reason: String(reason) };
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  static async open(url: string): Promise<Probe> {
    const probe = new Probe(new WebSocket(url));
    await once(probe.ws, 'open');
    return probe;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `done` holds, the socket closes, or 5 s pass (then throws). */
  async until(done: () => boolean): Promise<void> {
    const end = Date.now() + 5000;
    while (!done() && !this.close) {
      if (Date.now() > end) throw new Error('no answer and no close within 5 s');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { unparsable: text.slice(0, 200) };
  }
}

function isSentinelAnswer(frame: unknown, id: string): boolean {
  return typeof frame === 'object' && frame !== null && (frame as { id?: unknown }).id === id;
}

/** Every frame is a JSON-RPC response (or a non-empty array of them). */
function expectWellFormed(frames: readonly unknown[]): void {
  for (const frame of frames) {
    const list = Array.isArray(frame) ? frame : [frame];
    expect(list.length).toBeGreaterThan(0);
    for (const item of list)
      expect({ frame: item, problem: replyProblem(item, { anyId: true }) }).toEqual({
        frame: item,
        problem: null,
      });
  }
}

describe('GET /el/ws fuzzed', () => {
  let node: MisbehavingUpstream;
  let booted: BootedApp;
  let url: string;
  let fuzz: Probe | null = null;
  let steady: Probe;
  let steadyTimer: NodeJS.Timeout;
  let steadySent = 0;

  beforeAll(async () => {
    node = await MisbehavingUpstream.start('p1');
    const config = await configFor({ primary: [{ name: 'p1', url: node.httpUrl }] });
    const withWs = {
      ...config,
      websocket: { ...config.websocket, max_message_bytes: MAX_MESSAGE_BYTES },
    };
    booted = await boot(withWs, { listen: true });
    booted.setEl(['p1']);
    url = `${baseUrl(booted.app).replace('http', 'ws')}/el/ws`;
    steady = await Probe.open(url);
    steadyTimer = setInterval(() => {
      steadySent += 1;
      // the same id over and over: each must be answered once
      steady.ws.send('{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":[]}');
    }, 20);
  });

  afterAll(async () => {
    clearInterval(steadyTimer);
    fuzz?.ws.terminate();
    steady.ws.terminate();
    await booted.close();
    await node.close();
  });

  /** Sends `data`, then a sentinel call; returns what came back until the sentinel's answer or a close. */
  /**
   * Sends, then waits for the answer to a sentinel call and for `also` (answers may come
   * in any order: a subscription of another type waits for the node, a call does not).
   */
  async function exchange(
    send: (ws: WebSocket) => void,
    also: (frames: readonly unknown[]) => boolean = () => true,
  ): Promise<Outcome> {
    if (!fuzz || fuzz.close) fuzz = await Probe.open(url);
    const probe = fuzz;
    const start = probe.frames.length;
    const sentinel = `sentinel-${start}-${Math.random()}`;
    send(probe.ws);
    if (probe.ws.readyState === WebSocket.OPEN) {
      probe.ws.send(JSON.stringify({ jsonrpc: '2.0', id: sentinel, method: 'eth_chainId' }));
    }
    await probe.until(
      () =>
        probe.frames.some((f) => isSentinelAnswer(f, sentinel)) && also(probe.frames.slice(start)),
    );
    // then quiet for 50 ms (an answer that waits for the node, within 2 s)
    for (let n = -1, end = Date.now() + 2000; n !== probe.frames.length && Date.now() < end;) {
      n = probe.frames.length;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const frames = probe.frames.slice(start).filter((f) => !isSentinelAnswer(f, sentinel));
    return { frames, close: probe.close };
  }

  afterEach(async () => {
    // The steady client got exactly one answer per call so far, all of them right.
    await steady.until(() => steady.frames.length >= steadySent - 2);
    expect(steady.close).toBeNull();
    expectWellFormed(steady.frames);
    for (const f of steady.frames) expect(f).toEqual({ jsonrpc: '2.0', id: 1, result: 'p1' });
    expect(steady.frames.length).toBeLessThanOrEqual(steadySent);
  });

  it('answers arbitrary text frames with JSON-RPC (parse error when not JSON)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300, unit: 'binary' }), async (text) => {
        const { frames, close } = await exchange((ws) => ws.send(text));
        expectWellFormed(frames);
        let json = true;
        try {
          JSON.parse(text);
        } catch {
          json = false;
        }
        if (!json && !close) {
          expect(frames).toContainEqual(
            expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32700 }) }),
          );
        }
      }),
      { numRuns: 150 },
    );
  });

  it('answers malformed JSON-RPC frames with the caller id when readable', async () => {
    const call = fc.record(
      {
        jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue()),
        // any JSON value: a call whose id is not a string, a number or null is invalid
        id: fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null), fc.jsonValue()),
        method: fc.oneof(
          fc.constantFrom('eth_getBalance', 'admin_peers', 'eth_subscribe', ''),
          fc.jsonValue(),
        ),
        params: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(call, fc.array(call, { maxLength: 5 })), async (msg) => {
        // a call is answered with its id when that is a string or a number
        const id = Array.isArray(msg) ? undefined : msg.id;
        const answerable = 'method' in msg && (typeof id === 'string' || typeof id === 'number');
        const { frames } = await exchange(
          (ws) => ws.send(JSON.stringify(msg)),
          (seen) => !answerable || seen.some((f) => (f as { id?: unknown }).id === id),
        );
        expectWellFormed(frames);
        if (answerable) expect(frames).toContainEqual(expect.objectContaining({ id }));
      }),
      { numRuns: 150 },
    );
  });

  it('answers binary frames with a parse error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const { frames, close } = await exchange((ws) =>
          ws.send(Buffer.from(bytes), { binary: true }),
        );
        expectWellFormed(frames);
        if (!close) {
          expect(frames).toContainEqual(
            expect.objectContaining({ error: expect.objectContaining({ code: -32700 }) }),
          );
        }
      }),
      { numRuns: 100 },
    );
  });

  it('closes a text frame of invalid UTF-8 with 1007', async () => {
    const { close } = await exchange((ws) =>
      ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }),
    );
    expect(close?.code).toBe(1007);
  });

  // Calls of a session are answered as POST /el answers them: an id that is not a string,
  // a number or null makes the call invalid (-32600, id null), as JSON-RPC 2.0 says.
  it('refuses an id that is not a string, a number or null, as POST /el does', async () => {
    const call = await exchange((ws) =>
      ws.send('{"jsonrpc":"2.0","id":[],"method":"eth_getBalance"}'),
    );
    expectWellFormed(call.frames);
    expect(call.frames).toContainEqual(
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) }),
    );
    const invalid = await exchange((ws) => ws.send('[{"id":{"a":1}}]'));
    expectWellFormed(invalid.frames);
    expect(invalid.frames).toContainEqual([
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) }),
    ]);
  });

  it('closes an oversized frame with 1009', async () => {
    const { close } = await exchange((ws) => ws.send('x'.repeat(MAX_MESSAGE_BYTES + 1)));
    expect(close?.code).toBe(1009);
    // the reason is not asserted: it is empty for frames far over the limit (reported)
  });
});
