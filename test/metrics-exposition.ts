// Reading the Prometheus text format the way Prometheus does, for the metrics specs
// and the @metrics cucumber steps. Not a spec itself.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  /** `# TYPE` of every metric family, by family name (present even without samples). */
  readonly types: ReadonlyMap<string, MetricType>;
  readonly samples: readonly Sample[];
}

const TYPE_LINE = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/;
const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;

/** Parses Prometheus text exposition format 0.0.4. Throws on a line it cannot read. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, MetricType>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = TYPE_LINE.exec(line);
    if (type) {
      types.set(type[1], type[2] as MetricType);
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) throw new Error(`not a Prometheus exposition line: ${line}`);
    samples.push({
      name: sample[1],
      labels: parseLabels(sample[2] ?? ''),
      value: Number(sample[3]),
    });
  }
  return { types, samples };
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, name, value] of text.matchAll(LABEL_PAIR)) {
    labels[name] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/**
 * The value of the one sample of `name` whose labels include `labels`; undefined when
 * there is none. Throws when several match (the caller's labels are not specific).
 */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const matches = exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length > 1) {
    throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  }
  return matches[0]?.value;
}

/** Families (metric names as in `# TYPE`) that a scrape exposes. */
export function familyNames(exposition: Exposition): Set<string> {
  return new Set(exposition.types.keys());
}

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

/**
 * Whether a name used in a query is exposed: a family itself, or a series of a
 * histogram/summary family (`x_bucket`, `x_sum`, `x_count` of histogram `x`).
 */
export function isExposed(exposition: Exposition, name: string): boolean {
  if (exposition.types.has(name)) return true;
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
  if (!suffix) return false;
  const family = exposition.types.get(name.slice(0, -suffix.length));
  return family === 'histogram' || (family === 'summary' && suffix !== '_bucket');
}
