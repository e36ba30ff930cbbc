import { Injectable } from '@nestjs/common';
import { type Config, InjectConfig } from '../../src/config';
import { type ElNodeState } from '../../src/health/node-state';
import { LatencyTracker } from '../../src/proxy/routing/latency-tracker.service';
import {
  type RoutingRequest,
  type RoutingStrategy,
} from '../../src/proxy/routing/routing-strategy';
import { createRoutingStrategy } from '../../src/proxy/routing/routing-strategy.factory';

/** The node that keeps full history (configured as `[[el.backup]] name = "archive-1"`). */
export const ARCHIVE_NODE = 'archive-1';

const ARCHIVE_NAMESPACES = ['debug_', 'trace_'];

function needsArchive(method: string): boolean {
  return ARCHIVE_NAMESPACES.some((prefix) => method.startsWith(prefix));
}

/**
 * debug_* and trace_* calls (a request, or a batch, made only of them) go to the
 * archive node while it is a candidate; everything else, and those calls while the
 * archive node is down, go to the strategy configured in `[proxy].el_routing`.
 * As a backup, the archive node takes no other traffic while a primary is available.
 */
@Injectable()
export class ArchiveRouting implements RoutingStrategy<ElNodeState> {
  private readonly fallback: RoutingStrategy<ElNodeState>;

  constructor(@InjectConfig() config: Config, tracker: LatencyTracker) {
    this.fallback = createRoutingStrategy(config.proxy.el_routing, tracker);
  }

  select(
    candidates: readonly Readonly<ElNodeState>[],
    request: RoutingRequest,
  ): Readonly<ElNodeState> | undefined {
    if (request.methods.length > 0 && request.methods.every(needsArchive)) {
      const archive = candidates.find((node) => node.name === ARCHIVE_NODE);
      if (archive !== undefined) return archive;
    }
    return this.fallback.select(candidates, request);
  }
}
