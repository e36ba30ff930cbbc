import { Given, Then, When } from '@cucumber/cucumber';
import { Agent, request } from 'undici';
import {
  type AnvilNode,
  type HttpResponse,
  VixyProcess,
  fromHex,
  httpRequest,
  sleep,
  waitFor,
} from '../../test/support';
import { type VixyWorld } from '../support/world';

// Steps of @http: POST /el and ANY /cl/* through a running Vixy. State of a scenario
// that the shared World does not hold lives in a WeakMap keyed by the World.

interface LoadResult {
  readonly ok: number;
  readonly failures: string[];
  /** Chain ids of the last answers of each client. */
  readonly lastChainIds: number[];
}

interface HttpState {
  load?: { stop: () => void; done: Promise<LoadResult> };
  loadResult?: LoadResult;
  answers?: HttpResponse[];
}

const states = new WeakMap<VixyWorld, HttpState>();

function state(world: VixyWorld): HttpState {
  let s = states.get(world);
  if (s === undefined) {
    s = {};
    states.set(world, s);
  }
  return s;
}

interface RpcAnswer {
  readonly id?: unknown;
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string };
}

async function postEl(world: VixyWorld, body: unknown): Promise<HttpResponse> {
  return httpRequest(world.requireVixy().url('/el'), { body, timeoutMs: 10_000 });
}

function rpc(method: string, id: number, params: unknown[] = []) {
  return { jsonrpc: '2.0', id, method, params };
}

function parse(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.text) as unknown;
  } catch {
    throw new Error(`HTTP ${res.status}, not JSON: ${res.text.slice(0, 300)}`);
  }
}

/** The result of a single call, or an error naming what came back. */
function resultOf(res: HttpResponse): unknown {
  const answer = parse(res) as RpcAnswer;
  if (res.status !== 200 || answer.result === undefined) {
    throw new Error(`expected a result, got HTTP ${res.status}: ${res.text.slice(0, 300)}`);
  }
  return answer.result;
}

async function chainIdThroughVixy(world: VixyWorld): Promise<number> {
  return fromHex(resultOf(await postEl(world, rpc('eth_chainId', 1))) as string);
}

Given('Vixy gives up on a node after {int} ms', function (this: VixyWorld, ms: number) {
  this.sections.global = { ...this.sections.global, proxy_timeout_ms: ms };
});

Given(
  'Vixy is running in front of them with each EL node limited to {int} request(s) per second in bursts of {int}',
  async function (this: VixyWorld, qps: number, burst: number) {
    const limited = (nodes: readonly AnvilNode[], tier: string) =>
      nodes.map((n, i) => ({
        name: `el-${tier}-${i + 1}`,
        http_url: n.httpUrl,
        ws_url: n.wsUrl,
        max_qps: qps,
        max_consecutive_requests: burst,
      }));
    const input = this.configInput();
    this.vixy = await VixyProcess.start({
      config: {
        ...input,
        el: {
          primary: limited(this.primaries, 'primary'),
          backup: limited(this.backups, 'backup'),
        },
      },
      env: { LOG_LEVEL: 'info' },
    });
    const count = this.elNodes().size;
    await this.waitForStatus(`${count} EL nodes healthy`, 20, (s) =>
      s.el_nodes.every((n) => n.is_healthy),
    );
  },
);

Then(
  'eth_chainId through \\/el is answered by EL node {string}',
  async function (this: VixyWorld, name: string) {
    const expected = this.elNode(name).chainId;
    const got = await chainIdThroughVixy(this);
    if (got !== expected) throw new Error(`answered by chain id ${got}, not ${name} (${expected})`);
  },
);

