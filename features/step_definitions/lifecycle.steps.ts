import { strict as assert } from 'node:assert';
import { Given, Then, When } from '@cucumber/cucumber';
import { Agent, request } from 'undici';
import { httpRequest, sleep, VixyProcess, waitFor, withTimeout } from '../../test/support';
import { type VixyWorld } from '../support/world';

// Steps of the shutdown scenario in ops.feature and of layers.feature: SIGTERM under
// load with a shutdown delay, and Vixy in front of one layer only.

interface Call {
  readonly sentAt: number;
  readonly status: number | null;
  readonly result: unknown;
  readonly connection: string | undefined;
  readonly error?: string;
}

interface LifecycleWorld extends VixyWorld {
  shutdownLoad?: { calls: Call[]; done: Promise<void>; notReadyAt: () => number | null };
  sigtermAt?: number;
}

Given(
  'Vixy is running in front of them with shutdown_delay_ms {int} and shutdown_grace_ms {int}',
  async function (this: VixyWorld, delay: number, grace: number) {
    this.sections.server = { shutdown_delay_ms: delay, shutdown_grace_ms: grace };
    // No CL layer: readiness then says 200 as soon as the EL node is healthy.
    await startElOnly(this);
    await this.waitForStatus('EL nodes healthy', 20, (s) => s.el_nodes.every((n) => n.is_healthy));
  },
);

/**
 * `clients` loops on kept-alive connections, as behind a load balancer that polls
 * /health/ready and stops sending `seconds` after it first sees 503. The connections
 * stay open (idle) afterwards, as a balancer's pool does.
 */
When(
  '{int} clients keep calling eth_chainId through \\/el until {int} second(s) after readiness turns 503',
  function (this: LifecycleWorld, clients: number, seconds: number) {
    const vixy = this.requireVixy();
    const agent = new Agent({ connections: clients, keepAliveTimeout: 60_000 });
    const calls: Call[] = [];
    let notReadyAt: number | null = null;
    let stopAt = Number.POSITIVE_INFINITY;
    const watcher = (async () => {
      while (notReadyAt === null && vixy.running) {
        const res = await httpRequest(vixy.url('/health/ready'), { timeoutMs: 2000 }).catch(
          () => null,
        );
        if (res?.status === 503) {
          notReadyAt = Date.now();
          stopAt = notReadyAt + seconds * 1000;
        } else await sleep(50);
      }
    })();
    const client = async (index: number): Promise<void> => {
      for (let id = 1; Date.now() < stopAt && vixy.running; id++) {
        const sentAt = Date.now();
        try {
          const res = await request(vixy.url('/el'), {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ jsonrpc: '2.0', id, method: 'eth_chainId', params: [] }),
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.body.text();
          const connection = res.headers.connection;
          calls.push({
            sentAt,
            status: res.statusCode,
            result: (JSON.parse(text) as { result?: unknown }).result,
            connection: typeof connection === 'string' ? connection : undefined,
          });
        } catch (err) {
          calls.push({
            sentAt,
            status: null,
            result: undefined,
            connection: undefined,
            error: `client ${index} call ${id}: ${String(err)}`,
          });
        }
      }
    };
    // A bystander: one call, then its kept-alive connection stays idle until Vixy exits.
    const idle = new Agent({ connections: 1, keepAliveTimeout: 60_000 });
    const bystander = request(vixy.url('/status'), { dispatcher: idle }).then((res) =>
      res.body.text(),
    );
    const done = Promise.all([
      watcher,
      bystander,
      ...Array.from({ length: clients }, (_, i) => client(i)),
    ]).then(() => undefined);
    // The agents (and their idle connections) are closed only after Vixy has exited.
    void vixy.exited.then(() => Promise.all([agent.close(), idle.close()]));
    this.shutdownLoad = { calls, done, notReadyAt: () => notReadyAt };
  },
);

When(
  'Vixy gets SIGTERM after the clients have run for {int} second(s)',
  async function (this: LifecycleWorld, seconds: number) {
    await sleep(seconds * 1000);
    this.sigtermAt = Date.now();
    assert.ok(this.requireVixy().signal('SIGTERM'), 'could not send SIGTERM');
  },
);

