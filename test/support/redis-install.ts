import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { spawnManaged } from './processes';
import { sleep } from './wait';

/**
 * redis-server comes from the Debian package (Redis 7), not from npm: the tests that
 * need one install it the first time, with a visible line, so that `npm ci && npm
 * test` works on a fresh machine. `ts-node test/support/redis-install.ts` runs it
 * from an npm script; specs call ensureRedisInstalled() (a no-op when it is there).
 */

export const REDIS_PACKAGE = 'redis-server';
/** apt-get update and install take 10-60 s; bound them generously. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
/** Jest workers may all want it at once: one installs, the others wait for the lock. */
const LOCK_DIR = join(tmpdir(), 'vixy-redis-install.lock');
const LOCK_STALE_MS = INSTALL_TIMEOUT_MS + 60_000;

/** The path of `redis-server` on PATH (or in the Debian package's place), or undefined. */
export function redisServerBinary(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of [...dirs, '/usr/bin', '/usr/local/bin']) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

let install: Promise<string> | undefined;

/** Installs redis-server with apt-get when it is missing; resolves with its path. */
export function ensureRedisInstalled(): Promise<string> {
  const found = redisServerBinary();
  if (found !== undefined) return Promise.resolve(found);
  install ??= installLocked().finally(() => {
    install = undefined;
  });
  return install;
}

async function installLocked(): Promise<string> {
  await acquireLock();
  try {
    // Another process may have installed it while this one waited.
    return redisServerBinary() ?? (await runApt());
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

async function acquireLock(): Promise<void> {
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockAge() > LOCK_STALE_MS || Date.now() > deadline) {
      rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    await sleep(500);
  }
}

function lockAge(): number {
  try {
    return Date.now() - statSync(LOCK_DIR).mtimeMs;
  } catch {
    return 0;
  }
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

async function runApt(): Promise<string> {
  const started = Date.now();
  const script =
    'apt-get update && ' + `apt-get install -y --no-install-recommends ${REDIS_PACKAGE}`;
  let command = 'sh';
  let args = ['-c', script];
  if (!isRoot()) {
    if (!hasCommand('sudo')) throw cannotInstall('not root and no sudo to run apt-get');
    command = 'sudo';
    args = ['-n', 'sh', '-c', script];
  }
  if (!hasCommand('apt-get')) throw cannotInstall('apt-get is not available');
  process.stderr.write(
    `installing ${REDIS_PACKAGE} (Debian package) for the Redis tests (once, 10-60 s): ${script}\n`,
  );
  const apt = spawnManaged('apt-get (redis-server)', command, args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    logLines: 400,
  });
  const { code, signal } = await apt.waitForExit(INSTALL_TIMEOUT_MS).catch(async (err) => {
    await apt.kill();
    throw err;
  });
  const binary = redisServerBinary();
  if (code !== 0 || binary === undefined) {
    throw cannotInstall(
      `apt-get exit code ${String(code)}, signal ${String(signal)}; output:\n${apt.logs.tail(40)}`,
    );
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stderr.write(`${REDIS_PACKAGE} installed in ${seconds} s (${binary})\n`);
  return binary;
}

function cannotInstall(why: string): Error {
  return new Error(
    `redis-server is not installed and cannot be installed here (${why}). ` +
      `Install the Debian package by hand: apt-get install -y --no-install-recommends ${REDIS_PACKAGE}`,
  );
}

if (require.main === module) {
  ensureRedisInstalled().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
