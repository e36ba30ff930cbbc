// The metrics contract of DESIGN.md ("Contract: metrics"), written out here on
// purpose: this list is what dashboards rely on, and a rename anywhere in src/ must
// fail this spec rather than silently follow.
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import {
  type Exposition,
  type MetricType,
  parseExposition,
  sampleValue,
} from './metrics-exposition';
import { bootApp, closedNodesConfig, scrapeMain } from './metrics-app';

interface Contract {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
}

const c = (name: string, type: MetricType, labels: readonly string[] = []): Contract => ({
  name,
  type,
  labels,
});

/** DESIGN.md, verbatim: names from the Rust original, never renamed. */
const CONTRACT: readonly Contract[] = [
  c('vixy_el_requests_total', 'counter', ['node', 'tier']),
  c('vixy_el_request_duration_seconds', 'histogram', ['node', 'tier']),
  c('vixy_el_node_block_number', 'gauge', ['node', 'tier']),
  c('vixy_el_node_lag_blocks', 'gauge', ['node', 'tier']),
  c('vixy_el_node_healthy', 'gauge', ['node', 'tier']),
  c('vixy_el_chain_head', 'gauge'),
  c('vixy_el_healthy_nodes', 'gauge'),
  c('vixy_el_failover_active', 'gauge'),
  c('vixy_el_failovers_total', 'counter'),
  c('vixy_cl_requests_total', 'counter', ['node']),
  c('vixy_cl_request_duration_seconds', 'histogram', ['node']),
  c('vixy_cl_node_slot', 'gauge', ['node']),
  c('vixy_cl_node_lag_slots', 'gauge', ['node']),
  c('vixy_cl_node_healthy', 'gauge', ['node']),
  c('vixy_cl_chain_head', 'gauge'),
  c('vixy_cl_healthy_nodes', 'gauge'),
  c('vixy_ws_connections_active', 'gauge'),
  c('vixy_ws_connections_total', 'counter'),
  c('vixy_ws_messages_total', 'counter', ['direction']),
  c('vixy_ws_reconnections_total', 'counter'),
  c('vixy_ws_reconnection_attempts_total', 'counter', ['status']),
  c('vixy_ws_subscriptions_active', 'gauge'),
  c('vixy_ws_subscriptions_total', 'counter'),
  c('vixy_ws_upstream_node', 'gauge', ['node']),
];

/** Additions documented in the README: as stable as the contract once released. */
const ADDITIONS: readonly Contract[] = [
  c('vixy_el_rpc_requests_total', 'counter', ['method']),
  c('vixy_upstream_errors_total', 'counter', ['layer', 'node', 'kind']),
  c('vixy_retries_total', 'counter', ['layer']),
  c('vixy_rate_limited_total', 'counter', ['layer']),
  c('vixy_health_check_duration_seconds', 'histogram', ['layer', 'node']),
  c('vixy_node_drained', 'gauge', ['layer', 'node']),
  c('vixy_cl_event_streams_active', 'gauge'),
  c('vixy_cl_event_stream_moves_total', 'counter', ['reason']),
  c('vixy_cl_events_total', 'counter', ['topic']),
  c('vixy_cl_events_filled_total', 'counter', ['topic']),
  c('vixy_cl_event_resumes_total', 'counter'),
  c('vixy_cl_event_streams_rejected_total', 'counter', ['reason']),
  c('vixy_cl_event_streams_closed_total', 'counter', ['reason']),
  c('vixy_cl_event_upstream_node', 'gauge', ['node']),
];

/** Node process metrics from prom-client that the dashboard uses. */
const PROCESS: readonly Contract[] = [
  c('process_cpu_seconds_total', 'counter'),
  c('process_resident_memory_bytes', 'gauge'),
  c('nodejs_heap_size_used_bytes', 'gauge'),
  c('nodejs_eventloop_lag_p99_seconds', 'gauge'),
  c('nodejs_gc_duration_seconds', 'histogram', ['kind']),
];

/** prom-client keeps the declared label names on the metric; its typings do not show them. */
interface MetricInternals {
  readonly labelNames: readonly string[];
}

