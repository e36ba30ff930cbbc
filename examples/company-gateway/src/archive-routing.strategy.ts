import { Inject, Injectable } from '@nestjs/common';
import {
  type Config,
  createRoutingStrategy,
  type ElNodeState,
  InjectConfig,
  LatencyTracker,
  type RoutingRequest,
  type RoutingStrategy,
} from 'vixy';

/** Token of the name of the node that keeps full history (e.g. `archive-1`). */
export const ARCHIVE_NODE = Symbol('ARCHIVE_NODE');

const ARCHIVE_NAMESPACES = ['debug_', 'trace_'];

function needsArchive(method: string): boolean {
  return ARCHIVE_NAMESPACES.some((prefix) => method.startsWith(prefix));
}

/**
 * debug_* and trace_* calls (a request, or a batch, made only of them) go to the archive
 * node while it is a candidate; everything else, and those calls while the archive node
 * is down, go to the strategy configured in `[proxy].el_routing`. Configure the archive
 * node as an `[[el.backup]]`: then it takes no other traffic while a primary is up.
 * Runs for every attempt: no I/O, no allocation.
 */
@Injectable()
export class ArchiveRouting implements RoutingStrategy<ElNodeState> {
  private readonly fallback: RoutingStrategy<ElNodeState>;

  constructor(
    @InjectConfig() config: Config,
    tracker: LatencyTracker,
    @Inject(ARCHIVE_NODE) private readonly archive: string,
  ) {
    this.fallback = createRoutingStrategy(config.proxy.el_routing, tracker);
  }

  select(
    candidates: readonly Readonly<ElNodeState>[],
    request: RoutingRequest,
  ): Readonly<ElNodeState> | undefined {
    if (request.methods.length > 0 && request.methods.every(needsArchive)) {
      const archive = candidates.find((node) => node.name === this.archive);
      if (archive !== undefined) return archive;
    }
    return this.fallback.select(candidates, request);
  }
}
