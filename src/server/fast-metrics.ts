/**
 * Counters and histograms for the per-request hot path, readable by prom-client's Registry.
 *
 * prom-client hashes the label object and validates it on every inc()/observe() (its labels()
 * child does the same work again on each call); at 10,000 requests/s that was a visible share of
 * /classify's time. Here a series is looked up once by its label values and kept: recording is a
 * bucket search and two additions on a Float64Array. The Registry only needs `name` and `get()`
 * (the shape prom-client's own metrics return), so /metrics prints these exactly as it printed
 * prom-client's: `name{labels} value`, and for histograms `le` first, `_bucket`, `_sum`, `_count`.
 */
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

/** Series are found by their label values joined with a byte no label value holds. */
const SEP = '\u0001';

export class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(by = 1): void {
    this.value += by;
  }
}

export class FastCounter<L extends string> {
  private readonly series = new Map<string, CounterSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** the series of these label values, in labelNames order (created on first use) */
  labels(...values: string[]): CounterSeries {
    const key = values.join(SEP);
    let s = this.series.get(key);
    if (!s) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i]));
      this.series.set(key, (s = new CounterSeries(labels)));
    }
    return s;
  }

  /** prom-client's call shape, for the cold paths */
  inc(labels: Partial<Record<L, string>>, by = 1): void {
    this.labels(...this.labelNames.map((n) => labels[n] ?? '')).inc(by);
  }

  get(): Exported {
    const values = [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' };
  }
}

export class HistogramSeries {
  /** count per bucket (not cumulative); the last entry is +Inf */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly bounds: Float64Array,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(v: number): void {
    if (v !== v) return; // NaN has no bucket (prom-client throws; a metric must never fail a request)
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export class FastHistogram<L extends string> {
  private readonly series = new Map<string, HistogramSeries>();
  private readonly bounds: Float64Array;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
    registry.registerMetric(this as never);
  }

  labels(...values: string[]): HistogramSeries {
    const key = values.join(SEP);
    let s = this.series.get(key);
    if (!s) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i]));
      this.series.set(key, (s = new HistogramSeries(labels, this.bounds)));
    }
    return s;
  }

  observe(labels: Partial<Record<L, string>>, v: number): void {
    this.labels(...this.labelNames.map((n) => labels[n] ?? '')).observe(v);
  }

  get(): Exported {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        acc += s.counts[i];
        values.push({ labels: { le: i < this.bounds.length ? this.bounds[i] : '+Inf', ...s.labels }, value: acc, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}