Then(
  'every call of the clients was answered with a result, also those sent after SIGTERM',
  async function (this: LifecycleWorld) {
    const load = this.shutdownLoad;
    assert.ok(load && this.sigtermAt !== undefined, 'no load or no SIGTERM');
    await withTimeout('the clients to stop', load.done, 30_000);
    const failed = load.calls.filter((c) => c.status !== 200 || typeof c.result !== 'string');
    assert.deepEqual(
      failed.slice(0, 10),
      [],
      `${failed.length} of ${load.calls.length} calls failed`,
    );
    const sigterm = this.sigtermAt;
    const after = load.calls.filter((c) => c.sentAt > sigterm + 100);
    assert.ok(after.length > 0, 'no call was sent while Vixy delayed its shutdown');
    const notReady = load.notReadyAt();
    assert.ok(notReady !== null, 'readiness never turned 503');
    // Answers after SIGTERM tell kept-alive clients to reconnect (elsewhere).
    assert.ok(
      after.every((c) => c.connection === 'close'),
      `answers after SIGTERM without Connection: close: ${JSON.stringify(after.slice(0, 3))}`,
    );
  },
);

When('Vixy gets SIGTERM', function (this: LifecycleWorld) {
  this.sigtermAt = Date.now();
  assert.ok(this.requireVixy().signal('SIGTERM'), 'could not send SIGTERM');
});

Then(
  'Vixy exits with code 0 after its shutdown delay of {int} ms and within {int} seconds of SIGTERM',
  async function (this: LifecycleWorld, delayMs: number, seconds: number) {
    const vixy = this.requireVixy();
    assert.ok(this.sigtermAt !== undefined, 'no SIGTERM was sent');
    const deadline = this.sigtermAt + seconds * 1000;
    const info = await withTimeout('Vixy to exit', vixy.exited, Math.max(1, deadline - Date.now()));
    const took = Date.now() - this.sigtermAt;
    assert.equal(info.code, 0, `exit ${JSON.stringify(info)}\n${vixy.logs()}`);
    // Timers may fire a few ms early; the process only exits after the delay.
    assert.ok(took >= delayMs - 50, `exited ${took} ms after SIGTERM, before the delay`);
  },
);

async function startElOnly(world: VixyWorld): Promise<void> {
  if (world.vixy) throw new Error('Vixy is already running in this scenario');
  world.vixy = await VixyProcess.start({
    config: { ...world.configInput(), cl: [] },
    env: { LOG_LEVEL: 'info' },
  });
}

Given('Vixy is running in front of them without a CL layer', async function (this: VixyWorld) {
  await startElOnly(this);
});

Then('within {int} seconds Vixy is ready', async function (this: VixyWorld, seconds: number) {
  const vixy = this.requireVixy();
  await waitFor(
    'GET /health/ready to answer 200',
    async () => (await httpRequest(vixy.url('/health/ready'))).status === 200 || undefined,
    { timeoutMs: seconds * 1000, intervalMs: 100 },
  );
});

Then(
  'GET {string} answers {int} with the message {string}',
  async function (this: VixyWorld, path: string, status: number, message: string) {
    const res = await httpRequest(this.requireVixy().url(path));
    assert.equal(res.status, status, res.text);
    assert.equal((JSON.parse(res.text) as { message: string }).message, message);
  },
);

Then(
  'Vixy logged its start-up line with the version and the config file',
  function (this: VixyWorld) {
    const vixy = this.requireVixy();
    const line = vixy
      .logs()
      .split('\n')
      .find((l) => l.includes('listening on'));
    assert.ok(line, `no start-up line in:\n${vixy.logs()}`);
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.equal(entry.level, 'info');
    assert.match(String(entry.version), /^\d+\.\d+\.\d+/);
    assert.equal(entry.config, vixy.configPath);
    assert.equal(entry.listen, vixy.baseUrl);
  },
);
