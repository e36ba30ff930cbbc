import { Global, Module } from '@nestjs/common';
import { CUSTOM_EL_ROUTING_STRATEGY } from '../../src/proxy/routing/routing.constants';
import { RoutingModule } from '../../src/proxy/routing/routing.module';
import { ArchiveRouting } from './archive-routing.strategy';

/**
 * Plugs ArchiveRouting in as the EL strategy of the whole service (HTTP and WebSocket):
 * add this module to the application beside AppModule.
 */
@Global()
@Module({
  imports: [RoutingModule],
  providers: [ArchiveRouting, { provide: CUSTOM_EL_ROUTING_STRATEGY, useExisting: ArchiveRouting }],
  exports: [CUSTOM_EL_ROUTING_STRATEGY],
})
export class ArchiveRoutingModule {}
