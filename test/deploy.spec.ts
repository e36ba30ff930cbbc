import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { parseAllDocuments } from 'yaml';
import { createApp } from '../src/bootstrap';
import { type Config, parseConfig, parseListen } from '../src/config';
import { healthUrl } from '../src/healthcheck';
import { freePort } from './support/ports';
import { makeTempDir } from './support/tempdirs';

// The deployment files must stay consistent with the CLI, the routes, the config and
// the build. There is no Docker engine or cluster here: what can be checked without
// one is checked here.

const run = promisify(execFile);
const root = join(__dirname, '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects, read as parsed */
type K8s = any;
const manifests: K8s[] = [
  ...parseAllDocuments(readFileSync(join(root, 'deploy/kubernetes.yaml'), 'utf8')),
  ...parseAllDocuments(readFileSync(join(root, 'deploy/servicemonitor.yaml'), 'utf8')),
].map((d) => d.toJS());
const kind = (k: string): K8s => {
  const found = manifests.find((m) => m.kind === k);
  expect(found).toBeDefined();
  return found;
};
const deployment = kind('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const service = kind('Service');
const configMap = kind('ConfigMap');

/** The value after `flag` in a list of arguments. */
function argOf(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

function containerPort(name: string): number {
  const port = container.ports.find((p: K8s) => p.name === name);
  expect(port).toBeDefined();
  return port.containerPort;
}

/** Dockerfile instructions of one kind, continuation lines joined. */
function instructions(name: string): string[] {
  return dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1).trim());
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('deploy/kubernetes.yaml', () => {
  const config: Config = parseConfig(configMap.data['config.toml'], 'deploy/kubernetes.yaml');
  let app: NestFastifyApplication;

  beforeAll(async () => {
    register.clear();
    app = await createApp(config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app?.close();
    register.clear();
  });

  it('ships a ConfigMap with a valid config, mounted where --config points', () => {
    expect(config.el.primary.length).toBeGreaterThan(0);
    const configPath = argOf(container.args, '--config');
    const mount = container.volumeMounts.find((m: K8s) => m.name === 'config');
    const volume = pod.volumes.find((v: K8s) => v.name === 'config');
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    expect(configPath).toBe(`${mount.mountPath}/config.toml`);
    expect(mount.readOnly).toBe(true);
  });

  it('probes routes that exist, on the port the config listens on', async () => {
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      const res = await app.inject({ method: 'GET', url: probe.httpGet.path });
      expect([200, 503]).toContain(res.statusCode);
      expect(res.json()).toHaveProperty('status');
      expect(probe.httpGet.port).toBe('http');
    }
    const listen = argOf(container.args, '--listen') ?? config.server.listen;
    expect(containerPort('http')).toBe(parseListen(listen)!.port);
  });

  it('exposes metrics on the port of [metrics].port, in the Service and the annotations', () => {
    expect(containerPort('metrics')).toBe(config.metrics.port);
    const annotations = deployment.spec.template.metadata.annotations;
    expect(annotations['prometheus.io/port']).toBe(String(config.metrics.port));
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    for (const port of service.spec.ports) {
      expect(container.ports.map((p: K8s) => p.name)).toContain(port.targetPort);
    }
    expect(matches(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
  });

  it('gives the shutdown the time it takes: preStop, then the delay, then the drain', () => {
    expect(config.server.shutdown_delay_ms).toBe(5000);
    const [command, seconds] = container.lifecycle.preStop.exec.command;
    expect(command).toBe('sleep');
    const needed =
      Number(seconds) + (config.server.shutdown_delay_ms + config.server.shutdown_grace_ms) / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(needed);
  });

  it('runs hardened: non-root, read-only root filesystem, no privilege escalation, no capabilities', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('keeps a pod up through voluntary disruptions', () => {
    const pdb = kind('PodDisruptionBudget');
    expect(matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(
      true,
    );
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });

  it('has a ServiceMonitor that scrapes the metrics port of the Service', () => {
    const monitor = kind('ServiceMonitor');
    expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    const [endpoint] = monitor.spec.endpoints;
    expect(service.spec.ports.map((p: K8s) => p.name)).toContain(endpoint.port);
    expect(endpoint.path).toBe('/metrics');
  });
});

describe('Dockerfile', () => {
  const stages = instructions('FROM');
  const runs = instructions('RUN');

  it('runs the entry point the build produces, as a non-root user', () => {
    expect(instructions('ENTRYPOINT')).toEqual(['["node", "dist/main.js"]']);
    expect(existsSync(join(root, 'src/main.ts'))).toBe(true);
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: 'src' });
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('reads the config from where VIXY_CONFIG says, and the health check follows it', () => {
    const cmd = JSON.parse(instructions('CMD')[0]) as string[];
    const env = instructions('ENV').join(' ');
    const configPath = argOf(cmd, '--config');
    expect(env).toContain(`VIXY_CONFIG=${configPath}`);
    // The port comes from [server].listen: no --listen, no port in the health check.
    expect(argOf(cmd, '--listen')).toBeUndefined();
    const healthcheck = instructions('HEALTHCHECK')[0];
    expect(healthcheck).toMatch(/CMD \["node", "dist\/healthcheck.js"\]$/);
    expect(healthcheck).not.toMatch(/127\.0\.0\.1|localhost|:\d{2,5}\b/);
    expect(existsSync(join(root, 'src/healthcheck.ts'))).toBe(true);
  });

  it('exposes the default listen port and the metrics port of the shipped manifest', () => {
    const exposed = instructions('EXPOSE')[0].split(/\s+/).map(Number);
    const defaults = parseConfig('[[cl]]\nname = "c"\nurl = "http://h:1"\n', 'defaults.toml');
    expect(exposed).toContain(parseListen(defaults.server.listen)!.port);
    expect(exposed).toContain(containerPort('metrics'));
  });

  it('builds in one stage and installs production dependencies without TypeScript in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(runs).toContain('npm run build');
    const production = runs.find((r) => r.includes('--omit=dev'));
    expect(production).toMatch(/npm ci --omit=dev --omit=optional/);
    // TypeScript is the only optional package of the production tree (a peer of @nestjs/swagger).
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
    };
    const optionalInProduction = Object.entries(lock.packages)
      .filter(([, p]) => !p.dev && (p.optional || p.devOptional))
      .map(([path]) => path);
    expect(optionalInProduction).toEqual(['node_modules/typescript']);
    for (const source of dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(.+) \S+$/gm)) {
      for (const path of source[1].split(/\s+/)) expect(existsSync(join(root, path))).toBe(true);
    }
  });
});

describe('dist/healthcheck.js', () => {
  it('finds /health on the address of [server].listen', () => {
    const dir = makeTempDir('healthcheck');
    const file = (listen: string) => {
      const path = join(dir, `${listen.replace(/\W/g, '_')}.toml`);
      writeFileSync(path, `[server]\nlisten = "${listen}"\n`);
      return path;
    };
    expect(healthUrl(file('0.0.0.0:9000')).href).toBe('http://127.0.0.1:9000/health');
    expect(healthUrl(file('[::]:9001')).href).toBe('http://[::1]:9001/health');
    expect(healthUrl(file('10.0.0.5:80')).href).toBe('http://10.0.0.5/health');
    const none = join(dir, 'none.toml');
    writeFileSync(none, '[[cl]]\nname = "c"\nurl = "http://h:1"\n');
    expect(healthUrl(none).href).toBe('http://127.0.0.1:8080/health');
  });

  it('exits 0 while /health answers 200 and 1 when nothing listens', async () => {
    register.clear();
    const port = await freePort();
    const dir = makeTempDir('healthcheck');
    const path = join(dir, 'config.toml');
    const text = `[server]\nlisten = "127.0.0.1:${port}"\n[[cl]]\nname = "c"\nurl = "http://127.0.0.1:9"\n`;
    writeFileSync(path, text);
    const check = () =>
      run(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', join(root, 'src/healthcheck.ts')],
        {
          env: { ...process.env, VIXY_CONFIG: path },
          timeout: 20_000,
        },
      );
    await expect(check()).rejects.toMatchObject({ code: 1 });
    const app = await createApp(parseConfig(text, path));
    try {
      await app.listen(port, '127.0.0.1');
      await expect(check()).resolves.toBeDefined();
    } finally {
      await app.close();
      register.clear();
    }
  });
});
