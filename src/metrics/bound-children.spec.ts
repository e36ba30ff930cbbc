import { Counter, Histogram, Registry } from 'prom-client';
import { boundCounter, boundHistogram } from './bound-children';

describe('bound metric children', () => {
  it('count exactly what the ordinary children would, in the exposition', async () => {
    const registry = new Registry();
    const counter = new Counter({
      name: 'c',
      help: 'c',
      labelNames: ['node', 'tier'],
      registers: [registry],
    });
    const histogram = new Histogram({
      name: 'h',
      help: 'h',
      labelNames: ['node'],
      buckets: [0.001, 0.01, 1],
      registers: [registry],
    });
    const c = boundCounter(counter, { node: 'a', tier: 'primary' });
    const h = boundHistogram(histogram, { node: 'a' });
    c.inc();
    c.inc(2);
    counter.labels('a', 'primary').inc();
    for (const v of [0.0005, 0.005, 0.5, 5]) h.observe(v);
    histogram.labels('a').observe(0.0001);
    const text = await registry.metrics();
    expect(text).toContain('c{node="a",tier="primary"} 4');
    expect(text).toContain('h_bucket{le="0.001",node="a"} 2');
    expect(text).toContain('h_bucket{le="0.01",node="a"} 3');
    expect(text).toContain('h_bucket{le="1",node="a"} 4');
    expect(text).toContain('h_bucket{le="+Inf",node="a"} 5');
    expect(text).toContain('h_count{node="a"} 5');
    expect(Number(/h_sum\{node="a"\} (\S+)/.exec(text)?.[1])).toBeCloseTo(5.5056, 6);
  });
});
