import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
// class-transformer keeps @Type() metadata in a storage its index does not export.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: import('class-transformer/types/MetadataStorage').MetadataStorage;
};
import { VixyConfig } from '../src/config/config.schema';
import { M } from '../src/metrics/metrics.providers';

// The manual keeps up with the code: every config key and every metric is documented.

const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const configuration = read('docs/configuration.md');
const api = read('docs/api.md');

/** The keys of a schema class, as class-validator knows them (every key is validated). */
function keysOf(target: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

/** The text of the configuration chapter under a heading that names `table`. */
function section(table: string): string {
  const start = configuration.split('\n').findIndex((l) => /^## /.test(l) && l.includes(table));
  expect(start).toBeGreaterThan(-1);
  const rest = configuration.split('\n').slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('## '));
  return rest.slice(0, end === -1 ? undefined : end).join('\n');
}

type SchemaClass = new () => object;

/**
 * Every table of the TOML file with its schema class, walked from VixyConfig: `[global]`,
 * ..., `[[el.primary]]`, `[[el.backup]]`, `[[cl]]` (a new table is found by itself).
 */
function tables(schema: SchemaClass = VixyConfig, prefix = ''): [string, SchemaClass][] {
  const instance = new schema() as Record<string, unknown>;
  return keysOf(schema).flatMap((key): [string, SchemaClass][] => {
    const type = defaultMetadataStorage.findTypeMetadata(schema, key);
    if (type === undefined) return [];
    const nested = type.typeFunction() as SchemaClass;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (Array.isArray(instance[key])) return [[`[[${path}]]`, nested]];
    const inner = tables(nested, path);
    return inner.length > 0 ? inner : [[`[${path}]`, nested]];
  });
}

const TABLES = tables();

describe('docs/configuration.md', () => {
  it('walks every table of the schema', () => {
    expect(TABLES.map(([t]) => t)).toEqual(
      expect.arrayContaining(['[global]', '[server]', '[[el.primary]]', '[[el.backup]]', '[[cl]]']),
    );
  });

  it.each(TABLES)('documents every key of %s in its section', (table, schema) => {
    const text = section(table);
    const missing = keysOf(schema).filter((key) => !text.includes(`\`${key}\``));
    expect(missing).toEqual([]);
  });

  it.each(TABLES.filter(([t]) => !t.startsWith('[[')))(
    'gives the default of every key of %s that has one',
    (table, schema) => {
      const defaults = new schema() as Record<string, unknown>;
      const text = section(table);
      for (const [key, value] of Object.entries(defaults)) {
        if (value === undefined) continue;
        const row = text.split('\n').find((l) => l.startsWith(`| \`${key}\``));
        expect(row).toBeDefined();
        expect(row).toContain(`\`${JSON.stringify(value).replace(/,/g, ', ')}\``);
      }
    },
  );
});

describe('docs/api.md', () => {
  it('documents every metric', () => {
    const missing = Object.values(M).filter((name) => !api.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});

describe('README.md', () => {
  const readme = read('README.md');

  it('links every chapter of the manual', () => {
    for (const chapter of ['operating', 'configuration', 'api', 'extending', 'development']) {
      expect(readme).toContain(`(docs/${chapter}.md)`);
      expect(existsSync(join(root, `docs/${chapter}.md`))).toBe(true);
    }
    for (const chapter of ['event-streams', 'subscriptions', 'scale-out']) {
      expect(readme).toContain(`(docs/${chapter}.md)`);
    }
  });

  it('shows the two commands, a curl and a WebSocket example', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
    expect(readme).toMatch(/curl -s http:\/\/127\.0\.0\.1:8080\/el/);
    expect(readme).toContain('ws://127.0.0.1:8080/el/ws');
  });
});
