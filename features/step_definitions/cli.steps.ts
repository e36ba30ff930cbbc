import { strict as assert } from 'node:assert';
import { Given, Then, When } from '@cucumber/cucumber';
import { parse, stringify } from 'smol-toml';
import {
  freePort,
  isPortFree,
  VixyProcess,
  withTimeout,
  writeConfigFile,
} from '../../test/support';
import { type VixyWorld } from '../support/world';

// Steps of cli.feature: run the built binary to completion and read what it says.

const VALID_CONFIG = {
  el: {
    primary: [
      { name: 'el-primary-1', http_url: 'http://127.0.0.1:8545', ws_url: 'ws://127.0.0.1:8546' },
      { name: 'el-primary-2', http_url: 'http://127.0.0.1:8547', ws_url: 'ws://127.0.0.1:8548' },
    ],
  },
  cl: [{ name: 'cl-1', url: 'http://127.0.0.1:5052' }],
};

interface CliWorld extends VixyWorld {
  configPath?: string;
  listenPort?: number;
}

/** Sets `el.primary[1].ws_url`-style paths in a plain object. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');
  let node: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
}

function writeConfig(world: CliWorld, text: string): void {
  world.configText = text;
  world.configPath = writeConfigFile(text);
}

Given('a valid config', function (this: CliWorld) {
  writeConfig(this, stringify(VALID_CONFIG));
});

Given(
  /^a valid config where (\S+) is (.+)$/,
  function (this: CliWorld, path: string, value: string) {
    const doc = structuredClone(VALID_CONFIG) as unknown as Record<string, unknown>;
    if (path.startsWith('global.')) doc.global = {};
    setPath(doc, path, parse(`v = ${value}`).v);
    writeConfig(this, stringify(doc));
  },
);

Given('the config file:', function (this: CliWorld, text: string) {
  writeConfig(this, text);
});

async function runVixy(world: CliWorld, args: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const argv = args
    .split(' ')
    .filter((a) => a !== '')
    .map((a) => (a === '{config}' ? (world.configPath ?? '') : a));
  world.run = await VixyProcess.run(argv, { timeoutMs: 10_000, env });
}

When('I run vixy with {string}', async function (this: CliWorld, args: string) {
  await runVixy(this, args);
});

When(
  'I run vixy with {string} and VIXY_CONFIG set to the config file',
  async function (this: CliWorld, args: string) {
    assert.ok(this.configPath, 'no config file was written');
    await runVixy(this, args, { VIXY_CONFIG: this.configPath });
  },
);

When('I start vixy with that config', async function (this: CliWorld) {
  this.listenPort = await freePort();
  await runVixy(this, `--config {config} --listen 127.0.0.1:${this.listenPort}`);
});

Then('it exits with code {int}', function (this: CliWorld, code: number) {
  assert.ok(this.run, 'vixy was not run');
  assert.equal(
    this.run.code,
    code,
    `exit code\nstdout: ${this.run.stdout}\nstderr: ${this.run.stderr}`,
  );
});

Then('stdout contains {string}', function (this: CliWorld, text: string) {
  assert.ok(this.run?.stdout.includes(text), `stdout lacks ${text}:\n${this.run?.stdout}`);
});

Then('stderr contains {string}', function (this: CliWorld, text: string) {
  assert.ok(this.run?.stderr.includes(text), `stderr lacks ${text}:\n${this.run?.stderr}`);
});

Then('stderr is:', function (this: CliWorld, text: string) {
  assert.equal(this.run?.stderr.trimEnd(), text.trimEnd());
});

// A regular expression, not {string}: the messages themselves contain quotes.
Then(/^stderr names the config file and says "(.*)"$/, function (this: CliWorld, quoted: string) {
  const message = quoted.replace(/\\"/g, '"');
  const stderr = this.run?.stderr ?? '';
  assert.ok(
    stderr.startsWith(`vixy: invalid config ${this.configPath}:\n`),
    `stderr does not name ${this.configPath}:\n${stderr}`,
  );
  assert.ok(stderr.split('\n').includes(`  ${message}`), `stderr lacks "${message}":\n${stderr}`);
});

Then('nothing listens on the port it was given', async function (this: CliWorld) {
  assert.ok(this.listenPort, 'no port was given');
  assert.ok(!/listening on/.test(this.run?.stdout ?? ''), 'vixy said it was listening');
  assert.ok(await isPortFree(this.listenPort), `port ${this.listenPort} is in use`);
});

Given('Vixy is running', async function (this: VixyWorld) {
  await this.startVixy();
});

When('I send {word} to Vixy', function (this: VixyWorld, signal: NodeJS.Signals) {
  assert.ok(this.requireVixy().signal(signal), `could not send ${signal}`);
});

Then(
  'Vixy exits with code {int} within {int} seconds',
  async function (this: VixyWorld, code: number, seconds: number) {
    const vixy = this.requireVixy();
    const info = await withTimeout(`Vixy to exit`, vixy.exited, seconds * 1000);
    assert.equal(info.code, code, `exit ${JSON.stringify(info)}\n${vixy.logs()}`);
    assert.ok(/SIGTERM|SIGINT/.test(vixy.logs()), 'Vixy did not log the signal');
  },
);
