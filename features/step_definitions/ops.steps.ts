import { strict as assert } from 'node:assert';
import { Given, Then, When } from '@cucumber/cucumber';
import {
  AnvilNode,
  httpRequest,
  logLineMatches,
  renderConfig,
  sleep,
  waitFor,
} from '../../test/support';
import { type VixyWorld } from '../support/world';

// Steps of ops.feature: the admin API, config reload and graceful shutdown.

const ADMIN_TOKEN = 'ops-feature-admin-token';

interface OpsWorld extends VixyWorld {
  inFlight?: Promise<{ status: number; text: string }[]>;
}

Given('Vixy is running in front of them with an admin token', async function (this: VixyWorld) {
  this.sections.admin = { token: ADMIN_TOKEN };
  await this.startVixy();
  const el = this.elNodes().size;
  await this.waitForStatus(`${el} EL nodes healthy`, 20, (s) =>
    s.el_nodes.every((n) => n.is_healthy),
  );
});

When(
  'EL node {string} is drained through the admin API',
  async function (this: VixyWorld, name: string) {
    const res = await httpRequest(this.requireVixy().url(`/admin/nodes/${name}/drain`), {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.status, 200, res.text);
  },
);

/** A new anvil node becomes el-primary-1: the config file is rewritten and Vixy reloads it. */
When(
  'a new EL node is added first among the primaries and Vixy gets SIGHUP',
  async function (this: VixyWorld) {
    const node = await AnvilNode.start({ chainId: 3001 });
    this.primaries = [node, ...this.primaries];
    const vixy = this.requireVixy();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(vixy.configPath, renderConfig(this.configInput()));
    assert.ok(vixy.signal('SIGHUP'), 'could not send SIGHUP');
  },
);

Then('Vixy logged {string}', async function (this: VixyWorld, text: string) {
  await waitFor(
    `a log line "${text}"`,
    () =>
      this.requireVixy()
        .logs()
        .split('\n')
        .some((l) => logLineMatches(l, text)) || undefined,
    { timeoutMs: 5000 },
  );
});

Then(
  'Vixy logged {string} with {string}',
  async function (this: VixyWorld, message: string, fields: string) {
    await waitFor(
      `a log line "${message}" with "${fields}"`,
      () =>
        this.requireVixy()
          .logs()
          .split('\n')
          .some((l) => logLineMatches(l, message, fields)) || undefined,
      { timeoutMs: 5000 },
    );
  },
);

When(
  '{int} eth_chainId calls are in flight through \\/el',
  async function (this: OpsWorld, n: number) {
    const url = this.requireVixy().url('/el');
    this.inFlight = Promise.all(
      Array.from({ length: n }, (_, i) =>
        httpRequest(url, {
          body: { jsonrpc: '2.0', id: i, method: 'eth_chainId', params: [] },
          timeoutMs: 15_000,
        }),
      ),
    );
    await sleep(300);
  },
);

When(
  'EL node {string} is thawed after {int} second(s)',
  async function (this: VixyWorld, name: string, seconds: number) {
    await sleep(seconds * 1000);
    await this.elNode(name).thaw();
  },
);

Then(
  'the {int} calls in flight were answered with a result',
  async function (this: OpsWorld, n: number) {
    assert.ok(this.inFlight, 'no calls in flight');
    const answers = await this.inFlight;
    assert.equal(answers.length, n);
    for (const { status, text } of answers) {
      assert.equal(status, 200, text);
      assert.ok('result' in (JSON.parse(text) as object), text);
    }
  },
);

Given('Vixy is running in front of them with LOG_LEVEL debug', async function (this: VixyWorld) {
  await this.startVixy({ LOG_LEVEL: 'debug' });
  await this.waitForStatus('EL nodes healthy', 20, (s) => s.el_nodes.every((n) => n.is_healthy));
});

When(
  'eth_chainId is posted to \\/el with X-Request-Id {string}',
  async function (this: VixyWorld, id: string) {
    const res = await httpRequest(this.requireVixy().url('/el'), {
      body: { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
      headers: { 'x-request-id': id },
    });
    assert.equal(res.status, 200, res.text);
  },
);
