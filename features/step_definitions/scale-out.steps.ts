import { strict as assert } from 'node:assert';
import { After, Given, Then, When } from '@cucumber/cucumber';
import {
  AnvilNode,
  FAST_HEALTH_CHECKS,
  httpJson,
  httpRequest,
  RedisServer,
  sleep,
  VixyProcess,
  waitFor,
} from '../../test/support';
import { parseExposition, sampleValue } from '../../test/metrics-exposition';
import { NO_BEACON, type Status, type VixyWorld } from '../support/world';

// Several Vixy processes sharing one real redis-server, in front of real anvil nodes.

interface ScaleWorld extends VixyWorld {
  redis?: RedisServer;
  replicas?: VixyProcess[];
  limit?: number;
  before?: number;
  window?: number;
  statuses?: Map<number, number>;
  errors?: string[];
  blocks?: Map<number, string>;
}

const BLOCK_NUMBER = { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] };

async function metricSum(vixy: VixyProcess, name: string, labels: Record<string, string> = {}) {
  const text = (await httpRequest(vixy.url('/metrics'))).text;
  const exposition = parseExposition(text);
  return sampleValue(exposition, name, labels) ?? 0;
}

/** Sum of vixy_el_requests_total of every EL node over `vixy` (calls sent to nodes). */
async function sentToNodes(vixy: VixyProcess): Promise<number> {
  const text = (await httpRequest(vixy.url('/metrics'))).text;
  return text
    .split('\n')
    .filter((l) => l.startsWith('vixy_el_requests_total{'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** Calls from `workers` loops per replica for `ms`; counts statuses and errors. */
async function load(world: ScaleWorld, ms: number, workers: number, during?: () => Promise<void>) {
  const statuses = new Map<number, number>();
  const errors: string[] = [];
  const until = Date.now() + ms;
  const loop = async (vixy: VixyProcess) => {
    while (Date.now() < until) {
      try {
        const res = await httpRequest(vixy.url('/el'), { body: BLOCK_NUMBER, timeoutMs: 5000 });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const body = JSON.parse(res.text) as { error?: { code: number } };
        if (res.status === 200 && body.error) errors.push(res.text);
        if (res.status !== 200 && res.status !== 429) errors.push(`${res.status} ${res.text}`);
      } catch (err) {
        errors.push(String(err));
      }
    }
  };
  await Promise.all([
    ...world.replicas!.flatMap((v) => Array.from({ length: workers }, () => loop(v))),
    during?.(),
  ]);
  world.statuses = statuses;
  world.errors = errors;
}

async function leaders(world: ScaleWorld): Promise<VixyProcess[]> {
  const running = world.replicas!.filter((v) => v.running);
  const roles = await Promise.all(
    running.map((v) => metricSum(v, 'vixy_health_role', { role: 'leader' })),
  );
  return running.filter((_, i) => roles[i] === 1);
}

Given('a Redis server', async function (this: ScaleWorld) {
  this.redis = await RedisServer.start();
});

Given(
  '{int} primary EL node limited to {int} calls a second',
  async function (this: ScaleWorld, n: number, qps: number) {
    this.primaries = await Promise.all(
      Array.from({ length: n }, (_, i) => AnvilNode.start({ chainId: 1001 + i })),
    );
    this.limit = qps;
  },
);

Given('3 Vixy replicas sharing Redis in front of them', async function (this: ScaleWorld) {
  const limits = this.limit === undefined ? {} : { max_qps: this.limit };
  const config = {
    el: {
      primary: this.primaries.map((node) => ({
        http_url: node.httpUrl,
        ws_url: node.wsUrl,
        ...limits,
      })),
    },
    cl: [NO_BEACON],
    global: FAST_HEALTH_CHECKS,
    extra: { redis: { url: this.redis!.url } },
  };
  this.replicas = await Promise.all(
    [1, 2, 3].map(() => VixyProcess.start({ config, env: { LOG_LEVEL: 'info' } })),
  );
  for (const vixy of this.replicas) {
    await waitFor(
      `replica ${vixy.baseUrl} to see every EL node healthy`,
      async () => {
        const s = await httpJson<Status>(vixy.url('/status'), { timeoutMs: 2000 });
        return s.el_nodes.every((n) => n.is_healthy) || undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  }
});

When(
  'every replica is sent eth_blockNumber calls as fast as it answers for {int} seconds',
  async function (this: ScaleWorld, seconds: number) {
    const counts = await Promise.all(this.replicas!.map((v) => sentToNodes(v)));
    this.before = counts.reduce((a, b) => a + b, 0);
    const start = Date.now();
    await load(this, seconds * 1000, 4);
    this.window = (Date.now() - start) / 1000;
  },
);

Then(
  'the node was sent at most {int} calls a second in total, plus its burst and a lease per replica',
  async function (this: ScaleWorld, qps: number) {
    const counts = await Promise.all(this.replicas!.map((v) => sentToNodes(v)));
    const sent = counts.reduce((a, b) => a + b, 0) - this.before!;
    // The burst (max_consecutive_requests, default max_qps), plus a lease of credit per
    // replica (max_qps / 20 each), plus one second of refill for the timing of the window.
    const ceiling = qps * this.window! + qps + 3 * Math.ceil(qps / 20) + qps;
    assert.ok(sent <= ceiling, `node sent ${sent} calls in ${this.window} s (ceiling ${ceiling})`);
    assert.ok(sent >= qps * (this.window! - 1), `node sent only ${sent} calls`);
    this.attach(`node sent ${sent} calls in ${this.window!.toFixed(1)} s (limit ${qps}/s)`);
  },
);

Then('calls over the budget were answered 429 with -32005', function (this: ScaleWorld) {
  assert.ok((this.statuses!.get(429) ?? 0) > 0, `statuses: ${JSON.stringify([...this.statuses!])}`);
  assert.deepEqual(this.errors, []);
});

Then('exactly one replica leads the health checks', async function (this: ScaleWorld) {
  await waitFor('one leader', async () => (await leaders(this)).length === 1 || undefined, {
    timeoutMs: 8000,
    intervalMs: 200,
  });
});

When('the leading replica is killed', async function (this: ScaleWorld) {
  const [leader] = await leaders(this);
  await leader.kill();
});

Then(
  'within {int} seconds exactly one of the other replicas leads the health checks',
  async function (this: ScaleWorld, seconds: number) {
    await waitFor('a new leader', async () => (await leaders(this)).length === 1 || undefined, {
      timeoutMs: seconds * 1000,
      intervalMs: 200,
    });
  },
);

Then(
  'within {int} seconds every replica shows EL node {string} unhealthy',
  async function (this: ScaleWorld, seconds: number, name: string) {
    const running = this.replicas!.filter((v) => v.running);
    await waitFor(
      `every replica to show ${name} unhealthy`,
      async () => {
        const all = await Promise.all(
          running.map((v) => httpJson<Status>(v.url('/status'), { timeoutMs: 2000 })),
        );
        return all.every((s) => s.el_nodes.find((n) => n.name === name)?.is_healthy === false)
          ? true
          : undefined;
      },
      { timeoutMs: seconds * 1000, intervalMs: 200 },
    );
  },
);

When(
  'every replica is sent eth_blockNumber calls for {int} seconds while Redis is killed after {int} second(s)',
  async function (this: ScaleWorld, seconds: number, after: number) {
    await load(this, seconds * 1000, 2, async () => {
      await sleep(after * 1000);
      await this.redis!.kill();
    });
  },
);

Then('every call was answered without an error', function (this: ScaleWorld) {
  assert.deepEqual(this.errors, []);
  assert.ok((this.statuses!.get(200) ?? 0) > 0);
});

Then('every replica shows vixy_redis_up 0', async function (this: ScaleWorld) {
  await waitFor(
    'every replica to see Redis down',
    async () => {
      const up = await Promise.all(this.replicas!.map((v) => metricSum(v, 'vixy_redis_up')));
      return up.every((u) => u === 0) || undefined;
    },
    { timeoutMs: 5000, intervalMs: 200 },
  );
});

Given('1 primary EL node with {int} mined blocks', async function (this: ScaleWorld, n: number) {
  const node = await AnvilNode.start({ chainId: 1001 });
  await node.mine(n);
  this.primaries = [node];
});

Given('Vixy is running in front of them with the answer cache', async function (this: ScaleWorld) {
  const config = { ...this.configInput(), extra: { cache: { enabled: true } } };
  this.vixy = await VixyProcess.start({ config, env: { LOG_LEVEL: 'info' } });
  await this.waitForStatus('the node healthy', 20, (s) => s.el_nodes.every((n) => n.is_healthy));
  // The finalized block (anvil: 64 below the head) must be known before reads are kept.
  await waitFor(
    'the finalized block',
    async () => (await metricSum(this.vixy!, 'vixy_cache_finalized_block')) > 0 || undefined,
    { timeoutMs: 10_000, intervalMs: 100 },
  );
});

async function readBlock(world: ScaleWorld, n: number) {
  const res = await httpRequest(world.requireVixy().url('/el'), {
    body: {
      jsonrpc: '2.0',
      id: n,
      method: 'eth_getBlockByNumber',
      params: [`0x${n.toString(16)}`, false],
    },
  });
  const body = JSON.parse(res.text) as { result?: { hash: string } };
  return { status: res.status, cache: res.headers['x-vixy-cache'], hash: body.result?.hash };
}

When(
  'blocks {int} and {int} are read by number through Vixy',
  async function (this: ScaleWorld, a: number, b: number) {
    this.blocks = new Map();
    const finalized = await metricSum(this.requireVixy(), 'vixy_cache_finalized_block');
    for (const n of [a, b]) {
      const read = await readBlock(this, n);
      assert.equal(read.status, 200);
      // At or below finalized: looked up and kept; above: never cacheable (no header).
      assert.equal(
        read.cache,
        n <= finalized ? 'miss' : undefined,
        `block ${n}, finalized ${finalized}`,
      );
      this.blocks.set(n, read.hash!);
    }
  },
);

Then(
  'block {int} is read again from the cache, with the same hash',
  async function (this: ScaleWorld, n: number) {
    const read = await readBlock(this, n);
    assert.deepEqual(read, { status: 200, cache: 'hit', hash: this.blocks!.get(n) });
  },
);

When(
  'EL node {string} is thawed and its last {int} blocks are reorged',
  async function (this: ScaleWorld, name: string, depth: number) {
    const node = this.elNode(name);
    await node.thaw();
    await node.rpc('anvil_reorg', [depth, []]);
  },
);

Then(
  'block {int} read through Vixy has the new hash, not from the cache',
  async function (this: ScaleWorld, n: number) {
    await this.waitForStatus('the node healthy again', 20, (s) =>
      s.el_nodes.every((x) => x.is_healthy),
    );
    const read = await readBlock(this, n);
    assert.equal(read.status, 200);
    assert.equal(read.cache, undefined);
    assert.notEqual(read.hash, this.blocks!.get(n));
  },
);

After(async function (this: ScaleWorld) {
  await Promise.allSettled(
    (this.replicas ?? []).map((v) => (v.running ? v.stop(5000) : undefined)),
  );
  this.replicas = undefined;
  if (this.redis?.running) await this.redis.stop();
  this.redis = undefined;
});
