// The package as a company gets it: `npm pack`, the tarball installed into a copy of
// examples/company-gateway outside this repository (from the npm cache where it can),
// the example compiled against the installed type declarations, then the built gateway
// run against local nodes: API keys refused and accepted, debug_* routed to the archive
// node, SIGTERM exits 0. Needs `npm run build` first (npm test does it).
//
//   npx ts-node scripts/package-check.ts [--keep]
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { httpRequest } from '../test/support/http';
import { freePort } from '../test/support/ports';
import { spawnManaged } from '../test/support/processes';
import { makeTempDir, removeTempDir } from '../test/support/tempdirs';
import { waitFor } from '../test/support/wait';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const EXAMPLE = join(ROOT, 'examples', 'company-gateway');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const KEY = 'tenant-a-key-0123456789';

function step(text: string, startedAt: number): void {
  process.stdout.write(
    `package-check: ${text} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)\n`,
  );
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`package-check: ${what}`);
}

/** A node answering eth_blockNumber with 0x64 and every other call with its name. */
async function startNode(name: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url?.startsWith('/eth/')) {
        // A synced beacon node: health 200, not syncing, a head slot.
        const data = req.url.includes('syncing')
          ? { is_syncing: false, is_optimistic: false, sync_distance: '0', head_slot: '100' }
          : { header: { message: { slot: '100' } } };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
        return;
      }
      const call = JSON.parse(body || '{}') as { id?: unknown; method?: string };
      const result = call.method === 'eth_blockNumber' ? '0x64' : name;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', id: call.id ?? null, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  check(
    existsSync(join(ROOT, 'dist', 'index.js')),
    'dist/index.js is missing: run `npm run build`',
  );
  const keep = process.argv.includes('--keep');
  const work = keep
    ? mkdtempSync(join(tmpdir(), 'vixy-package-check-'))
    : makeTempDir('package-check');
  const servers: Server[] = [];
  try {
    // 1. The tarball, without rebuilding (prepack would): dist is fresh from npm test.
    const { stdout } = await run(
      NPM,
      ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
      {
        cwd: ROOT,
      },
    );
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    const files = packed.files.map((f) => f.path);
    for (const needed of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/main.js',
      'package.json',
      'README.md',
    ]) {
      check(files.includes(needed), `the tarball lacks ${needed}`);
    }
    const strays = files.filter((f) => /^(src|test|features|bench|scripts|examples)\//.test(f));
    check(strays.length === 0, `the tarball carries ${strays.slice(0, 5).join(', ')}`);
    check(!files.some((f) => f.endsWith('.spec.js')), 'the tarball carries compiled specs');
    step(`packed ${packed.filename}: ${files.length} files`, startedAt);

    // 2. The example, outside the repository, depending on the tarball.
    const app = join(work, 'company-gateway');
    for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src']) {
      cpSync(join(EXAMPLE, entry), join(app, entry), { recursive: true });
    }
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    manifest.dependencies.vixy = `file:${join(work, packed.filename)}`;
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    // Production dependencies only: the example is compiled with this repository's tsc.
    const install = ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'];
    await run(NPM, [...install, '--ignore-scripts'], {
      cwd: app,
      timeout: 300_000,
    });
    step('installed the tarball into a copy of examples/company-gateway', startedAt);

    // 3. Compiled against the installed declarations (dist/index.d.ts, "exports").
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const typeRoots = join(ROOT, 'node_modules', '@types');
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--typeRoots', typeRoots], {
      cwd: app,
    });
    step('compiled the example against the installed types', startedAt);

    // 4. Run: API keys, archive routing, SIGTERM.
    const [p1, archive, cl] = await Promise.all(['geth-1', 'archive-1', 'cl-1'].map(startNode));
    servers.push(p1.server, archive.server, cl.server);
    const port = await freePort();
    const config = join(work, 'gateway.toml');
    const el = (table: string, name: string, url: string) =>
      `[[el.${table}]]\nname = "${name}"\nhttp_url = "${url}"\nws_url = "${url.replace('http', 'ws')}"\n`;
    writeFileSync(
      config,
      `[global]\nhealth_check_interval_ms = 200\n[server]\nlisten = "127.0.0.1:${port}"\n` +
        el('primary', 'geth-1', p1.url) +
        el('backup', 'archive-1', archive.url) +
        `[[cl]]\nname = "cl-1"\nurl = "${cl.url}"\n`,
    );
    const gateway = spawnManaged(
      'company-gateway',
      process.execPath,
      [join(app, 'dist', 'main.js'), '--config', config],
      {
        cwd: app,
        env: { ...process.env, GATEWAY_API_KEYS: `tenant-a:${KEY}`, LOG_LEVEL: 'warn' },
      },
    );
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        'the gateway to be ready',
        async () =>
          (await httpRequest(`${base}/health/ready`).catch(() => null))?.status === 200
            ? true
            : undefined,
        {
          timeoutMs: 20_000,
          intervalMs: 100,
          abortIf: () => (gateway.running ? undefined : gateway.describe()),
        },
      );
      const call = (method: string, headers: Record<string, string>) =>
        httpRequest(`${base}/el`, { body: { jsonrpc: '2.0', id: 1, method, params: [] }, headers });
      check((await call('eth_chainId', {})).status === 401, '/el without a key was not refused');
      check(
        (await httpRequest(`${base}/cl/eth/v1/node/version`)).status === 401,
        '/cl without a key was not refused',
      );
      const ok = await call('eth_chainId', { 'x-api-key': KEY });
      check(
        ok.status === 200 && JSON.parse(ok.text).result === 'geth-1',
        `eth_chainId: ${ok.status} ${ok.text}`,
      );
      const trace = await call('debug_traceTransaction', { 'x-api-key': KEY });
      check(
        JSON.parse(trace.text).result === 'archive-1',
        `debug_* not sent to the archive node: ${trace.text}`,
      );
      gateway.signal('SIGTERM');
      const { code } = await gateway.waitForExit(15_000);
      check(code === 0, `the gateway exited with ${code}:\n${gateway.describe()}`);
      step(
        'ran the gateway: keys refused and accepted, debug_* on the archive node, SIGTERM exit 0',
        startedAt,
      );
    } finally {
      if (gateway.running) await gateway.kill();
    }
  } finally {
    for (const server of servers) server.close();
    if (keep) process.stdout.write(`package-check: kept ${work}\n`);
    else removeTempDir(work);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
