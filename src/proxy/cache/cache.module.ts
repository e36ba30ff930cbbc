import { Module } from '@nestjs/common';
import { AnswerCache } from './answer-cache.service';

/** The answer cache of immutable EL answers (`[cache]`), memory and, with [redis], Redis. */
@Module({
  providers: [AnswerCache],
  exports: [AnswerCache],
})
export class CacheModule {}
