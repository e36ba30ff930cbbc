import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AdminNodeDto {
  @ApiProperty({ enum: ['el', 'cl'] }) layer!: 'el' | 'cl';
  @ApiProperty() name!: string;
  @ApiPropertyOptional({ enum: ['primary', 'backup'], description: 'EL nodes only' })
  tier?: 'primary' | 'backup';
  @ApiProperty({ description: 'HTTP URL, credentials redacted' }) url!: string;
  @ApiPropertyOptional({ description: 'EL WebSocket URL, credentials redacted' }) ws_url?: string;
  @ApiProperty({ nullable: true, type: Number, description: 'EL block number or CL slot' })
  height!: number | null;
  @ApiProperty({ nullable: true, type: Number }) lag!: number | null;
  @ApiProperty() check_ok!: boolean;
  @ApiProperty() is_healthy!: boolean;
  @ApiProperty({ description: 'takes traffic now: healthy, not drained, not reported down' })
  available!: boolean;
  @ApiProperty() drained!: boolean;
  @ApiProperty() consecutive_failures!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'set when a request to the node failed',
  })
  passive_failure!: string | null;
  @ApiProperty({ nullable: true, type: String }) last_error!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) last_check_at!: string | null;
  @ApiProperty({ nullable: true, type: Number }) latency_ms!: number | null;
}

export class AdminNodesDto {
  @ApiProperty({ type: [AdminNodeDto] }) el!: AdminNodeDto[];
  @ApiProperty({ type: [AdminNodeDto] }) cl!: AdminNodeDto[];
}

export class DrainResultDto {
  @ApiProperty({ type: [AdminNodeDto], description: 'the nodes of that name (EL and/or CL)' })
  nodes!: AdminNodeDto[];
}

export class ReloadResultDto {
  @ApiProperty({
    type: [String],
    description: 'what changed, e.g. "el node geth-3 added", "global.max_retries 2 -> 3"',
  })
  changes!: string[];
  @ApiProperty({
    type: [String],
    description: 'changed sections applied only after a restart (server, metrics, admin)',
  })
  ignored!: string[];
}
