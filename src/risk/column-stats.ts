/**
 * Per-column statistics of baseline traffic, for explanations a person can check: a numeric value
 * far outside the baseline's usual range (robust z against median and scaled MAD, or the 1st–99th
 * percentile band), or a category the baseline never showed. Not a detector: it ranks the
 * features of a flow that other evidence already found risky.
 */
import type { CategoricalColumn, Column, FlowTable } from '../flows/table.js';

const EMPTY_VALUES = new Float64Array(0);

export interface NumericStats {
  readonly name: string;
  readonly kind: 'numeric';
  readonly median: number;
  /** 1.4826 × MAD, or a fallback spread when MAD is 0 */
  readonly spread: number;
  readonly p01: number;
  readonly p99: number;
}

export interface CategoricalStats {
  readonly name: string;
  readonly kind: 'categorical';
  /** categories seen in the baseline with their share */
  readonly seen: Readonly<Record<string, number>>;
}

export type ColumnStats = readonly (NumericStats | CategoricalStats)[];

export function fitColumnStats(t: FlowTable): ColumnStats {
  const out: (NumericStats | CategoricalStats)[] = [];
  for (const c of t.columns) {
    if (c.role !== 'feature') continue;
    if (c.kind === 'numeric') {
      const v = Float64Array.from(c.values).filter((x) => Number.isFinite(x)).sort();
      if (v.length === 0) continue;
      const q = (p: number): number => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))];
      const median = q(0.5);
      const dev = Float64Array.from(v, (x) => Math.abs(x - median)).sort();
      const mad = dev[dev.length >> 1] * 1.4826;
      const iqr = q(0.75) - q(0.25);
      const range = v[v.length - 1] - v[0];
      const spread = mad > 0 ? mad : iqr > 0 ? iqr / 1.349 : range > 0 ? range / 6 : Math.max(Math.abs(median) * 0.1, 1e-9);
      out.push({ name: c.name, kind: 'numeric', median, spread, p01: q(0.01), p99: q(0.99) });
    } else {
      const counts = new Map<number, number>();
      let n = 0;
      for (let i = 0; i < c.codes.length; i++) {
        if (c.codes[i] < 0) continue;
        counts.set(c.codes[i], (counts.get(c.codes[i]) ?? 0) + 1);
        n++;
      }
      // a column with no value at all says nothing of what is usual (as a numeric one without a finite value)
      if (n === 0) continue;
      const seen: Record<string, number> = {};
      for (const [k, cnt] of counts) seen[c.dictionary[k]] = Math.round((cnt / n) * 1e6) / 1e6;
      out.push({ name: c.name, kind: 'categorical', seen });
    }
  }
  return out;
}

export interface FeatureReason {
  readonly feature: string;
  /** how unusual: robust z for numbers, a fixed large value for an unseen category */
  readonly weight: number;
  readonly text: string;
}

const UNSEEN_WEIGHT = 10;

/**
 * A per-second rate column: CICFlowMeter's Flow Bytes/s, Flow Packets/s, Fwd/Bwd Packets/s (and
 * bulk rates), Argus's sload/dload, a generic "rate". CICFlowMeter (and our meter, docs/packets.md)
 * divides by the flow's duration, so every rate of a zero-duration flow (a lone SYN of a scan, a
 * single UDP datagram) is Infinity: a fact of the data, not an explanation. Such a row's infinite
 * rates are said once, as what they mean, not as "Flow Packets/s is Infinity" per column.
 */
const RATE_NAME = /\/s(ec)?$|per[ _-]?s(ec(ond)?)?$|rate|^[sd]load$/i;
export const ZERO_DURATION_REASON = 'a zero-duration flow (all its packets at one instant, so its per-second rates are infinite)';
/**
 * Below every deviation (z ≥ 3, a rare category 5, an unseen one 10): the infinite rates only
 * follow from the duration, which is judged against the baseline like any value ("Flow Duration 0
 * (baseline median …)" when zero is unusual there), so a better reason takes the slot first and
 * this one is said only when fewer than `top` others exist.
 */
