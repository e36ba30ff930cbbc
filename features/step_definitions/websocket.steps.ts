import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, type Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Given, Then, When } from '@cucumber/cucumber';
import { makeTempDir, sleep, toHex, VixyProcess, waitFor } from '../../test/support';
import { answeredDuring, expectAnsweredBy, sessionsByNode } from '../support/node-metrics';
import { type VixyWorld } from '../support/world';
import { WsClient } from '../support/ws-client';
import { wsClient, wsState, wsUrl } from '../support/ws-state';

// Steps of features/websocket.feature: WebSocket clients of /el/ws and what they saw
// (features/support/ws-client.ts records everything). The nodes are one chain: which
// node answered is told by Vixy's metrics around the call (features/support/node-metrics.ts).

/** anvil's first dev account (unlocked): sends the test transactions. */
const DEV_ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
/** Contract creation whose init code is PUSH1 0 PUSH1 0 LOG0 STOP: one log, no code. */
const EMIT_LOG_INIT_CODE = '0x60006000a000';
const ANSWER_TIMEOUT_MS = 5000;

interface TlsFront {
  server: TlsServer;
  port: number;
  certFile: string;
}

const tlsFronts = new WeakMap<VixyWorld, TlsFront>();
const ws = wsState;
const client = wsClient;

function chainIdOf(world: VixyWorld, node: string): string {
  return toHex(world.elNode(node).chainId);
}

const SUBSCRIBE_PARAMS: Record<string, unknown[]> = {
  newHeads: ['newHeads'],
  logs: ['logs', {}],
  newPendingTransactions: ['newPendingTransactions'],
};

// ---- clients and requests ----------------------------------------------------------

Given('a WebSocket client connected to {string}', async function (this: VixyWorld, path: string) {
  ws(this).client = await WsClient.open(wsUrl(this, path));
});

When(
  'the client subscribes to {word} with id {int}',
  async function (this: VixyWorld, kind: string, id: number) {
    const params = SUBSCRIBE_PARAMS[kind];
    if (!params) throw new Error(`unknown subscription kind ${kind}`);
    const sent = this.miner?.height ?? 0;
    await client(this).subscribe(id, params);
    ws(this).subscribedAt.set(id, { sent, answered: this.miner?.height ?? 0 });
  },
);

When(
  'the client calls {word} with id {int}',
  async function (this: VixyWorld, method: string, id: number) {
    const { answered } = await answeredDuring(this, () => client(this).call(id, method));
    ws(this).answered.set(String(id), answered);
  },
);

Then(
  'the answer to {int} comes from EL node {string}',
  async function (this: VixyWorld, id: number, node: string) {
    const answer = client(this).answers(id).at(-1);
    if (answer?.result !== chainIdOf(this, node)) {
      throw new Error(`expected chain id ${chainIdOf(this, node)}, got ${JSON.stringify(answer)}`);
    }
    expectAnsweredBy(ws(this).answered.get(String(id)) ?? new Map(), node, 1);
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
    const { answered } = await answeredDuring(this, async () => {
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
    });
    ws(this).answered.set('eth_chainId requests', answered);
  },
);

Then(
  'all of them are answered by EL node {string}',
  async function (this: VixyWorld, node: string) {
    const c = client(this);
    const expected = chainIdOf(this, node);
    const ids = [...c.sent.keys()].filter((key) => Number(key) >= 1000);
    const wrong = ids.filter((key) => {
      const answers = c.answers(JSON.parse(key));
      return answers.length !== 1 || answers[0].result !== expected;
    });
    if (wrong.length > 0)
      throw new Error(
        `${wrong.length} requests not answered once by ${node}: ${wrong.slice(0, 5).join(', ')}`,
      );
    const answered = ws(this).answered.get('eth_chainId requests') ?? new Map<string, number>();
    expectAnsweredBy(answered, node, ids.length);
  },
);

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
    const { value: answers, answered } = await answeredDuring(this, () =>
      Promise.all(crowd.slice(0, n).map((c) => c.call(2, 'eth_chainId'))),
    );
    const wrong = answers.filter((a) => a.result !== chainIdOf(this, node));
    if (wrong.length > 0)
      throw new Error(`${wrong.length} wrong answers: ${JSON.stringify(wrong[0])}`);
    expectAnsweredBy(answered, node, n);
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
    const sockets = new Set<Socket>();
    const server = createTlsServer(
      { key: readFileSync(keyFile), cert: readFileSync(certFile) },
      (socket) => {
        const backend = tcpConnect(node.port, '127.0.0.1');
        sockets.add(socket).add(backend);
        socket.pipe(backend).pipe(socket);
        const end = () => {
          socket.destroy();
          backend.destroy();
          sockets.delete(socket);
          sockets.delete(backend);
        };
        socket.on('error', end).on('close', end);
        backend.on('error', end).on('close', end);
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    tlsFronts.set(this, { server, port: (server.address() as AddressInfo).port, certFile });
    // After Vixy has stopped; its kept-alive connections would hold server.close() open.
    this.onCleanUp(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
  },
);

/** The primary's URLs go through the terminator; Vixy trusts it via NODE_EXTRA_CA_CERTS. */
Given(
  'Vixy is running in front of them, reaching that node through TLS',
  async function (this: VixyWorld) {
    const tls = tlsFronts.get(this);
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
