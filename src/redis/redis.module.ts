import { Global, Module } from '@nestjs/common';
import { RedisService } from './redis.service';

/**
 * The link to Redis (`[redis] url`) that replicas share state through. Global, like
 * the config and the metrics: health (the shared checks) and proxy (shared budgets,
 * the answer cache) inject `RedisService`. Without a url it is present but disabled.
 */
@Global()
@Module({
  providers: [RedisService],
  exports: [RedisService],
})
export class RedisModule {}