const ZERO_DURATION_WEIGHT = 2;
/** most texts kept per column and batch (values beyond it are formatted each time) */
const TEXTS_PER_COLUMN = 4096;

/**
 * An explainer for the rows of one table: columns are looked up and each numeric column's
 * "(baseline median …, 99th pct …)" text made once, so explaining many rows costs only the
 * comparisons, and only the `top` reasons kept become text (analyze explains every risky flow:
 * most of them have more unusual features than it shows).
 */
export function rowExplainer(stats: ColumnStats, t: FlowTable, top = 3): (r: number) => FeatureReason[] {
  const e = new RowExplainer(stats, t, top);
  return (r) => e.reasons(r);
}

/** rowExplainer's texts alone, pushed onto `out` (no object per reason: analyze keeps only the texts). */
export function rowReasonTexts(stats: ColumnStats, t: FlowTable, top = 3): (r: number, out: string[]) => void {
  const e = new RowExplainer(stats, t, top);
  return (r, out) => e.texts(r, out);
}

type Pairs = readonly (readonly [NumericStats | CategoricalStats, Column])[];

/**
 * " (baseline median …, 99th pct …)" of a numeric column's stats, made once per stats entry: an
 * explainer is made per batch, and a stream worker's batches are a few dozen flows (formatting
 * every column's numbers again was most of a small batch's reason work).
 */
const suffixes = new WeakMap<NumericStats, string>();
function numericSuffix(s: NumericStats): string {
  let text = suffixes.get(s);
  if (text === undefined) suffixes.set(s, (text = ` (baseline median ${fmt(s.median)}, 99th pct ${fmt(s.p99)})`));
  return text;
}

const NUMERIC = 1;
const CATEGORICAL = 2;

/**
 * The explainer of one table (rowExplainer and rowReasonTexts answer through it). A class, not
 * closures made per table: an explainer is made per batch, and closures made anew get fresh
 * feedback, so V8 optimised rank/textOf again for every batch of a long-running stream worker;
 * methods share one optimised code for all of them.
 */
export class RowExplainer {
  readonly pairs: Pairs;
  private readonly top: number;
  private readonly suffix: string[];
  private readonly kind: Uint8Array;
  private readonly values: Float64Array[];
  private readonly p01: Float64Array;
  private readonly p99: Float64Array;
  private readonly median: Float64Array;
  private readonly spread: Float64Array;
  /** per pair, 1 for a per-second rate column (RATE_NAME) */
  private readonly rate: Uint8Array;
  /** per pair, texts already made, by value (numeric) or code (categorical) */
  private readonly known: (Map<number, string> | undefined)[];
  /** the candidates of one row: pair index and weight, best first (ties in column order) */
  readonly at: Int32Array;
  readonly weight: Float64Array;
  private kept = 0;

