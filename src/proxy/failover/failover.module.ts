import { Module } from '@nestjs/common';
import { HealthModule } from '../../health/health.module';
import { RoutingModule } from '../routing/routing.module';
import { Failover } from './failover.service';

/** The failover core shared by POST /el, /cl/* and the WebSocket sessions. */
@Module({
  imports: [HealthModule, RoutingModule],
  providers: [Failover],
  exports: [Failover, RoutingModule],
})
export class FailoverModule {}
