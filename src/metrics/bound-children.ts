import { type Counter, type Histogram } from 'prom-client';

// Metric children for the hot path. prom-client's `labels(...)` children hash their
// label set on every `inc()`/`observe()` (about a microsecond each, several times per
// proxied call); these children find their series once and then only add numbers to
// it. They rely on prom-client 15's series records (`hashMap` values holding `value`, or
// `sum`, `count` and `bucketValues` by upper bound): when a record of that shape cannot
// be found, they fall back to the ordinary child, so a prom-client change costs speed,
// never correctness. Never call `zero()` on a bound series: it replaces the record.

export interface BoundCounter {
  inc(value?: number): void;
}

export interface BoundHistogram {
  observe(value: number): void;
}

type Labels = Record<string, string>;

interface CounterRecord {
  value: number;
  labels: Labels;
}

interface HistogramRecord {
  labels: Labels;
  sum: number;
  count: number;
  bucketValues: Record<number, number>;
}

function recordOf<T extends { labels: Labels }>(metric: unknown, labels: Labels): T | undefined {
  const map = (metric as { hashMap?: Record<string, T> }).hashMap;
  if (typeof map !== 'object' || map === null) return undefined;
  const keys = Object.keys(labels);
  for (const record of Object.values(map)) {
    const own = record?.labels;
    if (own && keys.length === Object.keys(own).length && keys.every((k) => own[k] === labels[k])) {
      return record;
    }
  }
  return undefined;
}

/** A counter series (created at 0 if absent) that increments without hashing. */
export function boundCounter<L extends string>(
  counter: Counter<L>,
  labels: Record<L, string>,
): BoundCounter {
  counter.inc(labels, 0);
  const record = recordOf<CounterRecord>(counter, labels);
  if (record === undefined || typeof record.value !== 'number') {
    const child = counter.labels(labels);
    return { inc: (value = 1) => child.inc(value) };
  }
  return {
    inc: (value = 1) => {
      record.value += value;
    },
  };
}

/** A histogram series (created at 0 if absent) that observes without hashing. */
export function boundHistogram<L extends string>(
  histogram: Histogram<L>,
  labels: Record<L, string>,
): BoundHistogram {
  // zero() replaces a series: only when there is none yet.
  let found = recordOf<HistogramRecord>(histogram, labels);
  if (found === undefined) {
    histogram.zero(labels);
    found = recordOf<HistogramRecord>(histogram, labels);
  }
  const record = found;
  const bounds = (histogram as unknown as { upperBounds?: number[] }).upperBounds;
  const valid =
    record !== undefined &&
    typeof record.sum === 'number' &&
    typeof record.count === 'number' &&
    Array.isArray(bounds) &&
    bounds.every((b) => typeof record.bucketValues?.[b] === 'number');
  if (!valid) {
    const child = histogram.labels(labels);
    return { observe: (value) => child.observe(value) };
  }
  return {
    observe: (value) => {
      if (!Number.isFinite(value)) return;
      record.sum += value;
      record.count += 1;
      for (let i = 0; i < bounds.length; i++) {
        if (value <= bounds[i]) {
          record.bucketValues[bounds[i]] += 1;
          return;
        }
      }
    },
  };
}