  constructor(stats: ColumnStats, t: FlowTable, top: number) {
    // by name, the last column of a name winning (as new Map(list) keeps it)
    const byName = new Map<string, Column>();
    for (const c of t.columns) byName.set(c.name, c);
    const pairList: (readonly [NumericStats | CategoricalStats, Column])[] = [];
    for (const st of stats) {
      const c = byName.get(st.name);
      if (c !== undefined) pairList.push([st, c]);
    }
    const pairs: Pairs = pairList;
    this.pairs = pairs;
    this.top = top;
    // each pair's kind and numbers in flat arrays: the row loop of rank runs ~90 times per risky flow
    // (filled by plain loops: an explainer is made per batch, and a stream batch is a few dozen flows)
    const m = pairs.length;
    const suffix: string[] = new Array(m);
    const kind = new Uint8Array(m);
    const values: Float64Array[] = new Array(m);
    const p01 = new Float64Array(m).fill(NaN);
    const p99 = new Float64Array(m).fill(NaN);
    const median = new Float64Array(m).fill(NaN);
    const spread = new Float64Array(m).fill(NaN);
    const rate = new Uint8Array(m);
    for (let i = 0; i < m; i++) {
      const [st, c] = pairs[i];
      rate[i] = RATE_NAME.test(st.name) ? 1 : 0;
      suffix[i] = st.kind === 'numeric' ? numericSuffix(st) : '';
      kind[i] = st.kind === 'numeric' && c.kind === 'numeric' ? NUMERIC : st.kind === 'categorical' && c.kind === 'categorical' ? CATEGORICAL : 0;
      values[i] = c.kind === 'numeric' ? c.values : EMPTY_VALUES;
      if (st.kind === 'numeric') {
        p01[i] = st.p01;
        p99[i] = st.p99;
        median[i] = st.median;
        spread[i] = st.spread;
      }
    }
    this.suffix = suffix;
    this.kind = kind;
    this.values = values;
    this.p01 = p01;
    this.p99 = p99;
    this.median = median;
    this.spread = spread;
    this.rate = rate;
    this.known = new Array(m);
    this.at = new Int32Array(Math.max(0, top) + 1);
    this.weight = new Float64Array(Math.max(0, top) + 1);
  }

  /** Row r's reasons, as explainWith gives them. */
  reasons(r: number): FeatureReason[] {
    const kept = this.rank(r);
    if (kept < 0) return explainWith(this.pairs, r, this.top);
    const out: FeatureReason[] = new Array(kept);
    for (let k = 0; k < kept; k++) out[k] = { feature: this.pairs[this.at[k]][0].name, weight: this.weight[k], text: this.textOf(this.at[k], r) };
    return out;
  }

  /** Row r's reason texts, pushed onto `out`. */
  texts(r: number, out: string[]): void {
    const kept = this.rank(r);
    if (kept < 0) {
      for (const f of explainWith(this.pairs, r, this.top)) out.push(f.text);
      return;
    }
    for (let k = 0; k < kept; k++) out.push(this.textOf(this.at[k], r));
  }

  private consider(i: number, w: number): void {
    const at = this.at;
    const weight = this.weight;
    const top = this.top;
    const kept = this.kept;
    // after every kept candidate at least as heavy: the order of a stable sort by weight
    let k = kept;
    while (k > 0 && weight[k - 1] < w) k--;
    if (k >= top) return;
    for (let m = Math.min(kept, top - 1); m > k; m--) {
      at[m] = at[m - 1];
      weight[m] = weight[m - 1];
    }
    at[k] = i;
    weight[k] = w;
    if (kept < top) this.kept = kept + 1;
  }

  /** Row r's best candidates into `at` and `weight`; how many, or −1 when explainWith must answer (top < 1, a NaN weight). */
  rank(r: number): number {
    if (this.top < 1) return -1;
    this.kept = 0;
    const kind = this.kind;
    const values = this.values;
    const p01 = this.p01;
    const p99 = this.p99;
    const median = this.median;
    const spread = this.spread;
    const pairs = this.pairs;
    const rate = this.rate;
    // the row's infinite rates are one reason, said at the first of them
    let rateSaid = false;
    for (let i = 0; i < kind.length; i++) {
      const k = kind[i];
      if (k === NUMERIC) {
        const x = values[i][r];
        if (x !== x) continue;
        if (x === Infinity && rate[i] === 1) {
          if (!rateSaid) this.consider(i, ZERO_DURATION_WEIGHT);
          rateSaid = true;
          continue;
        }
        if (x === Infinity || x === -Infinity) {
          this.consider(i, UNSEEN_WEIGHT);
          continue;
        }
        if (x >= p01[i] && x <= p99[i]) continue;
        const z = Math.abs(x - median[i]) / spread[i];
        if (z < 3) continue;
        // a NaN weight (a damaged stats file) sorts as the full sort does it
        if (z !== z) return -1;
        this.consider(i, Math.min(z, 1e6));
      } else if (k === CATEGORICAL) {
        const c = pairs[i][1] as CategoricalColumn;
        const code = c.codes[r];
        if (code < 0) continue;
        const share = (pairs[i][0] as CategoricalStats).seen[c.dictionary[code]];
        if (share === undefined) this.consider(i, UNSEEN_WEIGHT);
        else if (share < 0.001) this.consider(i, 5);
      }
    }
    return this.kept;
  }

