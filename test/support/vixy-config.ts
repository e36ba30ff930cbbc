import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'smol-toml';
import { makeTempDir } from './tempdirs';

/** Builds Vixy TOML configs for tests and the demo from running nodes. */

export type TomlValue =
  string | number | boolean | readonly TomlValue[] | { readonly [key: string]: TomlValue };
export interface TomlTable {
  readonly [key: string]: TomlValue;
}

/** Anything with EL endpoints, e.g. an AnvilNode. */
export interface ElEndpoint {
  readonly httpUrl: string;
  readonly wsUrl: string;
}

interface NodeLimits {
  readonly name?: string;
  readonly max_qps?: number;
  readonly max_consecutive_requests?: number;
  /** More keys for this node, written as given (e.g. a typo to test validation). */
  readonly extra?: TomlTable;
}

export interface ElNodeSpec extends NodeLimits {
  readonly http_url: string;
  readonly ws_url: string;
}

/** A LodestarNode fits: it has a url. */
export interface ClNodeSpec extends NodeLimits {
  readonly url: string;
}

export type ElNodeInput = ElEndpoint | ElNodeSpec;

export interface VixyConfigInput {
  readonly el: {
    readonly primary: readonly ElNodeInput[];
    readonly backup?: readonly ElNodeInput[];
  };
  readonly cl: readonly ClNodeSpec[];
  readonly global?: TomlTable;
  readonly server?: TomlTable;
  readonly metrics?: TomlTable;
  readonly proxy?: TomlTable;
  readonly websocket?: TomlTable;
  readonly admin?: TomlTable;
  /** Any other top-level sections, written as given. */
  readonly extra?: { readonly [section: string]: TomlTable };
}

/** Health checks fast enough for tests and the demo to see failover in about a second. */
export const FAST_HEALTH_CHECKS: TomlTable = {
  health_check_interval_ms: 200,
  health_check_timeout_ms: 500,
  health_check_max_failures: 2,
};

function limits(node: NodeLimits): Record<string, TomlValue> {
  const out: Record<string, TomlValue> = {};
  if (node.max_qps !== undefined) out.max_qps = node.max_qps;
  if (node.max_consecutive_requests !== undefined) {
    out.max_consecutive_requests = node.max_consecutive_requests;
  }
  return { ...out, ...node.extra };
}

function elNode(node: ElNodeInput, name: string): TomlTable {
  if ('http_url' in node) {
    return {
      name: node.name ?? name,
      http_url: node.http_url,
      ws_url: node.ws_url,
      ...limits(node),
    };
  }
  return { name, http_url: node.httpUrl, ws_url: node.wsUrl };
}

function clNode(node: ClNodeSpec, name: string): TomlTable {
  return { name: node.name ?? name, url: node.url, ...limits(node) };
}

/** TOML text; unnamed nodes are called el-primary-1, el-backup-1, cl-1, ... */
export function renderConfig(input: VixyConfigInput): string {
  const doc: Record<string, TomlValue> = {};
  const sections = ['global', 'server', 'metrics', 'proxy', 'websocket', 'admin'] as const;
  for (const section of sections) {
    const table = input[section];
    if (table !== undefined) doc[section] = table;
  }
  Object.assign(doc, input.extra);
  const el: Record<string, TomlValue> = {
    primary: input.el.primary.map((node, i) => elNode(node, `el-primary-${i + 1}`)),
  };
  const backup = input.el.backup ?? [];
  if (backup.length > 0) el.backup = backup.map((node, i) => elNode(node, `el-backup-${i + 1}`));
  doc.el = el;
  doc.cl = input.cl.map((node, i) => clNode(node, `cl-${i + 1}`));
  return stringify(doc);
}

/**
 * Writes a config (TOML text or input for renderConfig) to path, by default
 * config.toml in a fresh temp dir (removed at exit); returns the path.
 */
export function writeConfigFile(config: string | VixyConfigInput, path?: string): string {
  const text = typeof config === 'string' ? config : renderConfig(config);
  const file = path ?? join(makeTempDir('config'), 'config.toml');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}
