import { RedisScript } from './redis.script';
import { type RedisService } from './redis.service';

// One holder at a time: the key holds the owner's id and expires after the ttl unless
// the owner renews it. Both scripts compare the owner first, so a replica never
// extends or deletes a lease that expired and was taken by another.

/** Takes the lease when it is free, renews it when `owner` holds it: 1 held, 0 another holds. */
const CLAIM = new RedisScript(
  `local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`,
  1,
);

/** Deletes the lease only when `owner` holds it. */
const RELEASE = new RedisScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`,
  1,
);

/** A lease in Redis (`SET key owner PX ttl`, renewed and released by compare-and-set). */
export class RedisLease {
  constructor(
    private readonly redis: RedisService,
    readonly key: string,
    readonly owner: string,
    readonly ttlMs: number,
  ) {}

  /** True: `owner` holds it (taken or renewed); false: another does; undefined: no Redis. */
  async claim(): Promise<boolean | undefined> {
    const held = await this.redis.run((c) => CLAIM.run(c, [this.key], [this.owner, this.ttlMs]));
    return held === undefined ? undefined : held === 1;
  }

  /** Gives the lease up at once when `owner` holds it (clean shutdown): another may take it. */
  async release(): Promise<void> {
    await this.redis.run((c) => RELEASE.run(c, [this.key], [this.owner]));
  }

  /** The current holder (null: free; undefined: no Redis). */
  holder(): Promise<string | null | undefined> {
    return this.redis.run((c) => c.get(this.key));
  }
}
