import { runningProcesses, stopAll } from './support/processes';
import { ensureRedisInstalled, RedisServer } from './support/redis';

/** The harness's redis-server: started on a free port, frozen, killed and restarted by pid. */
describe('test harness: redis-server', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    await ensureRedisInstalled();
    redis = await RedisServer.start();
  }, 300_000);

  afterAll(async () => {
    await stopAll();
    expect(runningProcesses()).toHaveLength(0);
  });

  it('listens on 127.0.0.1 on its own port, with nothing stored', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await redis.command(['PING'])).toBe('PONG');
    expect(await redis.command(['DBSIZE'])).toBe('0');
    const persistence = await redis.command(['INFO', 'persistence']);
    expect(persistence).toMatch(/aof_enabled:0/);
    expect(persistence).toMatch(/rdb_changes_since_last_save:0/);
  });

  it('stores and answers values', async () => {
    expect(await redis.command(['SET', 'k', 'v'])).toBe('OK');
    expect(await redis.command(['GET', 'k'])).toBe('v');
  });

  it('a frozen server answers nothing until thawed', async () => {
    await redis.freeze();
    await expect(redis.command(['PING'], 200)).rejects.toThrow(/did not answer PING/);
    await redis.thaw();
    expect(await redis.command(['PING'])).toBe('PONG');
  });

  it('restarts on the same port, empty, after a kill', async () => {
    const oldPid = redis.pid;
    await redis.command(['SET', 'kept', '1']);
    const exit = await redis.kill();
    expect(exit.signal).toBe('SIGKILL');
    await expect(redis.command(['PING'], 500)).rejects.toThrow();
    await redis.restart();
    expect(redis.pid).not.toBe(oldPid);
    expect(await redis.command(['GET', 'kept'])).toBe('');
  });

  it('two servers run side by side', async () => {
    const other = await RedisServer.start();
    expect(other.port).not.toBe(redis.port);
    await other.command(['SET', 'only-here', 'x']);
    expect(await redis.command(['EXISTS', 'only-here'])).toBe('0');
    await other.stop();
    expect(other.running).toBe(false);
  });
});
