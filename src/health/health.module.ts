import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClChecker } from './cl-checker.service';
import { ElChecker } from './el-checker.service';
import { systemClock } from '../common/clock';
import { CHECK_DISPATCHER_FACTORY, HEALTH_CLOCK, poolDispatcherFactory } from './health.constants';
import { HealthController } from './health.controller';
import { HealthMonitor } from './health-monitor.service';
import { RedisModule } from '../redis/redis.module';
import { HealthShare } from './health-share.service';
import { NodeRegistry } from './node-registry.service';
import { NodesHealthIndicator } from './nodes.health-indicator';
import { ReadinessState } from './readiness-state.service';
import { StatusController } from './status.controller';

/**
 * Who is healthy: the node registry (read by the proxy), the EL/CL checkers and the
 * monitor that checks each node on its own schedule and feeds the registry, GET /status, and the Terminus probes GET /health
 * (liveness) and GET /health/ready (readiness). With [redis], `HealthShare` says which
 * replica checks the nodes and carries the results to the others.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), RedisModule],
  controllers: [HealthController, StatusController],
  providers: [
    NodeRegistry,
    ReadinessState,
    { provide: CHECK_DISPATCHER_FACTORY, useValue: poolDispatcherFactory },
    { provide: HEALTH_CLOCK, useValue: systemClock },
    ElChecker,
    ClChecker,
    HealthMonitor,
    NodesHealthIndicator,
    HealthShare,
  ],
  exports: [NodeRegistry, ReadinessState, HealthShare],
})
export class HealthModule {}
