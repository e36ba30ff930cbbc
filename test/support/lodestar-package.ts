import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnManaged } from './processes';

/**
 * Lodestar 1.5.1 lives in its own npm project (test/support/lodestar), out of the
 * main `npm ci`: it is installed from its lockfile the first time the CL tests
 * or the demo need it (see ../shared/devnet/lodestar/README.md for the recipe).
 */

export const LODESTAR_DIR = resolve(__dirname, 'lodestar');
export const LODESTAR_VERSION = '1.5.1';
/** Bounds the install; the measured time is 78-98 s on 2 cores. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const PROGRESS_EVERY_MS = 15_000;

export function lodestarEntry(dir = LODESTAR_DIR): string {
  return join(dir, 'node_modules', '@chainsafe', 'lodestar', 'lib', 'index.js');
}

/** npm writes node_modules/.package-lock.json last, so its presence means a finished install. */
export function isLodestarInstalled(dir = LODESTAR_DIR): boolean {
  const modules = join(dir, 'node_modules');
  return (
    existsSync(join(modules, '@chainsafe', 'lodestar', 'package.json')) &&
    existsSync(join(modules, '.package-lock.json'))
  );
}

/** Settings a parent `npm run` exports that must not leak into the nested install. */
const KEPT_NPM_CONFIG = new Set([
  'npm_config_cache',
  'npm_config_userconfig',
  'npm_config_globalconfig',
  'npm_config_registry',
  'npm_config_cafile',
  'npm_config_proxy',
  'npm_config_https_proxy',
  'npm_config_noproxy',
  'npm_config_strict_ssl',
  'npm_config_nodedir',
]);

export function installEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (/^npm_/i.test(key) && !KEPT_NPM_CONFIG.has(key.toLowerCase())) continue;
    out[key] = value;
  }
  // node-gyp builds blst, c-kzg, bcrypto...: without local headers it tries to download them.
  if (out.npm_config_nodedir === undefined && existsSync('/usr/include/node/node_version.h')) {
    out.npm_config_nodedir = '/usr';
  }
  return out;
}

function npmCommand(): { command: string; prefixArgs: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && /npm-cli\.[cm]?js$/.test(execPath) && existsSync(execPath)) {
    return { command: process.execPath, prefixArgs: [execPath] };
  }
  return { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', prefixArgs: [] };
}

const installs = new Map<string, Promise<void>>();

/** Runs `npm ci` in the Lodestar project once, if it is not installed yet. */
export function ensureLodestarInstalled(dir = LODESTAR_DIR): Promise<void> {
  if (isLodestarInstalled(dir)) return Promise.resolve();
  let install = installs.get(dir);
  if (install === undefined) {
    install = runInstall(dir);
    installs.set(dir, install);
    install.catch(() => installs.delete(dir));
  }
  return install;
}

async function runInstall(dir: string): Promise<void> {
  const started = Date.now();
  const elapsed = (): number => Math.round((Date.now() - started) / 1000);
  process.stderr.write(
    `installing Lodestar ${LODESTAR_VERSION} for the CL tests (about 90 s, once) in ${dir} ...\n`,
  );
  const progress = setInterval(
    () => process.stderr.write(`  ... still installing Lodestar (${elapsed()} s)\n`),
    PROGRESS_EVERY_MS,
  );
  const { command, prefixArgs } = npmCommand();
  const npm = spawnManaged(
    'npm ci (lodestar)',
    command,
    [...prefixArgs, 'ci', '--no-audit', '--no-fund'],
    { cwd: dir, env: installEnv(), logLines: 400 },
  );
  try {
    const { code, signal } = await npm.waitForExit(INSTALL_TIMEOUT_MS).catch(async (err) => {
      await npm.kill();
      throw err;
    });
    if (code !== 0 || !isLodestarInstalled(dir)) {
      throw new Error(
        `installing Lodestar failed (npm ci exit code ${String(code)}, signal ${String(signal)}).\n` +
          `It needs g++, make, python3 and Node headers (nodedir=/usr). npm output:\n${npm.logs.tail(60)}`,
      );
    }
    process.stderr.write(`Lodestar ${LODESTAR_VERSION} installed in ${elapsed()} s\n`);
  } finally {
    clearInterval(progress);
  }
}
