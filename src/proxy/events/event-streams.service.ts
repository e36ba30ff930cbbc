import { countClientAnswer } from '../../metrics/http-responses';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { CONFIG_UPDATE, ConfigStore } from '../../config';
import { VixyMetrics } from '../../metrics/metrics.service';
import { BeaconNodes } from './beacon-nodes';
import { ClientStream } from './client-stream';
import { EventUpstream } from './event-upstream';
import {
  type EventsClock,
  InjectEventsClock,
  MAX_TOPIC_FEEDS,
  TOPIC_OPEN_WAIT_MS,
} from './events.constants';
import { EVENTS_ERRORS, refusalMessage, writeEventsError } from './events.errors';
import { EventsMetrics } from './events.metrics';
import { parseTopics } from './topics';

const STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

/**
 * GET /cl/eth/v1/events: the client's stream is Vixy's, not a node's. Its `block`,
 * `head` and `finalized_checkpoint` events come from Vixy's chain log (filled after a
 * change of node, never twice, resumable with Last-Event-ID); its other topics from a
 * shared stream on the serving node. The stream stays open whatever the nodes do; it
 * ends when the client leaves, reads too slowly, or Vixy shuts down.
 */
@Injectable()
export class EventStreamsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventStreamsService.name);
  private readonly upstream: EventUpstream;
  private readonly metrics: EventsMetrics;
  /** Every stream being opened or open: counted against max_event_streams. */
  private readonly clients = new Set<ClientStream>();
  private closing = false;

  constructor(
    private readonly store: ConfigStore,
    private readonly nodes: BeaconNodes,
    @InjectEventsClock() private readonly clock: EventsClock,
    metrics: VixyMetrics,
  ) {
    this.metrics = new EventsMetrics(metrics);
    this.upstream = new EventUpstream({
      nodes,
      clock,
      stallMs: () => this.store.current.proxy.cl_event_stall_ms,
      requestTimeoutMs: () => this.store.current.global.health_check_timeout_ms,
      moved: (reason) => this.metrics.moves[reason].inc(),
      served: (from, to) => this.metrics.serving(from, to),
      filled: (topic) => this.metrics.filled[topic].inc(),
    });
  }

  /** The CL node serving event streams now (null: none, or no stream opened yet). */
  get servingNode(): string | null {
    return this.upstream.serving;
  }

  /** Streams and node feeds follow a reload: new node list, new keep-alive interval. */
  @OnEvent(CONFIG_UPDATE)
  onConfigUpdate(): void {
    this.upstream.syncNodes();
    const keepalive = this.store.current.proxy.cl_event_keepalive_ms;
    for (const client of this.clients) client.setKeepalive(keepalive);
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const client of [...this.clients]) client.close('shutdown');
    this.clients.clear();
    this.upstream.stop();
  }

  /** Serves one request. Never rejects: every outcome is written to `res`. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { proxy } = this.store.current;
    if (this.closing) return writeEventsError(res, 503, EVENTS_ERRORS.shuttingDown);
    const parsed = parseTopics(req.url);
    if (!parsed.ok) {
      this.metrics.rejected.topic.inc();
      return writeEventsError(res, 400, parsed.message);
    }
    if (this.clients.size >= proxy.max_event_streams) {
      this.metrics.rejected.limit.inc();
      return writeEventsError(res, 503, EVENTS_ERRORS.tooManyStreams(proxy.max_event_streams));
    }
    this.upstream.start();
    if (this.upstream.serving === null && this.nodes.available().length === 0) {
      this.metrics.rejected.no_node.inc();
      return writeEventsError(res, 503, EVENTS_ERRORS.noNode);
    }
    const { topics } = parsed;
    let started = false;
    /** Undone when the stream ends: log subscription, topic group. */
    const detach: (() => void)[] = [];
    const client = new ClientStream(res, topics, {
      clock: this.clock,
      delivered: (topic) => this.metrics.deliveredOne(topic),
      closed: (reason) => {
        this.clients.delete(client);
        this.metrics.active.set(this.clients.size);
        if (started) this.metrics.closed[reason].inc();
        for (const undo of detach) undo();
      },
    });
    this.clients.add(client);

    if (topics.extra.length > 0) {
      const subscription = this.upstream.topics.join(topics.extra, (e) => client.onExtra(e));
      if (subscription === undefined) {
        this.metrics.rejected.limit.inc();
        writeEventsError(res, 503, EVENTS_ERRORS.tooManyTopicSets(MAX_TOPIC_FEEDS));
        return client.close('client');
      }
      detach.push(() => subscription.leave());
      const refusal = await subscription.ready(TOPIC_OPEN_WAIT_MS);
      if (!client.open) return;
      if (refusal !== undefined) {
        this.metrics.rejected.node_refused.inc();
        const message = refusalMessage(refusal.body);
        writeEventsError(res, refusal.status, message);
        return client.close('client');
      }
    }
    res.writeHead(200, STREAM_HEADERS);
    // Counted when it starts: a stream that ends when the client goes never "finishes".
    countClientAnswer('cl_events', 200);
    res.flushHeaders();
    started = true;
    this.metrics.active.set(this.clients.size);
    const lastEventId = header(req, 'last-event-id');
    const replay =
      lastEventId === undefined ? undefined : this.upstream.log.replayAfter(lastEventId);
    if (replay !== undefined) this.metrics.resumes.inc();
    client.begin(replay, proxy.cl_event_keepalive_ms, this.upstream.log.lastId);
    detach.push(this.upstream.log.subscribe((entry) => client.onLog(entry)));
    this.logger.debug(
      { topics: topics.all, resumed: replay !== undefined },
      'CL event stream opened',
    );
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}
