import { type DynamicModule, Global, Module } from '@nestjs/common';
import { CUSTOM_EL_ROUTING_STRATEGY, RoutingModule, VIXY_REQUEST_HOOK } from 'vixy';
import { ApiKeyHook, TENANTS } from './api-key.hook';
import { ARCHIVE_NODE, ArchiveRouting } from './archive-routing.strategy';
import { type Tenants } from './tenants';

export interface GatewayOptions {
  /** The `[[el.backup]]` node that keeps full history. */
  readonly archiveNode: string;
  readonly tenants: Tenants;
}

/**
 * The company's additions to Vixy, added with `startVixy({ imports: [...] })`:
 * ArchiveRouting as the EL strategy of HTTP and WebSocket traffic
 * (CUSTOM_EL_ROUTING_STRATEGY, hence a global module), and the API-key hook.
 */
@Global()
@Module({})
export class GatewayModule {
  static forRoot(options: GatewayOptions): DynamicModule {
    return {
      module: GatewayModule,
      // LatencyTracker, for the built-in strategy ArchiveRouting falls back to.
      imports: [RoutingModule],
      providers: [
        { provide: ARCHIVE_NODE, useValue: options.archiveNode },
        { provide: TENANTS, useValue: options.tenants },
        ArchiveRouting,
        ApiKeyHook,
        { provide: CUSTOM_EL_ROUTING_STRATEGY, useExisting: ArchiveRouting },
        { provide: VIXY_REQUEST_HOOK, useExisting: ApiKeyHook },
      ],
      exports: [CUSTOM_EL_ROUTING_STRATEGY],
    };
  }
}
