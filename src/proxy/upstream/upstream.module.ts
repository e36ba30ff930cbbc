import { Module } from '@nestjs/common';
import { UpstreamPools } from './upstream-pools.service';

/** The undici pools of every node (outbound HTTP of the proxy). */
@Module({ providers: [UpstreamPools], exports: [UpstreamPools] })
export class UpstreamModule {}
