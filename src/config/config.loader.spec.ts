import 'reflect-metadata';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfigFile, parseConfig } from './config.loader';
import { configuredLayers } from './layers';

const MINIMAL = `
[[el.primary]]
name = "geth-1"
http_url = "http://localhost:8545"
ws_url = "ws://localhost:8546"

[[cl]]
name = "lighthouse-1"
url = "http://localhost:5052"
`;

function issuesOf(text: string, overrides = {}): string[] {
  try {
    parseConfig(text, 'test.toml', overrides);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies every default of the contract', () => {
    const config = parseConfig(MINIMAL, 'test.toml');
    expect(config.global).toEqual({
      max_el_lag_blocks: 5,
      max_cl_lag_slots: 3,
      health_check_interval_ms: 1000,
      health_check_timeout_ms: 5000,
      health_check_max_failures: 3,
      health_check_min_successes: 2,
      proxy_timeout_ms: 30000,
      max_retries: 2,
    });
    expect(config.server.listen).toBe('0.0.0.0:8080');
    expect(config.metrics.enabled).toBe(true);
    expect(config.metrics.port).toBeUndefined();
    expect(config.proxy.el_routing).toBe('first_healthy');
    expect(config.proxy.max_body_bytes).toBe(10 * 1024 * 1024);
    expect(config.proxy.deny_methods).toEqual(['admin_', 'personal_', 'miner_']);
    expect(config.el.backup).toEqual([]);
    expect(config.admin.token).toBeUndefined();
    expect(config.admin.docs).toBe(true);
  });

  it('accepts the shipped config.example.toml with every key', () => {
    const path = resolve(__dirname, '../../config.example.toml');
    const config = parseConfig(readFileSync(path, 'utf8'), path);
    expect(config.el.primary.map((n) => n.name)).toEqual(['geth-1', 'geth-2']);
    expect(config.el.backup[0].ws_url).toBe('wss://example.invalid/v2/KEY');
    expect(config.cl[0].url).toBe('http://localhost:5052');
  });

  it('returns a deeply frozen object', () => {
    const config = parseConfig(MINIMAL, 'test.toml');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.el.primary)).toBe(true);
    expect(Object.isFrozen(config.el.primary[0])).toBe(true);
    expect(Object.isFrozen(config.proxy.deny_methods)).toBe(true);
  });

  it('names unknown keys and their table', () => {
    expect(issuesOf(`[global]\nmax_lag = 1\n${MINIMAL}`)).toEqual([
      'global.max_lag: unknown key in [global]',
    ]);
    expect(issuesOf(MINIMAL.replace('name = "geth-1"', 'name = "geth-1"\nhtp_url = "x"'))).toEqual([
      'el.primary[0].htp_url: unknown key in [[el.primary]]',
    ]);
    expect(issuesOf(`colour = "blue"\n${MINIMAL}`)).toEqual([
      'colour: unknown key in the top level',
    ]);
  });

  it('requires http(s) and ws(s) URLs', () => {
    const text = `${MINIMAL}
[[el.primary]]
name = "geth-2"
http_url = "ws://localhost:8545"
ws_url = "http://localhost:8546"

[[cl]]
name = "lighthouse-2"
url = "not a url"
`;
    expect(issuesOf(text)).toEqual([
      'el.primary[1].http_url: must be an http:// or https:// URL',
      'el.primary[1].ws_url: must be a ws:// or wss:// URL',
      'cl[1].url: must be an http:// or https:// URL',
    ]);
  });

  it('requires at least one layer', () => {
    expect(issuesOf('')).toEqual([
      ': no nodes: configure [[el.primary]] nodes (execution layer), [[cl]] nodes (consensus layer), or both',
    ]);
    expect(issuesOf('[el]\nprimary = []\n')).toHaveLength(1);
  });

  it('accepts an EL-only config (no [[cl]])', () => {
    const config = parseConfig(MINIMAL.split('[[cl]]')[0], 'test.toml');
    expect(config.el.primary).toHaveLength(1);
    expect(config.cl).toEqual([]);
    expect(configuredLayers(config)).toEqual({ el: true, cl: false });
  });

  it('accepts a CL-only config (no [el])', () => {
    const config = parseConfig(`[[cl]]\nname = "cl-1"\nurl = "http://localhost:5052"\n`, 't');
    expect(config.el).toEqual({ primary: [], backup: [] });
    expect(configuredLayers(config)).toEqual({ el: false, cl: true });
  });

  it('refuses backups without a primary, saying what is required', () => {
    const text = `[[el.backup]]\nname = "b"\nhttp_url = "http://h:1"\nws_url = "ws://h:1"\n[[cl]]\nname = "c"\nurl = "http://h:2"\n`;
    expect(issuesOf(text)).toEqual([
      'el.primary: needs at least one [[el.primary]] node when [[el.backup]] nodes are configured (backups serve only while no primary is healthy)',
    ]);
  });

  it('loads a config of the Rust original (both layers, no additions)', () => {
    const rust = `[global]
max_el_lag_blocks = 5
max_cl_lag_slots = 3
health_check_interval_ms = 1000
proxy_timeout_ms = 30000
max_retries = 2

[server]
listen = "0.0.0.0:8080"

[metrics]
enabled = true

[el]
[[el.primary]]
name = "geth-1"
http_url = "http://localhost:8545"
ws_url = "ws://localhost:8546"

[[el.backup]]
name = "provider-1"
http_url = "https://example.invalid/v2/KEY"
ws_url = "wss://example.invalid/v2/KEY"

[[cl]]
name = "lighthouse-1"
url = "http://localhost:5052"
`;
    expect(configuredLayers(parseConfig(rust, 'rust.toml'))).toEqual({ el: true, cl: true });
  });

  it('has a shutdown delay of 0 and docs on by default, both configurable', () => {
    const defaults = parseConfig(MINIMAL, 'test.toml');
    expect(defaults.server.shutdown_delay_ms).toBe(0);
    expect(defaults.admin.docs).toBe(true);
    const set = parseConfig(
      `[server]\nshutdown_delay_ms = 5000\n[admin]\ndocs = false\n${MINIMAL}`,
      'test.toml',
    );
    expect(set.server.shutdown_delay_ms).toBe(5000);
    expect(set.admin.docs).toBe(false);
    expect(issuesOf(`[server]\nshutdown_delay_ms = -1\n${MINIMAL}`)).toEqual([
      'server.shutdown_delay_ms: must be a non-negative integer',
    ]);
    expect(issuesOf(`[admin]\ndocs = "no"\n${MINIMAL}`)).toEqual([
      'admin.docs: must be true or false',
    ]);
  });

  it('rejects duplicate node names within EL and within CL', () => {
    const text = `${MINIMAL}
[[el.backup]]
name = "geth-1"
http_url = "http://localhost:9545"
ws_url = "ws://localhost:9546"

[[cl]]
name = "lighthouse-1"
url = "http://localhost:6052"
`;
    expect(issuesOf(text)).toEqual([
      'el.backup[0].name: duplicate node name "geth-1" (el.primary[0])',
      'cl[1].name: duplicate node name "lighthouse-1" (cl[0])',
    ]);
  });

  it('allows the same name for an EL and a CL node', () => {
    expect(() => parseConfig(MINIMAL.replace('lighthouse-1', 'geth-1'), 'test.toml')).not.toThrow();
  });

  it.each([
    ['health_check_interval_ms', '0', 'must be a positive integer'],
    ['health_check_timeout_ms', '1.5', 'must be a positive integer'],
    ['health_check_max_failures', '"3"', 'must be a positive integer'],
    ['proxy_timeout_ms', '-1', 'must be a positive integer'],
    ['max_retries', '-1', 'must be a non-negative integer'],
    ['max_el_lag_blocks', '2.5', 'must be a non-negative integer'],
  ])('validates [global].%s = %s', (key, value, message) => {
    expect(issuesOf(`[global]\n${key} = ${value}\n${MINIMAL}`)).toEqual([
      `global.${key}: ${message}`,
    ]);
  });

  it('accepts zero lag and zero retries', () => {
    const config = parseConfig(
      `[global]\nmax_el_lag_blocks = 0\nmax_retries = 0\n${MINIMAL}`,
      'test.toml',
    );
    expect(config.global.max_el_lag_blocks).toBe(0);
    expect(config.global.max_retries).toBe(0);
  });

  it('validates per-node rate limits', () => {
    const text = MINIMAL.replace(
      'name = "geth-1"',
      'name = "geth-1"\nmax_qps = 0\nmax_consecutive_requests = 2.5',
    );
    expect(issuesOf(text)).toEqual([
      'el.primary[0].max_qps: must be a positive integer',
      'el.primary[0].max_consecutive_requests: must be a positive integer',
    ]);
  });

  it('validates node names, listen addresses, metrics port and routing names', () => {
    const text = `[server]\nlisten = "localhost"\n[metrics]\nport = 70000\n[proxy]\nel_routing = "random"\n${MINIMAL.replace('geth-1', 'geth 1')}`;
    expect(issuesOf(text)).toEqual([
      'server.listen: must be "host:port" with a port from 1 to 65535',
      'metrics.port: must be a port number from 1 to 65535',
      'proxy.el_routing: must be one of first_healthy, round_robin, latency',
      'el.primary[0].name: must start with a letter or digit and contain only letters, digits, ".", "_", ":" and "-"',
    ]);
  });

  it('says when a section is not a table', () => {
    expect(issuesOf(`global = 3\n${MINIMAL}`)).toEqual(['global: must be a table']);
  });

  it('reports TOML syntax errors with line and column', () => {
    expect(issuesOf('[global]\nmax_retries = = 2\n')).toEqual([
      expect.stringMatching(/^: TOML syntax error at line 2, column \d+: /),
    ]);
  });

  it('applies and validates the --listen override', () => {
    expect(parseConfig(MINIMAL, 'test.toml', { listen: '127.0.0.1:9000' }).server.listen).toBe(
      '127.0.0.1:9000',
    );
    expect(parseConfig(MINIMAL, 'test.toml', { listen: '[::1]:9000' }).server.listen).toBe(
      '[::1]:9000',
    );
    expect(issuesOf(MINIMAL, { listen: '127.0.0.1:0' })).toEqual([
      '--listen: must be "host:port" with a port from 1 to 65535',
    ]);
  });

  it('refuses a metrics port equal to the listen port', () => {
    expect(
      issuesOf(`[server]\nlisten = "127.0.0.1:9100"\n[metrics]\nport = 9100\n${MINIMAL}`),
    ).toEqual(['metrics.port: must differ from the port of [server].listen']);
    expect(issuesOf(`[metrics]\nport = 9100\n${MINIMAL}`, { listen: '127.0.0.1:9100' })).toEqual([
      'metrics.port: must differ from the port of --listen',
    ]);
  });

  it('takes the admin token from the environment override, validated', () => {
    expect(parseConfig(MINIMAL, 'test.toml', { adminToken: 'x'.repeat(16) }).admin.token).toBe(
      'x'.repeat(16),
    );
    expect(issuesOf(MINIMAL, { adminToken: 'short' })).toEqual([
      'VIXY_ADMIN_TOKEN: must be at least 16 characters',
    ]);
    expect(issuesOf(`[admin]\ntoken = "short"\n${MINIMAL}`)).toEqual([
      'admin.token: must be at least 16 characters',
    ]);
  });

  it('has no Redis and no cache by default', () => {
    const config = parseConfig(MINIMAL, 'test.toml');
    expect(config.redis).toEqual({
      key_prefix: 'vixy:',
      share_health: true,
      command_timeout_ms: 5,
    });
    expect(config.redis.url).toBeUndefined();
    expect(config.cache).toEqual({
      enabled: false,
      max_bytes: 64 * 1024 * 1024,
      redis_ttl_s: 86400,
    });
  });

  it('accepts redis:// and rediss:// URLs and validates [redis] and [cache]', () => {
    const redis = (body: string) => `[redis]\n${body}\n${MINIMAL}`;
    expect(parseConfig(redis('url = "redis://:pw@10.0.0.1:6379/2"'), 't').redis.url).toBe(
      'redis://:pw@10.0.0.1:6379/2',
    );
    expect(parseConfig(redis('url = "rediss://user:pw@redis.example"'), 't').redis.url).toBe(
      'rediss://user:pw@redis.example',
    );
    expect(issuesOf(redis('url = "http://redis.example:6379"'))).toEqual([
      'redis.url: must be a redis:// or rediss:// URL',
    ]);
    expect(issuesOf(redis('url = "redis://"'))).toEqual([
      'redis.url: must be a redis:// or rediss:// URL',
    ]);
    expect(
      issuesOf(redis('share_health = "yes"\ncommand_timeout_ms = 0\nkey_prefx = "x"')),
    ).toEqual([
      'redis.key_prefx: unknown key in [redis]',
      'redis.share_health: must be true or false',
      'redis.command_timeout_ms: must be a positive integer',
    ]);
    expect(issuesOf(`[cache]\nenabled = 1\nmax_bytes = -1\n${MINIMAL}`)).toEqual([
      'cache.enabled: must be true or false',
      'cache.max_bytes: must be a positive integer',
    ]);
  });

  it('never shows the Redis password in an error message', () => {
    const text = `[redis]\nurl = "http://:hunter2@redis.example"\n${MINIMAL}`;
    expect(issuesOf(text).join('\n')).not.toMatch(/hunter2/);
  });

  it('never puts a URL (and its secrets) in an error message', () => {
    const text = MINIMAL.replace(
      'ws_url = "ws://localhost:8546"',
      'ws_url = "https://user:secret@example.invalid/v2/KEY123"',
    );
    try {
      parseConfig(text, 'test.toml');
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).not.toMatch(/secret|KEY123/);
    }
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vixy-config-'));

  it('names the file in the message', () => {
    const file = join(dir, 'bad.toml');
    writeFileSync(file, '[global]\nmax_retries = "x"\n');
    expect(() => loadConfigFile(file)).toThrow(`invalid config ${file}:\n  global.max_retries:`);
  });

  it('says when the file does not exist', () => {
    const file = join(dir, 'missing.toml');
    expect(() => loadConfigFile(file)).toThrow(
      `invalid config ${file}:\n  cannot read the file (file not found)`,
    );
  });

  it('loads a valid file', () => {
    const file = join(dir, 'good.toml');
    writeFileSync(file, MINIMAL);
    expect(loadConfigFile(file).cl[0].name).toBe('lighthouse-1');
  });
});
