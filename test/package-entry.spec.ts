import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The package's public API (src/index.ts, package.json "exports"): importing it
// starts nothing, and the names a company builds on are there.

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string } | string>;
  files: string[];
};

function resources(): string[] {
  return [...process.getActiveResourcesInfo()].sort();
}

describe('the package entry', () => {
  let api: typeof import('../src/index');
  let before: string[];
  let signalListeners: number;

  beforeAll(() => {
    before = resources();
    signalListeners = ['SIGTERM', 'SIGINT', 'SIGHUP'].reduce(
      (n, s) => n + process.listenerCount(s),
      0,
    );
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      api = require('../src/index') as typeof import('../src/index');
    });
  });

  it('starts nothing when imported: no listener, no timer, no signal handler', () => {
    expect(resources()).toEqual(before);
    const after = ['SIGTERM', 'SIGINT', 'SIGHUP'].reduce((n, s) => n + process.listenerCount(s), 0);
    expect(after).toBe(signalListeners);
  });

  it('exports the application, the module and the version', () => {
    expect(typeof api.createVixyApp).toBe('function');
    expect(typeof api.startVixy).toBe('function');
    expect(typeof api.VixyModule.forRoot).toBe('function');
    expect(api.VIXY_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exports the routing seam', () => {
    for (const token of [
      api.EL_ROUTING_STRATEGY,
      api.CL_ROUTING_STRATEGY,
      api.CUSTOM_EL_ROUTING_STRATEGY,
      api.CUSTOM_CL_ROUTING_STRATEGY,
      api.VIXY_REQUEST_HOOK,
      api.VIXY_CONFIG,
    ]) {
      expect(typeof token).toBe('symbol');
    }
    expect(typeof api.InjectElRouting()).toBe('function');
    expect(typeof api.createRoutingStrategy).toBe('function');
    expect(typeof api.LatencyTracker).toBe('function');
    expect(typeof api.RoutingModule).toBe('function');
    expect(api.refuse(401, 'no key')).toEqual({ status: 401, message: 'no key' });
  });

  it('exports the node state read API and the config API', () => {
    expect(typeof api.NodeRegistry.prototype.el).toBe('function');
    expect(typeof api.InjectNodeState()).toBe('function');
    expect(typeof api.isAvailable).toBe('function');
    const config = api.parseConfig(
      '[[cl]]\nname = "cl-1"\nurl = "http://127.0.0.1:5052"\n',
      'entry.toml',
    );
    expect(api.configuredLayers(config)).toEqual({ el: false, cl: true });
    expect(() => api.parseConfig('', 'entry.toml')).toThrow(api.ConfigError);
    expect(typeof api.loadConfigFile).toBe('function');
    expect(api.redactUrl('https://u:p@h/v2/KEY')).toBe('https://***@h/v2/***');
    expect(typeof api.VixyLogger).toBe('function');
  });

  it('declares an entry, types and a bin that the build produces from src/', () => {
    const fromDist = (path: string) =>
      join(root, path.replace(/^\.?\/?dist\//, 'src/').replace(/\.(d\.ts|js)$/, '.ts'));
    const entry = pkg.exports['.'] as { types: string; default: string };
    for (const path of [pkg.main, pkg.types, entry.types, entry.default, pkg.bin.vixy]) {
      expect(path).toMatch(/^(\.\/)?dist\//);
      expect(existsSync(fromDist(path))).toBe(true);
    }
    expect(pkg.main).toBe('dist/index.js');
    expect(pkg.bin.vixy).toBe('dist/main.js');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/**/*.js', 'dist/**/*.d.ts']));
  });
});
