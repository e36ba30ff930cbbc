import { Module } from '@nestjs/common';
import { HealthModule } from '../../health/health.module';
import { FailoverModule } from '../failover/failover.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { ChainFollower } from './chain-follower.service';

/** The EL head log Vixy follows, with the subscriptions and filters that read it. */
@Module({
  imports: [HealthModule, FailoverModule, UpstreamModule],
  providers: [ChainFollower],
  exports: [ChainFollower],
})
export class ChainModule {}
