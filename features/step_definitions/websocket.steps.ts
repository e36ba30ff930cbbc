import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { After, Given, Then, When } from '@cucumber/cucumber';
import { WebSocket } from 'ws';
import { httpRequest, makeTempDir, sleep, toHex, VixyProcess, waitFor } from '../../test/support';
import { type VixyWorld } from '../support/world';

// Steps of features/websocket.feature: WebSocket clients of /el/ws and what they saw.
// A client records every frame with its arrival time, every request id it sent and
// every subscription id it was given, so that a scenario can check that it received
// nothing it did not ask for (the incident of the Rust original: re-subscribe answers
// forwarded to clients).

type Frame = { readonly at: number; readonly msg: Record<string, unknown> };

/** anvil's first dev account (unlocked): sends the test transactions. */
const DEV_ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
/** Contract creation whose init code is PUSH1 0 PUSH1 0 LOG0 STOP: one log, no code. */
const EMIT_LOG_INIT_CODE = '0x60006000a000';
const ANSWER_TIMEOUT_MS = 5000;

class WsClient {
  readonly frames: Frame[] = [];
  /** How many requests were sent with each id (as JSON). */
  readonly sent = new Map<string, number>();
  /** Request id of the eth_subscribe -> subscription id the client was given. */
  readonly subs = new Map<number, string>();
  /** Subscription id -> when its eth_unsubscribe was answered true. */
  readonly unsubscribedAt = new Map<string, number>();
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push({
        at: Date.now(),
        msg: JSON.parse(String(data)) as Record<string, unknown>,
      });
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  static async open(url: string): Promise<WsClient> {
    const client = new WsClient(new WebSocket(url));
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
  ): Promise<Record<string, unknown>> {
    this.send(id, method, params);
    const n = this.sent.get(JSON.stringify(id)) ?? 1;
    return waitFor(
      `the answer to ${method} id ${JSON.stringify(id)}`,
      () => this.answers(id)[n - 1],
      {
        timeoutMs: ANSWER_TIMEOUT_MS,
        intervalMs: 5,
      },
    );
  }

