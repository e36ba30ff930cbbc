import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { NodeRegistry } from './node-registry.service';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [NodeRegistry],
  exports: [NodeRegistry],
})
export class HealthModule {}
