import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { parse, TomlError } from 'smol-toml';
import { type Config, VixyConfig } from './config.schema';
import { parseListen } from './config.validators';

/** One problem in a config file: the dotted path of the field and what is wrong with it. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** A config file that cannot be used. `message` names the file and every bad field. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `invalid config ${file}:\n` +
        issues.map((i) => (i.path ? `  ${i.path}: ${i.message}` : `  ${i.message}`)).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export interface ConfigOverrides {
  /** `--listen host:port` from the command line. */
  readonly listen?: string;
  /** `VIXY_ADMIN_TOKEN` from the environment: replaces `[admin].token`. */
  readonly adminToken?: string;
}

/** Reads, validates and freezes a TOML config file. Throws ConfigError. */
export function loadConfigFile(file: string, overrides: ConfigOverrides = {}): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : String(code);
    throw new ConfigError(path, [{ path: '', message: `cannot read the file (${reason})` }]);
  }
  return parseConfig(text, path, overrides);
}

/** Validates TOML text; `file` is only used in messages. */
export function parseConfig(text: string, file: string, overrides: ConfigOverrides = {}): Config {
  let raw: Record<string, unknown>;
  try {
    raw = parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0];
      throw new ConfigError(file, [
        {
          path: '',
          message: `TOML syntax error at line ${err.line}, column ${err.column}: ${first}`,
        },
      ]);
    }
    throw err;
  }
  if (overrides.listen !== undefined && parseListen(overrides.listen) === null) {
    throw new ConfigError(file, [
      { path: '--listen', message: 'must be "host:port" with a port from 1 to 65535' },
    ]);
  }
  if (overrides.adminToken !== undefined && overrides.adminToken.length < 16) {
    throw new ConfigError(file, [
      { path: 'VIXY_ADMIN_TOKEN', message: 'must be at least 16 characters' },
    ]);
  }
  const config = plainToInstance(VixyConfig, raw, { exposeDefaultValues: true });
  const issues = validateSync(config, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
  }).flatMap((e) => flatten(e, ''));
  if (issues.length === 0) issues.push(...layerIssues(config), ...duplicateNames(config));
  if (issues.length > 0) throw new ConfigError(file, issues);
  if (overrides.listen !== undefined) config.server.listen = overrides.listen;
  if (overrides.adminToken !== undefined) config.admin.token = overrides.adminToken;
  if (config.metrics.enabled && config.metrics.port === parseListen(config.server.listen)?.port) {
    const source = overrides.listen === undefined ? '[server].listen' : '--listen';
    throw new ConfigError(file, [
      { path: 'metrics.port', message: `must differ from the port of ${source}` },
    ]);
  }
  return deepFreeze(config);
}

function flatten(error: ValidationError, parent: string): ConfigIssue[] {
  const path = /^\d+$/.test(error.property)
    ? `${parent}[${error.property}]`
    : parent
      ? `${parent}.${error.property}`
      : error.property;
  const issues: ConfigIssue[] = [];
  for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
    issues.push({ path, message: describe(constraint, message, parent) });
  }
  for (const child of error.children ?? []) issues.push(...flatten(child, path));
  return issues;
}

function describe(constraint: string, message: string, parent: string): string {
  switch (constraint) {
    case 'whitelistValidation':
      return `unknown key in ${tableName(parent)}`;
    case 'nestedValidation':
      return 'must be a table';
    default:
      return message;
  }
}

/** `el.primary[1]` -> `[[el.primary]]`, `global` -> `[global]`, `` -> `the top level`. */
function tableName(path: string): string {
  if (path === '') return 'the top level';
  const array = /^(.*)\[\d+\]$/.exec(path);
  return array ? `[[${array[1]}]]` : `[${path}]`;
}

/**
 * At least one layer: EL nodes (`[[el.primary]]`), CL nodes (`[[cl]]`) or both. Backups
 * serve only while no primary is healthy, so `[[el.backup]]` needs a primary.
 */
function layerIssues(config: VixyConfig): ConfigIssue[] {
  const { primary, backup } = config.el;
  if (primary.length === 0 && backup.length > 0) {
    return [
      {
        path: 'el.primary',
        message:
          'needs at least one [[el.primary]] node when [[el.backup]] nodes are configured ' +
          '(backups serve only while no primary is healthy)',
      },
    ];
  }
  if (primary.length === 0 && config.cl.length === 0) {
    return [
      {
        path: '',
        message:
          'no nodes: configure [[el.primary]] nodes (execution layer), [[cl]] nodes ' +
          '(consensus layer), or both',
      },
    ];
  }
  return [];
}

function duplicateNames(config: VixyConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const check = (nodes: { path: string; name: string }[]): void => {
    const seen = new Map<string, string>();
    for (const { path, name } of nodes) {
      const first = seen.get(name);
      if (first === undefined) seen.set(name, path);
      else
        issues.push({ path: `${path}.name`, message: `duplicate node name "${name}" (${first})` });
    }
  };
  check([
    ...config.el.primary.map((n, i) => ({ path: `el.primary[${i}]`, name: n.name })),
    ...config.el.backup.map((n, i) => ({ path: `el.backup[${i}]`, name: n.name })),
  ]);
  check(config.cl.map((n, i) => ({ path: `cl[${i}]`, name: n.name })));
  return issues;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
