import { createHash } from 'node:crypto';
import { type Redis } from 'ioredis';

/**
 * A Lua script run with EVALSHA, and with EVAL when Redis does not know it (NOSCRIPT:
 * first use, or a restarted Redis). Scripts run atomically: nothing else runs in
 * Redis between their commands.
 */
export class RedisScript {
  private readonly sha: string;

  constructor(
    readonly lua: string,
    readonly numberOfKeys: number,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(
    client: Redis,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) {
      throw new Error(`script expects ${this.numberOfKeys} keys, got ${keys.length}`);
    }
    try {
      return await client.evalsha(this.sha, this.numberOfKeys, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.lua, this.numberOfKeys, ...keys, ...args);
    }
  }
}