  /** The text of pair i's reason for row r. */
  textOf(i: number, r: number): string {
    const [s, c] = this.pairs[i];
    // the same value of a column gives the same text: made once per batch (most risky flows of
    // a batch share their unusual values, e.g. "RST Flag Count 1 (...)"), which also keeps one
    // copy of it alive for the batch's sinks instead of one per flow
    const key = c.kind === 'numeric' ? c.values[r] : c.codes[r];
    const known = this.known[i] ?? (this.known[i] = new Map());
    let text = known.get(key);
    if (text === undefined) {
      if (c.kind === 'numeric') {
        const x = c.values[r];
        text = Number.isFinite(x) ? `${s.name} ${fmt(x)}${this.suffix[i]}` : x === Infinity && this.rate[i] === 1 ? ZERO_DURATION_REASON : `${s.name} is ${x > 0 ? '' : '-'}Infinity`;
      } else {
        const v = c.dictionary[c.codes[r]];
        const share = (s as CategoricalStats).seen[v];
        text = share === undefined ? `${s.name} "${v}" never seen in the baseline` : `${s.name} "${v}" rare in the baseline (${(share * 100).toFixed(2)} %)`;
      }
      if (known.size < TEXTS_PER_COLUMN) known.set(key, text);
    }
    return text;
  }
}

/** The `top` features of row r that are furthest from the baseline. */
export function explainRow(stats: ColumnStats, t: FlowTable, r: number, top = 3): FeatureReason[] {
  return rowExplainer(stats, t, top)(r);
}

/** The reasons of row r the plain way: every unusual feature as text, sorted, the first `top` (rowExplainer's answer, by definition). */
export function explainWith(pairs: readonly (readonly [NumericStats | CategoricalStats, Column])[], r: number, top: number): FeatureReason[] {
  const found: FeatureReason[] = [];
  let rateSaid = false;
  for (const [s, c] of pairs) {
    if (s.kind === 'numeric' && c.kind === 'numeric') {
      const x = c.values[r];
      if (!Number.isFinite(x)) {
        if (x === Infinity && RATE_NAME.test(s.name)) {
          if (!rateSaid) found.push({ feature: s.name, weight: ZERO_DURATION_WEIGHT, text: ZERO_DURATION_REASON });
          rateSaid = true;
        } else if (x === Infinity || x === -Infinity) found.push({ feature: s.name, weight: UNSEEN_WEIGHT, text: `${s.name} is ${x > 0 ? '' : '-'}Infinity` });
        continue;
      }
      if (x >= s.p01 && x <= s.p99) continue;
      const z = Math.abs(x - s.median) / s.spread;
      if (z < 3) continue;
      found.push({ feature: s.name, weight: Math.min(z, 1e6), text: `${s.name} ${fmt(x)} (baseline median ${fmt(s.median)}, 99th pct ${fmt(s.p99)})` });
    } else if (s.kind === 'categorical' && c.kind === 'categorical') {
      const code = c.codes[r];
      if (code < 0) continue;
      const v = c.dictionary[code];
      const share = s.seen[v];
      if (share === undefined) found.push({ feature: s.name, weight: UNSEEN_WEIGHT, text: `${s.name} "${v}" never seen in the baseline` });
      else if (share < 0.001) found.push({ feature: s.name, weight: 5, text: `${s.name} "${v}" rare in the baseline (${(share * 100).toFixed(2)} %)` });
    }
  }
  found.sort((a, b) => b.weight - a.weight);
  return found.slice(0, top);
}

function fmt(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}
