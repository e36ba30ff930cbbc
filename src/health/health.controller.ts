import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { NodesHealthIndicator } from './nodes.health-indicator';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly nodes: NodesHealthIndicator,
  ) {}

  /** Liveness of the proxy itself: answers while the process serves HTTP. */
  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the proxy process serves HTTP' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * Readiness: at least one available EL node and one available CL node, and not
   * shutting down. 503 with Terminus's JSON otherwise.
   */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: one available EL node and one available CL node, not draining',
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.nodes.layer('el', 'el'),
      () => this.nodes.layer('cl', 'cl'),
      () => this.nodes.serving('serving'),
    ]);
  }
}
