import { Module } from '@nestjs/common';

/** Provides EL_ROUTING_STRATEGY and CL_ROUTING_STRATEGY (built-in strategies chosen by [proxy]). */
@Module({})
export class RoutingModule {}
