import { ApiProperty } from '@nestjs/swagger';

// The shape of GET /status. The fields of the contract (DESIGN.md) come first in each
// class, in snake_case like the Rust original; the rest are additions. Every URL is
// redacted. A number is null until the node or the chain head has been seen.

abstract class NodeStatusBase {
  @ApiProperty({ example: 'geth-1' })
  name!: string;

  @ApiProperty({ description: 'In rotation by the health rules (lag, consecutive failures)' })
  is_healthy!: boolean;

  @ApiProperty({ description: 'Consecutive failed checks (0 after a good one)' })
  consecutive_failures!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'When the last check completed',
  })
  last_check_at!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Duration of the last check (ms)' })
  latency_ms!: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the last check failed or why the node is unhealthy',
    example: 'timeout after 5000 ms',
  })
  last_error!: string | null;

  @ApiProperty({ description: 'Taken out of rotation by an operator' })
  drained!: boolean;

  @ApiProperty({
    description: 'Takes traffic: healthy, not drained, not reported down by the proxy',
  })
  available!: boolean;
}

export class ElNodeStatusDto extends NodeStatusBase {
  @ApiProperty({ example: 'http://localhost:8545', description: 'Redacted' })
  http_url!: string;

  @ApiProperty({ description: 'A primary node (false: a backup)' })
  is_primary!: boolean;

  @ApiProperty({ type: Number, nullable: true, example: 123 })
  block_number!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Blocks behind the EL chain head' })
  lag!: number | null;

  @ApiProperty({ description: 'The last eth_blockNumber check succeeded' })
  check_ok!: boolean;

  @ApiProperty({ enum: ['primary', 'backup'] })
  tier!: 'primary' | 'backup';

  @ApiProperty({ example: 'ws://localhost:8546', description: 'Redacted' })
  ws_url!: string;
}

export class ClNodeStatusDto extends NodeStatusBase {
  @ApiProperty({ example: 'http://localhost:5052', description: 'Redacted' })
  url!: string;

  @ApiProperty({ type: Number, nullable: true, example: 456 })
  slot!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Slots behind the CL chain head' })
  lag!: number | null;

  @ApiProperty({ description: 'node/health was 200 and node/syncing said synced' })
  health_ok!: boolean;
}

export class StatusDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 123,
    description: 'Robust EL head: second-highest block with 3+ nodes reporting, else highest',
  })
  el_chain_head!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 456, description: 'Robust CL head slot' })
  cl_chain_head!: number | null;

  @ApiProperty({ description: 'No primary EL node is healthy and a backup is' })
  el_failover_active!: boolean;

  @ApiProperty({ type: [ElNodeStatusDto] })
  el_nodes!: ElNodeStatusDto[];

  @ApiProperty({ type: [ClNodeStatusDto] })
  cl_nodes!: ClNodeStatusDto[];

  @ApiProperty({ description: 'EL nodes with is_healthy true' })
  el_healthy_nodes!: number;

  @ApiProperty({ description: 'CL nodes with is_healthy true' })
  cl_healthy_nodes!: number;
}