Then(
  'within {int} second(s) eth_chainId through \\/el is answered by EL node {string}',
  async function (this: VixyWorld, seconds: number, name: string) {
    const expected = this.elNode(name).chainId;
    let last: unknown;
    await waitFor(
      `eth_chainId through /el to be answered by ${name} (chain id ${expected})`,
      async () => {
        last = await chainIdThroughVixy(this).catch((err: unknown) => String(err));
        return last === expected ? true : undefined;
      },
      { timeoutMs: seconds * 1000, intervalMs: 100 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last answer: ${String(last)}`);
    });
  },
);

Then(
  'eth_blockNumber through \\/el answers the block number of EL node {string}',
  async function (this: VixyWorld, name: string) {
    const direct = await this.elNode(name).blockNumber();
    const through = fromHex(resultOf(await postEl(this, rpc('eth_blockNumber', 2))) as string);
    if (through !== direct) throw new Error(`block ${through} through Vixy, ${direct} direct`);
  },
);

Then(
  'a batch of {int} calls through \\/el is answered call for call by EL node {string}',
  async function (this: VixyWorld, n: number, name: string) {
    const methods = ['eth_chainId', 'eth_blockNumber'];
    const batch = Array.from({ length: n }, (_, i) => rpc(methods[i % 2], 100 + i));
    const res = await postEl(this, batch);
    const answers = parse(res) as RpcAnswer[];
    if (res.status !== 200 || !Array.isArray(answers) || answers.length !== n) {
      throw new Error(`expected ${n} answers, got HTTP ${res.status}: ${res.text.slice(0, 300)}`);
    }
    const chainId = `0x${this.elNode(name).chainId.toString(16)}`;
    for (const call of batch) {
      const answer = answers.find((a) => a.id === call.id);
      if (answer?.result === undefined) throw new Error(`no result for id ${call.id}: ${res.text}`);
      if (call.method === 'eth_chainId' && answer.result !== chainId) {
        throw new Error(
          `id ${call.id} answered with chain id ${String(answer.result)}, not ${chainId}`,
        );
      }
    }
  },
);

async function expectRefusal(res: HttpResponse, status: number, code: number): Promise<RpcAnswer> {
  const answer = parse(res) as RpcAnswer;
  if (res.status !== status || answer.error?.code !== code) {
    throw new Error(
      `expected HTTP ${status} with error ${code}, got HTTP ${res.status}: ${res.text}`,
    );
  }
  return answer;
}

Then(
  '{word} through \\/el is refused with HTTP {int} and JSON-RPC error {int}',
  async function (this: VixyWorld, method: string, status: number, code: number) {
    const answer = await expectRefusal(await postEl(this, rpc(method, 7)), status, code);
    if (answer.id !== 7 || !answer.error?.message.includes(method)) {
      throw new Error(`the error should carry id 7 and name ${method}: ${JSON.stringify(answer)}`);
    }
  },
);

Then(
  'invalid JSON posted to \\/el is refused with HTTP {int} and JSON-RPC error {int}',
  async function (this: VixyWorld, status: number, code: number) {
    await expectRefusal(await postEl(this, '{"jsonrpc":"2.0",'), status, code);
  },
);

/** `clients` loops, each calling eth_chainId as fast as answers come, until stopped. */
function startLoad(world: VixyWorld, clients: number) {
  const url = world.requireVixy().url('/el');
  const agent = new Agent({ connections: clients, keepAliveTimeout: 10_000 });
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const lastChainIds: number[] = [];
  const client = async (index: number): Promise<void> => {
    for (let id = 1; running; id++) {
      try {
        const res = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(rpc('eth_chainId', id)),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.body.text();
        const answer = JSON.parse(text) as RpcAnswer;
        if (res.statusCode === 200 && typeof answer.result === 'string') {
          ok++;
          lastChainIds[index] = fromHex(answer.result);
        } else {
          failures.push(`client ${index} call ${id}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
        }
      } catch (err) {
        failures.push(`client ${index} call ${id}: ${String(err)}`);
      }
    }
  };
  const done = Promise.all(Array.from({ length: clients }, (_, i) => client(i))).then(async () => {
    await agent.close();
    return { ok, failures, lastChainIds };
  });
  return { stop: () => (running = false), done };
}

When(
  '{int} HTTP clients keep calling eth_chainId through \\/el',
  function (this: VixyWorld, clients: number) {
    state(this).load = startLoad(this, clients);
  },
);

When('the HTTP clients have run for {int} second(s)', async function (this: VixyWorld, s: number) {
  if (state(this).load === undefined) throw new Error('no HTTP clients are running');
  await sleep(s * 1000);
});

async function loadResult(world: VixyWorld): Promise<LoadResult> {
  const s = state(world);
  if (s.loadResult === undefined) {
    if (s.load === undefined) throw new Error('no HTTP clients ran in this scenario');
    s.load.stop();
    s.loadResult = await s.load.done;
  }
  return s.loadResult;
}