/** One sample for `metric` with exactly its contract labels, so the scrape shows them. */
function record(metric: Contract): void {
  const registered = register.getSingleMetric(metric.name);
  if (!registered) throw new Error(`${metric.name} is not registered`);
  const labels = Object.fromEntries(metric.labels.map((l) => [l, `contract-${l}`]));
  // prom-client's Metric type has no common recording method; the three kinds do.
  const any = registered as unknown as {
    inc?: (l: object, v: number) => void;
    set?: (l: object, v: number) => void;
    observe?: (l: object, v: number) => void;
  };
  if (metric.type === 'histogram') any.observe?.(labels, 0.001);
  else if (metric.type === 'gauge') any.set?.(labels, 7);
  else any.inc?.(labels, 1);
}

function labelSetsOf(exposition: Exposition, name: string, type: MetricType): string[][] {
  const series = type === 'histogram' ? `${name}_bucket` : name;
  return exposition.samples
    .filter((s) => s.name === series)
    .map((s) =>
      Object.keys(s.labels)
        .filter((l) => l !== 'le')
        .sort(),
    );
}

describe('metrics contract (DESIGN.md)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await bootApp(await closedNodesConfig());
  });

  afterAll(async () => {
    await app.close();
    register.clear();
  });

  it('exposes at zero, before anything is recorded, the series whose labels are known from the config', async () => {
    const exposition = parseExposition((await scrapeMain(app)).body);
    const zero = (name: string, labels: Record<string, string>): void =>
      expect(sampleValue(exposition, name, labels)).toBe(0);
    zero('vixy_el_requests_total', { node: 'el-a', tier: 'primary' });
    zero('vixy_el_requests_total', { node: 'el-backup', tier: 'backup' });
    zero('vixy_el_request_duration_seconds_count', { node: 'el-b', tier: 'primary' });
    zero('vixy_cl_requests_total', { node: 'cl-b' });
    zero('vixy_cl_request_duration_seconds_count', { node: 'cl-a' });
    for (const kind of ['timeout', 'connect', 'http_5xx', 'rate_limited', 'invalid']) {
      zero('vixy_upstream_errors_total', { layer: 'el', node: 'el-a', kind });
      zero('vixy_upstream_errors_total', { layer: 'cl', node: 'cl-b', kind });
    }
    zero('vixy_retries_total', { layer: 'el' });
    zero('vixy_rate_limited_total', { layer: 'cl' });
    zero('vixy_node_drained', { layer: 'el', node: 'el-backup' });
    zero('vixy_ws_upstream_node', { node: 'el-b' });
    zero('vixy_ws_messages_total', { direction: 'client_to_upstream' });
    zero('vixy_ws_messages_total', { direction: 'upstream_to_client' });
    zero('vixy_ws_reconnection_attempts_total', { status: 'success' });
    zero('vixy_ws_reconnection_attempts_total', { status: 'failure' });
    zero('vixy_el_failovers_total', {});
  });

  it('declares every name of the contract once (a typo in this list would hide a rename)', () => {
    const names = CONTRACT.map((m) => m.name);
    expect(new Set(names).size).toBe(24);
    expect(names.every((n) => n.startsWith('vixy_'))).toBe(true);
  });

  describe.each([
    ['contract', CONTRACT],
    ['addition', ADDITIONS],
    ['process', PROCESS],
  ])('%s metrics', (_, metrics) => {
    it.each(metrics.map((m) => [m.name, m] as const))(
      '%s is exposed with its type and exactly its labels',
      async (_name, metric) => {
        record(metric);
        const { status, body } = await scrapeMain(app);
        expect(status).toBe(200);
        const exposition = parseExposition(body);
        expect(exposition.types.get(metric.name)).toBe(metric.type);
        const labelSets = labelSetsOf(exposition, metric.name, metric.type);
        expect(labelSets.length).toBeGreaterThan(0);
        for (const set of labelSets) expect(set).toEqual([...metric.labels].sort());
        // and no further label declared that this sample left empty
        const declared = (register.getSingleMetric(metric.name) as unknown as MetricInternals)
          .labelNames;
        expect([...declared].sort()).toEqual([...metric.labels].sort());
      },
    );
  });

  it('refuses a label that is not in the contract', () => {
    const healthy = register.getSingleMetric('vixy_el_node_healthy') as unknown as {
      set: (l: object, v: number) => void;
    };
    expect(() => healthy.set({ node: 'x', tier: 'primary', region: 'eu' }, 1)).toThrow(/label/i);
  });

  it('answers in the Prometheus text format', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
