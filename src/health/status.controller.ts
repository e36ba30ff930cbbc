import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NodeRegistry } from './node-registry.service';
import { type ClNodeState, type ElNodeState, isAvailable, type NodeState } from './node-state';
import { type ClNodeStatusDto, type ElNodeStatusDto, StatusDto } from './status.dto';

@ApiTags('status')
@Controller('status')
export class StatusController {
  constructor(private readonly registry: NodeRegistry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'State of every node, the chain heads and the EL failover flag' })
  @ApiOkResponse({ type: StatusDto })
  status(): StatusDto {
    const el = this.registry.el();
    const cl = this.registry.cl();
    return {
      el_chain_head: this.registry.elChainHead(),
      cl_chain_head: this.registry.clChainHead(),
      el_failover_active: this.registry.elFailoverActive(),
      el_nodes: el.map(elStatus),
      cl_nodes: cl.map(clStatus),
      el_healthy_nodes: el.filter((n) => n.isHealthy).length,
      cl_healthy_nodes: cl.filter((n) => n.isHealthy).length,
    };
  }
}

function elStatus(node: Readonly<ElNodeState>): ElNodeStatusDto {
  return {
    name: node.name,
    http_url: node.httpUrl,
    is_primary: node.tier === 'primary',
    block_number: node.blockNumber,
    lag: node.lag,
    check_ok: node.checkOk,
    is_healthy: node.isHealthy,
    tier: node.tier,
    ws_url: node.wsUrl,
    ...bookkeeping(node),
  };
}

function clStatus(node: Readonly<ClNodeState>): ClNodeStatusDto {
  return {
    name: node.name,
    url: node.url,
    slot: node.slot,
    lag: node.lag,
    health_ok: node.healthOk,
    is_healthy: node.isHealthy,
    ...bookkeeping(node),
  };
}

function bookkeeping(node: Readonly<NodeState>) {
  return {
    consecutive_failures: node.consecutiveFailures,
    last_check_at: node.lastCheckAt === null ? null : new Date(node.lastCheckAt).toISOString(),
    latency_ms: node.lastLatencyMs,
    last_error: node.lastError,
    drained: node.drained,
    available: isAvailable(node),
  };
}