Then('every call of the HTTP clients was answered with a result', async function (this: VixyWorld) {
  const { ok, failures } = await loadResult(this);
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} of ${ok + failures.length} calls failed:\n${failures.slice(0, 10).join('\n')}`,
    );
  }
  if (ok === 0) throw new Error('no call was made');
  this.attach(`${ok} calls, all answered with a result`);
});

Then(
  'the last calls of the HTTP clients were answered by EL node {string}',
  async function (this: VixyWorld, name: string) {
    const expected = this.elNode(name).chainId;
    const { lastChainIds } = await loadResult(this);
    if (lastChainIds.length === 0 || lastChainIds.some((id) => id !== expected)) {
      throw new Error(`last chain ids ${lastChainIds.join(', ')}; ${name} is ${expected}`);
    }
  },
);

When(
  '{int} eth_chainId calls are sent to \\/el one after another',
  async function (this: VixyWorld, n: number) {
    const answers: HttpResponse[] = [];
    for (let id = 1; id <= n; id++) answers.push(await postEl(this, rpc('eth_chainId', id)));
    state(this).answers = answers;
  },
);

function answers(world: VixyWorld): HttpResponse[] {
  const list = state(world).answers;
  if (list === undefined) throw new Error('no calls were sent in this scenario');
  return list;
}

Then(
  '{int} of them were answered by EL node {string}',
  function (this: VixyWorld, count: number, name: string) {
    const chainId = `0x${this.elNode(name).chainId.toString(16)}`;
    const list = answers(this);
    const served = list.filter(
      (r) => r.status === 200 && (parse(r) as RpcAnswer).result === chainId,
    );
    if (served.length !== count) {
      throw new Error(
        `${served.length} answered by ${name}, not ${count}: ${list.map((r) => r.text).join('\n')}`,
      );
    }
  },
);

Then(
  '{int} of them was/were refused with HTTP 429, JSON-RPC error -32005 and a Retry-After header',
  function (this: VixyWorld, count: number) {
    const refused = answers(this).filter(
      (r) =>
        r.status === 429 &&
        (parse(r) as RpcAnswer).error?.code === -32005 &&
        Number(r.headers['retry-after']) >= 1,
    );
    if (refused.length !== count) {
      throw new Error(`${refused.length} refused with 429, not ${count}`);
    }
  },
);

function beaconUrl(world: VixyWorld): string {
  const beacon = world.beacons[0];
  if (beacon === undefined) throw new Error('this scenario has no beacon node');
  return beacon.url;
}

Then(
  'GET \\/cl\\/eth\\/v1\\/node\\/version through Vixy answers as the beacon node does',
  async function (this: VixyWorld) {
    const [through, direct] = await Promise.all([
      httpRequest(this.requireVixy().url('/cl/eth/v1/node/version')),
      httpRequest(`${beaconUrl(this)}/eth/v1/node/version`),
    ]);
    if (through.status !== 200 || through.text !== direct.text) {
      throw new Error(
        `through Vixy: HTTP ${through.status} ${through.text}; direct: ${direct.text}`,
      );
    }
    if (through.headers['content-type'] !== direct.headers['content-type']) {
      throw new Error(`content type ${String(through.headers['content-type'])} through Vixy`);
    }
  },
);

async function ssz(url: string): Promise<{ type: string | undefined; body: Buffer }> {
  const res = await request(url, {
    headers: { accept: 'application/octet-stream' },
    signal: AbortSignal.timeout(10_000),
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${body.toString()}`);
  return { type: res.headers['content-type'] as string | undefined, body };
}

Then(
  "the genesis state through Vixy as SSZ is byte for byte the beacon node's",
  async function (this: VixyWorld) {
    const path = '/eth/v2/debug/beacon/states/genesis';
    const [through, direct] = await Promise.all([
      ssz(this.requireVixy().url(`/cl${path}`)),
      ssz(beaconUrl(this) + path),
    ]);
    if (through.type !== 'application/octet-stream') {
      throw new Error(`content type ${String(through.type)} through Vixy`);
    }
    if (!through.body.equals(direct.body)) {
      throw new Error(
        `${through.body.length} bytes through Vixy differ from ${direct.body.length} direct`,
      );
    }
  },
);

Then(
  'the head event stream through Vixy delivers {int} head events within {int} seconds',
  async function (this: VixyWorld, count: number, seconds: number) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), seconds * 1000);
    let seen = 0;
    let text = '';
    try {
      // Lodestar 1.5.1 takes repeated topics= (a comma list hangs).
      const res = await request(this.requireVixy().url('/cl/eth/v1/events?topics=head'), {
        headers: { accept: 'text/event-stream' },
        signal: abort.signal,
      });
      if (res.headers['content-type'] !== 'text/event-stream') {
        throw new Error(`content type ${String(res.headers['content-type'])}`);
      }
      for await (const chunk of res.body) {
        text += (chunk as Buffer).toString();
        seen = text.split('event: head').length - 1;
        if (seen >= count) break;
      }
    } catch (err) {
      if (seen < count) {
        throw new Error(`${seen} head events in ${seconds} s: ${String(err)}`, { cause: err });
      }
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    if (seen < count) throw new Error(`${seen} head events in ${seconds} s`);
  },
);
