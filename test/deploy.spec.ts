import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/bootstrap';
import { parseConfig, parseListen } from '../src/config';

// The deployment files must stay consistent with the CLI, the routes and the build.

const root = join(__dirname, '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const manifest = readFileSync(join(root, 'deploy/kubernetes.yaml'), 'utf8');

/** The TOML text of the ConfigMap's `config.toml: |` block. */
function configMapToml(): string {
  const lines = manifest.split('\n');
  const start = lines.findIndex((l) => /^\s+config\.toml: \|$/.test(l));
  expect(start).toBeGreaterThan(-1);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && !line.startsWith('    ')) break;
    body.push(line.slice(4));
  }
  return body.join('\n');
}

function probePath(kind: 'livenessProbe' | 'readinessProbe'): string {
  const match = new RegExp(`${kind}:\\s*\\n\\s*httpGet: \\{ path: (\\S+), port: (\\w+) \\}`).exec(
    manifest,
  );
  expect(match).not.toBeNull();
  return match![1];
}

describe('deployment files', () => {
  const config = parseConfig(configMapToml(), 'deploy/kubernetes.yaml');
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createApp(config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('ships a ConfigMap with a valid config', () => {
    expect(config.el.primary.length).toBeGreaterThan(0);
  });

  it('probes routes that exist', async () => {
    for (const path of [probePath('livenessProbe'), probePath('readinessProbe')]) {
      const res = await app.inject({ method: 'GET', url: path });
      expect([200, 503]).toContain(res.statusCode);
      expect(res.json()).toHaveProperty('status');
    }
    expect(probePath('livenessProbe')).toBe('/health');
    expect(probePath('readinessProbe')).toBe('/health/ready');
  });

  it('exposes the ports that the config and args listen on', () => {
    const args = /args: \[([^\]]+)\]/.exec(manifest)![1];
    const listen = /["']--listen["'], ["']([^"']+)["']/.exec(args)![1];
    const { port } = parseListen(listen)!;
    expect(manifest).toContain(`{ name: http, containerPort: ${port} }`);
    expect(manifest).toContain(`{ name: metrics, containerPort: ${config.metrics.port} }`);
    expect(manifest).toMatch(new RegExp(`prometheus.io/port: ["']${config.metrics.port}["']`));
    expect(/["']--config["'], ["']([^"']+)["']/.exec(args)![1]).toBe('/etc/vixy/config.toml');
    expect(manifest).toContain('mountPath: /etc/vixy');
  });

  it('builds the entry point the Dockerfile runs, with a health check on /health', () => {
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "dist\/main.js"\]/);
    expect(existsSync(join(root, 'src/main.ts'))).toBe(true);
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: 'src' });
    const listen = /CMD \[.*"--listen", "([^"]+)"\]/.exec(dockerfile)![1];
    const { port } = parseListen(listen)!;
    expect(dockerfile).toContain(`EXPOSE ${port}`);
    expect(dockerfile).toContain(`http://127.0.0.1:${port}/health`);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('npm prune --omit=dev');
  });
});
