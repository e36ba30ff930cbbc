import { strict as assert } from 'node:assert';
import { Then, When } from '@cucumber/cucumber';
import { httpRequest, type HttpResponse } from '../../test/support';
import { type VixyWorld } from '../support/world';

// anvil's first dev account (unlocked): eth_sendTransaction is signed by the node.
const DEV = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const TO = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';

interface SafetyWorld extends VixyWorld {
  sent?: HttpResponse;
  sending?: Promise<HttpResponse>;
}

function sendTransaction(world: SafetyWorld): Promise<HttpResponse> {
  return httpRequest(world.requireVixy().url('/el'), {
    body: {
      jsonrpc: '2.0',
      id: 'tx-1',
      method: 'eth_sendTransaction',
      params: [{ from: DEV, to: TO, value: '0x1' }],
    },
    timeoutMs: 15_000,
  });
}

When('a dev account sends a transaction through \\/el', async function (this: SafetyWorld) {
  this.sent = await sendTransaction(this);
});

When('a dev account starts sending a transaction through \\/el', function (this: SafetyWorld) {
  this.sending = sendTransaction(this);
});

Then('the transaction is answered with its hash', async function (this: SafetyWorld) {
  const res = await this.sending!;
  const answer = JSON.parse(res.text) as { id: string; result?: string };
  assert.equal(res.status, 200, res.text);
  assert.match(answer.result ?? '', /^0x[0-9a-f]{64}$/);
});

Then(
  'the account sent at most {int} transaction(s) on EL node {string} and none on {string}',
  async function (this: SafetyWorld, n: number, first: string, second: string) {
    const count = async (name: string) =>
      Number(await this.elNode(name).rpc('eth_getTransactionCount', [DEV, 'latest']));
    // Whether the frozen node runs a call whose connection Vixy closed is the node's business.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok((await count(first)) <= n);
    assert.equal(await count(second), 0);
  },
);

Then('the client is told the call was not re-sent, with its id', function (this: SafetyWorld) {
  const answer = JSON.parse(this.sent!.text) as {
    id: string;
    error?: { code: number; data?: unknown };
  };
  assert.equal(this.sent!.status, 504, this.sent!.text);
  assert.deepEqual(
    { id: answer.id, code: answer.error?.code, data: answer.error?.data },
    { id: 'tx-1', code: -32002, data: { reason: 'not_resent' } },
  );
});

Then(
  'the account sent exactly {int} transaction(s) on EL node {string} and none on {string}',
  async function (this: SafetyWorld, n: number, first: string, second: string) {
    const count = async (name: string) =>
      Number(await this.elNode(name).rpc('eth_getTransactionCount', [DEV, 'latest']));
    // The frozen node takes the call it had received once it runs again.
    const deadline = Date.now() + 10_000;
    while ((await count(first)) < n && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await count(first), n);
    assert.equal(await count(second), 0);
  },
);

Then(
  'a batch of {int} eth_chainId calls through \\/el is answered in full, in order, by both nodes',
  async function (this: SafetyWorld, n: number) {
    const batch = Array.from({ length: n }, (_, i) => ({
      jsonrpc: '2.0',
      id: i + 1,
      method: 'eth_chainId',
      params: [],
    }));
    const res = await httpRequest(this.requireVixy().url('/el'), { body: batch });
    assert.equal(res.status, 200, res.text);
    const answers = JSON.parse(res.text) as { id: number; result?: string }[];
    assert.deepEqual(
      answers.map((a) => a.id),
      batch.map((c) => c.id),
    );
    const chains = new Set(answers.map((a) => a.result));
    const expected = ['el-primary-1', 'el-primary-2'].map(
      (name) => `0x${this.elNode(name).chainId.toString(16)}`,
    );
    assert.deepEqual([...chains].sort(), expected.sort(), res.text);
  },
);
