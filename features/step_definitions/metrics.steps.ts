import { Given, Then, When } from '@cucumber/cucumber';
import { freePort, httpRequest, waitFor } from '../../test/support';
import { type Exposition, parseExposition, sampleValue } from '../../test/metrics-exposition';
import { type VixyWorld } from '../support/world';

// Steps of @metrics: scraping a running Vixy the way Prometheus does. The metrics
// port, when a scenario sets one, lives in world.sections.metrics.port.

function metricsPort(world: VixyWorld): number | undefined {
  const port = world.sections.metrics?.port;
  return typeof port === 'number' ? port : undefined;
}

/** Where Prometheus would scrape this Vixy. */
function metricsUrl(world: VixyWorld, path = '/metrics'): string {
  const port = metricsPort(world);
  return port === undefined ? world.requireVixy().url(path) : `http://127.0.0.1:${port}${path}`;
}

async function scrape(world: VixyWorld): Promise<Exposition> {
  const res = await httpRequest(metricsUrl(world), { timeoutMs: 2000 });
  if (res.status !== 200) throw new Error(`GET ${metricsUrl(world)} answered ${res.status}`);
  return parseExposition(res.text);
}

function nodeLabels(node: string | undefined): Record<string, string> {
  return node === undefined ? {} : { node };
}

function describeSample(name: string, node: string | undefined): string {
  return node === undefined ? name : `${name}{node="${node}"}`;
}

/** Scrapes until `check` holds for the sample's value; the last value is in the error. */
async function waitForSample(
  world: VixyWorld,
  seconds: number,
  name: string,
  node: string | undefined,
  what: string,
  check: (value: number | undefined) => boolean,
): Promise<number | undefined> {
  let last: number | undefined;
  try {
    return await waitFor(
      `${describeSample(name, node)} ${what}`,
      async () => {
        last = sampleValue(await scrape(world), name, nodeLabels(node));
        return check(last) ? { value: last } : undefined;
      },
      { timeoutMs: seconds * 1000, intervalMs: 100 },
    ).then((r) => r.value);
  } catch (err) {
    throw new Error(`${String(err)}\nlast value: ${String(last)}`, { cause: err });
  }
}

async function expectSample(
  world: VixyWorld,
  name: string,
  node: string | undefined,
  expected: number,
): Promise<void> {
  const value = sampleValue(await scrape(world), name, nodeLabels(node));
  if (value !== expected) {
    throw new Error(`${describeSample(name, node)}: expected ${expected}, got ${String(value)}`);
  }
}

Given('Vixy serves its metrics on a port of their own', async function (this: VixyWorld) {
  this.sections.metrics = { ...this.sections.metrics, port: await freePort() };
});

Given("Vixy's metrics are disabled", function (this: VixyWorld) {
  this.sections.metrics = { ...this.sections.metrics, enabled: false };
});

Then(
  'within {int} second(s) the metric {word} for node {string} is {int}',
  async function (this: VixyWorld, seconds: number, name: string, node: string, expected: number) {
    await waitForSample(this, seconds, name, node, `= ${expected}`, (v) => v === expected);
  },
);

Then(
  'within {int} second(s) the metric {word} is {int}',
  async function (this: VixyWorld, seconds: number, name: string, expected: number) {
    await waitForSample(this, seconds, name, undefined, `= ${expected}`, (v) => v === expected);
  },
);

Then(
  'the metric {word} for node {string} is {int}',
  async function (this: VixyWorld, name: string, node: string, expected: number) {
    await expectSample(this, name, node, expected);
  },
);

Then(
  'the metric {word} is {int}',
  async function (this: VixyWorld, name: string, expected: number) {
    await expectSample(this, name, undefined, expected);
  },
);

Then(
  'the metric {word} for node {string} is at most {int}',
  async function (this: VixyWorld, name: string, node: string, max: number) {
    const value = sampleValue(await scrape(this), name, { node });
    if (value === undefined || value > max) {
      throw new Error(`${describeSample(name, node)}: expected at most ${max}, got ${value}`);
    }
  },
);

Then(
  'the metric {word} with {word} {string} is at least {int}',
  async function (this: VixyWorld, name: string, label: string, value: string, min: number) {
    const found = sampleValue(await scrape(this), name, { [label]: value });
    if (found === undefined || found < min) {
      throw new Error(`${name}{${label}="${value}"}: expected at least ${min}, got ${found}`);
    }
  },
);

When(
  '{int} {word} calls are made through Vixy',
  async function (this: VixyWorld, calls: number, method: string) {
    const url = this.requireVixy().url('/el');
    for (let id = 1; id <= calls; id++) {
      const res = await httpRequest(url, {
        body: { jsonrpc: '2.0', id, method, params: [] },
        timeoutMs: 5000,
      });
      if (res.status !== 200) {
        throw new Error(`call ${id} of ${method}: HTTP ${res.status}: ${res.text.slice(0, 300)}`);
      }
    }
  },
);

Then(
  'within {int} second(s) the metric {word} for node {string} rises',
  async function (this: VixyWorld, seconds: number, name: string, node: string) {
    const first = sampleValue(await scrape(this), name, { node });
    if (first === undefined) throw new Error(`${describeSample(name, node)} is not exposed`);
    await waitForSample(this, seconds, name, node, `above ${first}`, (v) => (v ?? 0) > first);
  },
);

Then('the metrics port serves the Vixy metrics', async function (this: VixyWorld) {
  if (metricsPort(this) === undefined) throw new Error('this scenario set no metrics port');
  const exposition = await scrape(this);
  for (const family of [
    'vixy_el_node_healthy',
    'vixy_el_requests_total',
    'process_cpu_seconds_total',
  ]) {
    if (!exposition.types.has(family))
      throw new Error(`the metrics port does not expose ${family}`);
  }
});

Then(
  'the metrics port answers {int} to GET {string}',
  async function (this: VixyWorld, status: number, path: string) {
    const res = await httpRequest(metricsUrl(this, path), { timeoutMs: 2000 });
    if (res.status !== status) {
      throw new Error(`GET ${path} on the metrics port: expected ${status}, got ${res.status}`);
    }
  },
);
