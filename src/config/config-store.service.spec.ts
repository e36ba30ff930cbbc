import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ConfigStore } from './config-store.service';
import { CONFIG_UPDATE, type ConfigUpdateEvent } from './config.events';
import { loadConfigFile } from './config.loader';

// [redis] is bound at start-up (one client, one election); [cache] follows reloads.

const NODES = `
[[el.primary]]
name = "geth-1"
http_url = "http://127.0.0.1:9"
ws_url = "ws://127.0.0.1:9"

[[cl]]
name = "cl-1"
url = "http://127.0.0.1:9"
`;

describe('ConfigStore: [redis] and [cache] on reload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vixy-store-'));
  const path = join(dir, 'config.toml');
  let events: EventEmitter2;
  let published: ConfigUpdateEvent[];
  let store: ConfigStore;

  beforeEach(() => {
    writeFileSync(path, `[redis]\nurl = "redis://:hunter2@127.0.0.1:6379"\n${NODES}`);
    events = new EventEmitter2();
    published = [];
    events.on(CONFIG_UPDATE, (e: ConfigUpdateEvent) => published.push(e));
    store = new ConfigStore(loadConfigFile(path), { path, overrides: {} }, events);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps [redis] until a restart and names the section, never the URL', () => {
    writeFileSync(
      path,
      `[redis]\nurl = "redis://:other@10.0.0.9:6379"\nshare_health = false\n${NODES}`,
    );
    const result = store.reload();
    expect(result).toEqual({ ok: true, changes: [], ignored: ['redis'] });
    expect(store.current.redis.url).toBe('redis://:hunter2@127.0.0.1:6379');
    expect(store.current.redis.share_health).toBe(true);
    expect(published).toHaveLength(0);
  });

  it('publishes a change of [cache]', () => {
    writeFileSync(
      path,
      `[redis]\nurl = "redis://:hunter2@127.0.0.1:6379"\n[cache]\nenabled = true\nmax_bytes = 1024\n${NODES}`,
    );
    const result = store.reload();
    expect(result).toEqual({
      ok: true,
      changes: ['cache.enabled false -> true', 'cache.max_bytes 67108864 -> 1024'],
      ignored: [],
    });
    expect(published).toHaveLength(1);
    expect(published[0].next.cache).toMatchObject({ enabled: true, max_bytes: 1024 });
    expect(JSON.stringify(result)).not.toMatch(/hunter2/);
  });
});
