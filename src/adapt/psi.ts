/**
 * Population stability index (PSI) of each feature of a window of flows against a reference
 * sample (the baseline's held-out normal rows): how far the window's distribution of that feature
 * has moved from what the baseline was fitted on.
 *
 *   PSI = Σ over bins (w − r) · ln(w / r)
 *
 * with r, w the reference's and the window's share of each bin. Numeric features get bins at the
 * reference's deciles (edges that coincide, as with a column mostly 0, merge) plus one bin for
 * missing or infinite cells; categorical features get one bin per reference category plus one for
 * categories the reference never showed. Shares are smoothed by half a count per bin so an empty
 * bin in a small window does not make the index infinite (the usual ε floor of 1e-4 turns one empty
 * decile of a 200-flow window into a PSI of 0.7 on its own).
 *
 * Written here rather than taken from a library: it is twenty lines over our own columnar tables,
 * and no npm package works on them.
 */
import type { Column, FlowTable } from '../flows/table.js';

/** one feature's bins as fitted on the reference */
export type FeatureBins =
  | { readonly name: string; readonly kind: 'numeric'; readonly edges: Float64Array; readonly refShare: Float64Array }
  | { readonly name: string; readonly kind: 'categorical'; readonly categories: readonly string[]; readonly refShare: Float64Array };

export interface DriftReference {
  readonly rows: number;
  readonly features: readonly FeatureBins[];
}

export interface FeaturePsi {
  readonly feature: string;
  readonly psi: number;
  /**
   * what sampling alone gives on average with these sample sizes when nothing moved:
   * (bins − 1)·(1/n_reference + 1/n_window) (PSI is a symmetrised χ²/n). On a reference of a few
   * hundred rows and windows of a few hundred flows it is 0.1 or more, so it is subtracted before
   * the threshold is applied.
   */
  readonly noise: number;
}

export const DEFAULT_BINS = 10;

/** Bins of every feature column of the reference table (plus any extra numeric series given, e.g. the anomaly score). */
export function driftReference(ref: FlowTable, extra: Readonly<Record<string, Float64Array>> = {}, bins = DEFAULT_BINS): DriftReference {
  const features: FeatureBins[] = [];
  for (const c of ref.columns) {
    if (c.role !== 'feature') continue;
    if (c.kind === 'numeric') features.push(numericBins(c.name, c.values, bins));
    else {
      const categories = c.dictionary.filter((_, k) => c.codes.includes(k));
      const counts = categoricalCounts(c, categories);
      features.push({ name: c.name, kind: 'categorical', categories, refShare: shares(counts) });
    }
  }
  for (const [name, values] of Object.entries(extra)) features.push(numericBins(name, values, bins));
  return { rows: ref.rowCount, features };
}

function numericBins(name: string, values: Float64Array, bins: number): FeatureBins {
  const finite = Float64Array.from(values).filter((x) => Number.isFinite(x)).sort();
  const edges: number[] = [];
  for (let i = 1; i < bins && finite.length; i++) {
    const q = finite[Math.min(finite.length - 1, Math.floor((i * finite.length) / bins))];
    if (!edges.length || q > edges[edges.length - 1]) edges.push(q);
  }
  const e = Float64Array.from(edges);
  return { name, kind: 'numeric', edges: e, refShare: shares(numericCounts(values, e)) };
}

/** counts per bin: [below edge 0, …, at or above the last edge, not finite] */
function numericCounts(values: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 2);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) {
      counts[edges.length + 1]++;
      continue;
    }
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x >= edges[mid]) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]++;
  }
  return counts;
}

/** counts per reference category, then unseen categories and missing cells together */
function categoricalCounts(c: Extract<Column, { kind: 'categorical' }>, categories: readonly string[]): Float64Array {
  const index = new Map(categories.map((s, i) => [s, i]));
  const remap = c.dictionary.map((s) => index.get(s) ?? categories.length);
  const counts = new Float64Array(categories.length + 1);
  for (let i = 0; i < c.codes.length; i++) counts[c.codes[i] < 0 ? categories.length : remap[c.codes[i]]]++;
  return counts;
}

function shares(counts: Float64Array): Float64Array {
  let n = 0;
  for (const x of counts) n += x;
  const total = n + 0.5 * counts.length;
  return Float64Array.from(counts, (x) => (x + 0.5) / total);
}

function psiOf(ref: Float64Array, win: Float64Array): number {
  let s = 0;
  for (let i = 0; i < ref.length; i++) s += (win[i] - ref[i]) * Math.log(win[i] / ref[i]);
  return s;
}

/**
 * PSI of every reference feature in the window, largest first. A feature the window lacks is
 * skipped (and named in `missing`): flows from another format are not drift, they are a mistake.
 */
export function windowPsi(ref: DriftReference, window: FlowTable, extra: Readonly<Record<string, Float64Array>> = {}): { features: FeaturePsi[]; missing: string[] } {
  const byName = new Map(window.columns.map((c) => [c.name, c]));
  const out: FeaturePsi[] = [];
  const missing: string[] = [];
  for (const f of ref.features) {
    const ex = extra[f.name];
    const c = byName.get(f.name);
    let counts: Float64Array;
    if (f.kind === 'numeric') {
      const values = ex ?? (c?.kind === 'numeric' ? c.values : undefined);
      if (!values) {
        missing.push(f.name);
        continue;
      }
      counts = numericCounts(values, f.edges);
    } else {
      if (c?.kind !== 'categorical') {
        missing.push(f.name);
        continue;
      }
      counts = categoricalCounts(c, f.categories);
    }
    let n = 0;
    for (const x of counts) n += x;
    const noise = n > 0 ? (f.refShare.length - 1) * (1 / ref.rows + 1 / n) : 0;
    out.push({ feature: f.name, psi: psiOf(f.refShare, shares(counts)), noise });
  }
  out.sort((a, b) => b.psi - a.psi || a.feature.localeCompare(b.feature));
  return { features: out, missing };
}
