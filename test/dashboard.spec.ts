// grafana/vixy-dashboard.json: importable, and every metric its queries use is one a
// running Vixy exposes (a renamed metric must not leave a dashboard of empty panels).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { M } from '../src/metrics/metrics.providers';
import { bootApp, closedNodesConfig, scrapeMain } from './metrics-app';
import { type Exposition, isExposed, parseExposition } from './metrics-exposition';

const DASHBOARD_PATH = join(__dirname, '..', 'grafana', 'vixy-dashboard.json');
const DATASOURCE = '${DS_PROMETHEUS}';

interface Target {
  readonly expr?: string;
  readonly refId?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
}

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: {
    readonly x: number;
    readonly y: number;
    readonly w: number;
    readonly h: number;
  };
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}

interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query?: string };
  readonly definition?: string;
}

interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly Variable[] };
  readonly annotations: { readonly list: readonly { readonly expr?: string }[] };
}

// PromQL words that look like metric names: functions are recognised by their '(',
// these are the operators and modifiers that are not followed by one.
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
  'atan2',
]);

/** Metric names a PromQL expression selects (Grafana variables allowed). */
function metricNamesOf(expr: string): string[] {
  const names = new Set<string>();
  for (const [, value] of expr.matchAll(/__name__\s*=~?\s*"([^"]*)"/g)) {
    for (const name of value.split('|')) names.add(name);
  }
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals (label values, regexes)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery selectors
    .replace(/\$\{?\w+\}?/g, ' ') // Grafana variables
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  for (const [, word, call] of bare.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)) {
    if (call === undefined && !KEYWORDS.has(word)) names.add(word);
  }
  return [...names];
}

/** Every PromQL expression of the dashboard: panel targets, annotations, variable queries. */
function expressionsOf(dashboard: Dashboard): { where: string; expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  const panels = (list: readonly Panel[]): void => {
    for (const panel of list) {
      for (const t of panel.targets ?? []) {
        if (t.expr) found.push({ where: `panel "${panel.title}"`, expr: t.expr });
      }
      panels(panel.panels ?? []);
    }
  };
  panels(dashboard.panels);
  for (const a of dashboard.annotations.list) {
    if (a.expr) found.push({ where: 'annotation', expr: a.expr });
  }
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? '');
    const labelValues = /^label_values\((.*),\s*\w+\)$/.exec(query.trim());
    found.push({ where: `variable $${v.name}`, expr: labelValues ? labelValues[1] : query });
  }
  return found;
}

function allPanels(list: readonly Panel[]): Panel[] {
  return list.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
const expressions = expressionsOf(dashboard);
const usedNames = new Set(expressions.flatMap(({ expr }) => metricNamesOf(expr)));

describe('metricNamesOf (PromQL)', () => {
  it.each([
    ['vixy_el_chain_head', ['vixy_el_chain_head']],
    ['max(vixy_el_chain_head{job=~"$job"})', ['vixy_el_chain_head']],
    [
      'histogram_quantile(0.99, sum by (le, node) (rate(vixy_a_bucket{node=~"$node"}[$__rate_interval])))',
      ['vixy_a_bucket'],
    ],
    [
      'sum by (node) (rate(a_sum[5m])) / on (node) group_left sum by (node) (rate(a_count[5m]))',
      ['a_sum', 'a_count'],
    ],
    ['topk(15, increase(x_total{kind="rate"}[$__range])) > bool 1e-3', ['x_total']],
    ['time() - process_start_time_seconds offset 5m', ['process_start_time_seconds']],
    ['{__name__=~"a_x|b_y",job="j"}', ['a_x', 'b_y']],
    ['max(a) == 0 or min(b) unless c', ['a', 'b', 'c']],
  ])('finds the metrics of %s', (expr, names) => {
    expect(metricNamesOf(expr).sort()).toEqual([...names].sort());
  });
});

describe('grafana/vixy-dashboard.json', () => {
  it('is an importable dashboard: schema, uid, a Prometheus data source variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('vixy-overview');
    expect(dashboard.title).toBe('Vixy');
    const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.get('DS_PROMETHEUS')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
    });
    expect(variables.get('node')?.type).toBe('query');
    expect(variables.get('instance')?.type).toBe('query');
  });

  it('uses the data source variable everywhere, never a data source of one Grafana', () => {
    const text = readFileSync(DASHBOARD_PATH, 'utf8');
    const uids = [...text.matchAll(/"uid":\s*"([^"]*)"/g)].map((m) => m[1]);
    const datasourceUids = uids.filter((u) => u !== dashboard.uid && u !== '-- Grafana --');
    expect(datasourceUids.length).toBeGreaterThan(50);
    expect(new Set(datasourceUids)).toEqual(new Set([DATASOURCE]));
    for (const panel of allPanels(dashboard.panels).filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid).toBe(DATASOURCE);
    }
  });

  it('has unique panel ids, unique refIds per panel, and panels that fit the 24-column grid without overlap', () => {
    const panels = allPanels(dashboard.panels);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Map<string, string>();
    for (const panel of panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let cx = x; cx < x + w; cx++) {
        for (let cy = y; cy < y + h; cy++) {
          const key = `${cx},${cy}`;
          expect({ cell: key, overlaps: cells.get(key) }).toEqual({
            cell: key,
            overlaps: undefined,
          });
          cells.set(key, panel.title);
        }
      }
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      if (panel.type !== 'row') expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it('shows every metric Vixy defines (contract names and additions)', () => {
    const missing = Object.values(M).filter((name) => {
      const series = [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
      return !series.some((s) => usedNames.has(s));
    });
    expect(missing).toEqual([]);
  });

  describe('against a running Vixy', () => {
    let app: NestFastifyApplication;
    let exposition: Exposition;

    beforeAll(async () => {
      app = await bootApp(await closedNodesConfig());
      const { status, body } = await scrapeMain(app);
      expect(status).toBe(200);
      exposition = parseExposition(body);
    });

    afterAll(async () => {
      await app.close();
      register.clear();
    });

    it('finds a plausible number of metric names in the queries', () => {
      expect(expressions.length).toBeGreaterThan(50);
      expect(usedNames.size).toBeGreaterThan(30);
    });

    it.each(expressions.map(({ where, expr }) => [where, expr]))(
      '%s: every metric of `%s` is exposed',
      (_where, expr) => {
        const unknown = metricNamesOf(expr).filter((name) => !isExposed(exposition, name));
        expect(unknown).toEqual([]);
      },
    );
  });
});
