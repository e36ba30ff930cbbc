import { type Counter } from 'prom-client';
import {
  CL_EVENT_CLOSE_REASONS,
  CL_EVENT_MOVE_REASONS,
  CL_EVENT_REJECT_REASONS,
  type ClEventCloseReason,
  type ClEventMoveReason,
  type ClEventRejectReason,
} from '../../metrics/metrics.labels';
import { type VixyMetrics } from '../../metrics/metrics.service';
import { CORE_TOPICS, type CoreTopic, KNOWN_TOPICS } from './topics';

function bind<L extends string>(
  counter: Counter<'reason' | 'topic'>,
  values: readonly L[],
): Record<L, Counter.Internal> {
  const out = {} as Record<L, Counter.Internal>;
  for (const value of values) out[value] = counter.labels(value);
  return out;
}

/** The event streams' metric children, bound once (label values are closed sets). */
export class EventsMetrics {
  readonly moves: Record<ClEventMoveReason, Counter.Internal>;
  readonly rejected: Record<ClEventRejectReason, Counter.Internal>;
  readonly closed: Record<ClEventCloseReason, Counter.Internal>;
  readonly filled: Record<CoreTopic, Counter.Internal>;
  private readonly delivered = new Map<string, Counter.Internal>();

  constructor(private readonly metrics: VixyMetrics) {
    this.moves = bind(metrics.clEventStreamMoves, CL_EVENT_MOVE_REASONS);
    this.rejected = bind(metrics.clEventStreamsRejected, CL_EVENT_REJECT_REASONS);
    this.closed = bind(metrics.clEventStreamsClosed, CL_EVENT_CLOSE_REASONS);
    this.filled = bind(metrics.clEventsFilled, CORE_TOPICS);
  }

  get active(): VixyMetrics['clEventStreamsActive'] {
    return this.metrics.clEventStreamsActive;
  }

  get resumes(): VixyMetrics['clEventResumes'] {
    return this.metrics.clEventResumes;
  }

  /** vixy_cl_event_upstream_node: 1 for the serving node. */
  serving(from: string | null, to: string | null): void {
    if (from !== null) this.metrics.clEventUpstreamNode.labels(from).set(0);
    if (to !== null) this.metrics.clEventUpstreamNode.labels(to).set(1);
  }

  /** One event written to a client; topics a node made up count as `other`. */
  deliveredOne(topic: string): void {
    let child = this.delivered.get(topic);
    if (child === undefined) {
      const label = KNOWN_TOPICS.has(topic) ? topic : 'other';
      child = this.delivered.get(label) ?? this.metrics.clEvents.labels(label);
      this.delivered.set(label, child);
      if (label === topic) this.delivered.set(topic, child);
    }
    child.inc();
  }
}