  notes(sub: string, since = 0): Frame[] {
    return this.frames.filter(
      (f) =>
        f.at > since &&
        (f.msg.params as { subscription?: string } | undefined)?.subscription === sub,
    );
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

interface WsState {
  client?: WsClient;
  crowd: WsClient[];
  /** Notifications counted from here ("each receive a notification"). */
  mark: number;
  sender?: { timer: NodeJS.Timeout; ids: string[] };
  tls?: { server: TlsServer; port: number; certFile: string };
}

const states = new WeakMap<VixyWorld, WsState>();

function ws(world: VixyWorld): WsState {
  let state = states.get(world);
  if (!state) {
    state = { crowd: [], mark: 0 };
    states.set(world, state);
  }
  return state;
}

function client(world: VixyWorld): WsClient {
  const c = ws(world).client;
  if (!c) throw new Error('no WebSocket client in this scenario');
  return c;
}

function wsUrl(world: VixyWorld, path: string): string {
  return world.requireVixy().url(path).replace(/^http/, 'ws');
}

function chainIdOf(world: VixyWorld, node: string): string {
  return toHex(world.elNode(node).chainId);
}

const SUBSCRIBE_PARAMS: Record<string, unknown[]> = {
  newHeads: ['newHeads'],
  logs: ['logs', {}],
  newPendingTransactions: ['newPendingTransactions'],
};

After({ tags: '@websocket' }, async function (this: VixyWorld) {
  const state = states.get(this);
  if (!state) return;
  if (state.sender) clearInterval(state.sender.timer);
  for (const c of [state.client, ...state.crowd]) c?.ws.terminate();
  if (state.tls) await new Promise((resolve) => state.tls?.server.close(resolve));
  states.delete(this);
});

// ---- clients and requests ----------------------------------------------------------

Given('a WebSocket client connected to {string}', async function (this: VixyWorld, path: string) {
  ws(this).client = await WsClient.open(wsUrl(this, path));
});

When(
  'the client subscribes to {word} with id {int}',
  async function (this: VixyWorld, kind: string, id: number) {
    const params = SUBSCRIBE_PARAMS[kind];
    if (!params) throw new Error(`unknown subscription kind ${kind}`);
    const answer = await client(this).call(id, 'eth_subscribe', params);
    if (typeof answer.result !== 'string')
      throw new Error(`eth_subscribe: ${JSON.stringify(answer)}`);
    client(this).subs.set(id, answer.result);
  },
);

When(
  'the client calls {word} with id {int}',
  async function (this: VixyWorld, method: string, id: number) {
    await client(this).call(id, method);
  },
);

Then(
  'the answer to {int} comes from EL node {string}',
  function (this: VixyWorld, id: number, node: string) {
    const answer = client(this).answers(id).at(-1);
    if (answer?.result !== chainIdOf(this, node)) {
      throw new Error(
        `expected chain id ${chainIdOf(this, node)} of ${node}, got ${JSON.stringify(answer)}`,
      );
    }
  },
);

Then('the answer to {int} is {word}', function (this: VixyWorld, id: number, value: string) {
  const answer = client(this).answers(id).at(-1);
  if (JSON.stringify(answer?.result) !== value) {
    throw new Error(`expected ${value}, got ${JSON.stringify(answer)}`);
  }
});

When(
  'the client unsubscribes subscription {int} with id {int}',
  async function (this: VixyWorld, subId: number, id: number) {
    const c = client(this);
    const sub = c.sub(subId);
    const answer = await c.call(id, 'eth_unsubscribe', [sub]);
    if (answer.result === true) c.unsubscribedAt.set(sub, Date.now());
  },
);

Then(
  'the client gets exactly {int} answers with id {int}: the subscription and a block number',
  async function (this: VixyWorld, count: number, id: number) {
    await sleep(500); // anything extra would have come by now
    const answers = client(this).answers(id);
    if (answers.length !== count)
      throw new Error(`${answers.length} answers: ${JSON.stringify(answers)}`);
    const [subscription, blockNumber] = answers.map((a) => a.result);
    const sub = client(this).sub(id);
    if (subscription !== sub || typeof blockNumber !== 'string' || blockNumber === sub) {
      throw new Error(`unexpected answers with id ${id}: ${JSON.stringify(answers)}`);
    }
    if (!/^0x[0-9a-f]{1,8}$/.test(blockNumber))
      throw new Error(`not a block number: ${blockNumber}`);
  },
);

When(
  'the client sends {int} eth_chainId requests, {int} at a time',
  async function (this: VixyWorld, total: number, window: number) {
    const c = client(this);
    for (let first = 0; first < total; first += window) {
      const ids = Array.from(
        { length: Math.min(window, total - first) },
        (_, i) => 1000 + first + i,
      );
      for (const id of ids) c.send(id, 'eth_chainId');
      await waitFor(
        `answers to requests ${ids[0]}..${ids.at(-1)}`,
        () => ids.every((id) => c.answers(id).length > 0) || undefined,
        { timeoutMs: ANSWER_TIMEOUT_MS, intervalMs: 5 },
      );
    }
  },
);

Then('all of them are answered by EL node {string}', function (this: VixyWorld, node: string) {
  const c = client(this);
  const expected = chainIdOf(this, node);
  const wrong = [...c.sent.keys()]
    .filter((key) => Number(key) >= 1000)
    .filter((key) => {
      const answers = c.answers(JSON.parse(key));
      return answers.length !== 1 || answers[0].result !== expected;
    });
  if (wrong.length > 0)
    throw new Error(
      `${wrong.length} requests not answered once by ${node}: ${wrong.slice(0, 5).join(', ')}`,
    );
});

When(
  'the client starts sending eth_blockNumber every {int} ms',
  function (this: VixyWorld, ms: number) {
    const c = client(this);
    const ids: string[] = [];
    const timer = setInterval(() => {
      const id = `w-${ids.length + 1}`;
      ids.push(id);
      c.send(id, 'eth_blockNumber');
    }, ms);
    ws(this).sender = { timer, ids };
  },
);

When(
  'the client keeps sending for {int} second(s)',
  async function (this: VixyWorld, seconds: number) {
    await sleep(seconds * 1000);
  },
);

When('the client stops sending', function (this: VixyWorld) {
  const sender = ws(this).sender;
  if (sender) clearInterval(sender.timer);
});

Then('every request of the client was answered with a result', async function (this: VixyWorld) {
  const c = client(this);
  const ids = ws(this).sender?.ids ?? [];
  if (ids.length < 100) throw new Error(`only ${ids.length} requests were sent`);
  await waitFor(
    `answers to all ${ids.length} requests`,
    () => ids.every((id) => c.answers(id).length > 0) || undefined,
    {
      timeoutMs: 10_000,
      intervalMs: 20,
    },
  );
  const bad = ids.filter(
    (id) => c.answers(id).length !== 1 || typeof c.answers(id)[0].result !== 'string',
  );
  if (bad.length > 0) {
    throw new Error(
      `${bad.length} of ${ids.length} not answered once with a result: ${JSON.stringify(c.answers(bad[0]))}`,
    );
  }
});

// ---- notifications -----------------------------------------------------------------

async function notified(c: WsClient, sub: string, since: number, seconds: number): Promise<void> {
  await waitFor(`a notification for ${sub}`, () => c.notes(sub, since).length > 0 || undefined, {
    timeoutMs: seconds * 1000,
    intervalMs: 20,
  });
}

Then(
  'subscription {int} receives a notification within {int} second(s)',
  async function (this: VixyWorld, id: number, seconds: number) {
    const c = client(this);
    await notified(c, c.sub(id), Date.now(), seconds);
  },
);

Then(
  'subscriptions {int}, {int}, {int} and {int} each receive a notification within {int} seconds',
  async function (this: VixyWorld, a: number, b: number, c: number, d: number, seconds: number) {
    const cl = client(this);
    const since = ws(this).mark;
    await Promise.all([a, b, c, d].map((id) => notified(cl, cl.sub(id), since, seconds)));
  },
);

Then(
  'subscription {int} receives no notification for {int} second(s)',
  async function (this: VixyWorld, id: number, seconds: number) {
    const c = client(this);
    const sub = c.sub(id);
    await sleep(seconds * 1000);
    const since = c.unsubscribedAt.get(sub) ?? 0;
    const late = c.notes(sub, since);
    if (late.length > 0)
      throw new Error(`${late.length} notifications for ${sub} after unsubscribing`);
  },
);

When(
  'a transaction that emits a log is sent to EL node {string}',
  async function (this: VixyWorld, name: string) {
    const c = client(this);
    const heads = [...c.subs.values()];
    const start = Date.now();
    // The session serves from that node once a new head arrives through it; give the
    // other re-subscribes (sent together with that one) a moment more.
    await waitFor(
      'a new head after the switch',
      () => heads.some((s) => c.notes(s, start).length > 0) || undefined,
      {
        timeoutMs: 5000,
        intervalMs: 20,
      },
    );
    await sleep(200);
    ws(this).mark = Date.now();
    await this.elNode(name).rpc('eth_sendTransaction', [
      { from: DEV_ACCOUNT, data: EMIT_LOG_INIT_CODE },
    ]);
  },
);

Then('the client received nothing it did not ask for', async function (this: VixyWorld) {
  await sleep(300);
  const problems = client(this).unexpected();
  if (problems.length > 0)
    throw new Error(`${problems.length} unexpected frames:\n${problems.slice(0, 10).join('\n')}`);
});

// ---- sessions and nodes ------------------------------------------------------------

async function sessionsByNode(
  world: VixyWorld,
): Promise<{ byNode: Map<string, number>; active: number }> {
  const res = await httpRequest(world.requireVixy().url('/metrics'), { timeoutMs: 2000 });
  const byNode = new Map<string, number>();
  for (const m of res.text.matchAll(/^vixy_ws_upstream_node\{node="([^"]+)"\} (\d+)$/gm)) {
    byNode.set(m[1], Number(m[2]));
  }
  const active = Number(/^vixy_ws_connections_active (\d+)$/m.exec(res.text)?.[1] ?? NaN);
  return { byNode, active };
}

Then(
  'within {int} seconds every session is served by EL node {string}',
  async function (this: VixyWorld, seconds: number, node: string) {
    let last = '';
    await waitFor(
      `every session on ${node} in vixy_ws_upstream_node`,
      async () => {
        const { byNode, active } = await sessionsByNode(this);
        last = JSON.stringify({ active, byNode: [...byNode] });
        const others = [...byNode].filter(([n, v]) => n !== node && v > 0);
        return active > 0 && byNode.get(node) === active && others.length === 0 ? true : undefined;
      },
      { timeoutMs: seconds * 1000, intervalMs: 100 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last: ${last}`);
    });
  },
);

When(
  '{int} more WebSocket clients connect to {string} and subscribe to newHeads',
  async function (this: VixyWorld, n: number, path: string) {
    const crowd = await Promise.all(
      Array.from({ length: n }, () => WsClient.open(wsUrl(this, path))),
    );
    ws(this).crowd.push(...crowd);
    await Promise.all(
      crowd.map(async (c) => {
        const answer = await c.call(1, 'eth_subscribe', ['newHeads']);
        c.subs.set(1, String(answer.result));
      }),
    );
  },
);

Then(
  'every one of the {int} clients receives a notification within {int} seconds',
  async function (this: VixyWorld, n: number, seconds: number) {
    const crowd = ws(this).crowd;
    if (crowd.length !== n) throw new Error(`${crowd.length} clients, not ${n}`);
    const since = Date.now();
    await Promise.all(crowd.map((c) => notified(c, c.sub(1), since, seconds)));
    const problems = crowd.flatMap((c) => c.unexpected());
    if (problems.length > 0) throw new Error(problems.slice(0, 5).join('\n'));
  },
);

Then(
  'every one of the {int} clients gets eth_chainId answered by EL node {string}',
  async function (this: VixyWorld, n: number, node: string) {
    const crowd = ws(this).crowd;
    const answers = await Promise.all(crowd.slice(0, n).map((c) => c.call(2, 'eth_chainId')));
    const wrong = answers.filter((a) => a.result !== chainIdOf(this, node));
    if (wrong.length > 0)
      throw new Error(`${wrong.length} answers not from ${node}: ${JSON.stringify(wrong[0])}`);
  },
);

// ---- wss:// upstream ---------------------------------------------------------------

/**
 * A TLS terminator (node:tls, a certificate made with openssl for 127.0.0.1) that
 * pipes each connection to the node's plain port: https:// and wss:// to anvil.
 */
Given(
  'a TLS terminator with a self-signed certificate in front of EL node {string}',
  async function (this: VixyWorld, name: string) {
    const node = this.elNode(name);
    const dir = makeTempDir('tls');
    const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=vixy-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const server = createTlsServer(
      { key: readFileSync(keyFile), cert: readFileSync(certFile) },
      (socket) => {
        const backend = tcpConnect(node.port, '127.0.0.1');
        socket.pipe(backend).pipe(socket);
        const end = () => {
          socket.destroy();
          backend.destroy();
        };
        socket.on('error', end).on('close', end);
        backend.on('error', end).on('close', end);
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    ws(this).tls = { server, port: (server.address() as AddressInfo).port, certFile };
  },
);

/** The primary's URLs go through the terminator; Vixy trusts it via NODE_EXTRA_CA_CERTS. */
Given(
  'Vixy is running in front of them, reaching that node through TLS',
  async function (this: VixyWorld) {
    const tls = ws(this).tls;
    if (!tls) throw new Error('no TLS terminator in this scenario');
    const input = this.configInput();
    const origin = `127.0.0.1:${tls.port}`;
    const primary = {
      name: 'el-primary-1',
      http_url: `https://${origin}`,
      ws_url: `wss://${origin}`,
    };
    this.vixy = await VixyProcess.start({
      config: { ...input, el: { primary: [primary], backup: this.backups } },
      env: { LOG_LEVEL: 'info', NODE_EXTRA_CA_CERTS: tls.certFile },
    });
    await this.waitForStatus('both EL nodes healthy', 20, (s) =>
      s.el_nodes.every((n) => n.is_healthy),
    );
  },
);
