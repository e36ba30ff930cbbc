import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConfigStore, configuredLayers } from '../config';
import { NodesHealthIndicator } from './nodes.health-indicator';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly nodes: NodesHealthIndicator,
    private readonly store: ConfigStore,
  ) {}

  /** Liveness of the proxy itself: answers while the process serves HTTP. */
  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Liveness: the proxy process serves HTTP',
    description: 'Always 200 while the process answers HTTP, whatever the state of the nodes.',
  })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * Readiness: at least one available node in each configured layer (EL, CL or both),
   * and not shutting down. 503 with Terminus's JSON otherwise.
   */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: an available node in each configured layer (EL, CL), not draining',
    description:
      '200 while every configured layer has at least one available node (healthy, not ' +
      'drained, not reported down) and the instance is not shutting down; 503 otherwise. ' +
      'A layer without nodes in the config is not checked.',
  })
  ready(): Promise<HealthCheckResult> {
    const layers = configuredLayers(this.store.current);
    return this.health.check([
      ...(layers.el ? [() => this.nodes.layer('el', 'el')] : []),
      ...(layers.cl ? [() => this.nodes.layer('cl', 'cl')] : []),
      () => this.nodes.serving('serving'),
    ]);
  }
}
