import { Module } from '@nestjs/common';

/** POST /el and ANY /cl/*. */
@Module({})
export class HttpProxyModule {}
