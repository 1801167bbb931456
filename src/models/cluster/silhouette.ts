/**
 * The silhouette coefficient (Rousseeuw 1987), exactly as scikit-learn's `silhouette_samples` and
 * `silhouette_score` define it, Euclidean:
 * - a(i) = mean distance from row i to the other rows of its own cluster (sum / (size - 1)),
 * - b(i) = the smallest mean distance from row i to the rows of another cluster,
 * - s(i) = (b - a) / max(a, b), and 0 for a row alone in its cluster (or when a = b = 0);
 * - every distinct label is a cluster, -1 included: DBSCAN's noise counts as one more cluster,
 *   as it does when sklearn is handed DBSCAN's labels;
 * - there must be 2 .. n-1 distinct labels.
 *
 * The n^2/2 distances are all computed (cluster-sums.ts: SIMD kernel, worker threads), on the
 * columns that matter (`distanceColumns`: constant ones dropped, repeated ones merged), in
 * float64. scikit-learn rounds each distance to the input's precision (float32 in the seed
 * pipeline) before summing, so the two agree to about 1e-8 there, to 1e-12 on float64 input.
 * `sampleSize` scores a seeded random subset instead, like sklearn's sample_size (our generator,
 * so not the same rows as sklearn's for the same seed).
 *
 * What it deliberately does not do: other metrics, precomputed distance matrices.
 */
import type { Matrix } from '../../features/matrix.js';
import { takeRows, takeValues } from '../../features/matrix.js';
import { checkParam, UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { distanceSumsByCluster } from './cluster-sums.js';

export interface SilhouetteOptions {
  /** score a random subset of this many rows (2 .. n); all rows when absent */
  readonly sampleSize?: number;
  /** seed for the subset */
  readonly seed?: number;
  /** worker threads; defaults to the machine's parallelism */
  readonly threads?: number;
}

/** s(i) for every row (or every sampled row, in sample order). */
export async function silhouetteSamples(X: Matrix, labels: ArrayLike<number>, options: SilhouetteOptions = {}): Promise<Float64Array> {
  const { data, codes, clusters } = prepare(X, labels, options);
  const sums = await distanceSumsByCluster(data, codes, clusters, options.threads);
  return silhouetteFromSums(sums, codes, clusters);
}

/** Mean silhouette over all rows (or over a seeded sample of `sampleSize` rows). */
export async function silhouetteScore(X: Matrix, labels: ArrayLike<number>, options: SilhouetteOptions = {}): Promise<number> {
  const s = await silhouetteSamples(X, labels, options);
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i];
  return total / s.length;
}

/** s(i) from the per-cluster distance sums S (n x clusters) and labels coded 0 .. clusters-1. */
export function silhouetteFromSums(sums: Float64Array, codes: Int32Array, clusters: number): Float64Array {
  const n = codes.length;
  const size = new Float64Array(clusters);
  for (let i = 0; i < n; i++) size[codes[i]]++;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = codes[i];
    if (size[own] <= 1) continue; // alone in its cluster: 0, as sklearn
    const o = i * clusters;
    const a = sums[o + own] / (size[own] - 1);
    let b = Infinity;
    for (let c = 0; c < clusters; c++) {
      if (c === own) continue;
      const m = sums[o + c] / size[c];
      if (m < b) b = m;
    }
    const den = a > b ? a : b;
    out[i] = den > 0 ? (b - a) / den : 0;
  }
  return out;
}

/** Validate, sample, code labels 0..k-1, and keep the columns that matter for distances. */
function prepare(X: Matrix, labels: ArrayLike<number>, options: SilhouetteOptions): { data: Matrix; codes: Int32Array; clusters: number } {
  if (labels.length !== X.rows) {
    throw new UserError(`silhouette: ${X.rows} rows but ${labels.length} labels; give one label per row`);
  }
  for (let i = 0; i < X.data.length; i++) {
    if (!Number.isFinite(X.data[i])) {
      throw new UserError(`silhouette: row ${Math.floor(i / X.cols) + 1}, column ${(i % X.cols) + 1} is ${X.data[i]}; replace missing and infinite values first`);
    }
  }
  let rows: Matrix = X;
  let lab: ArrayLike<number> = labels;
  if (options.sampleSize !== undefined) {
    const k = options.sampleSize;
    checkParam('silhouette_score', 'sampleSize', Number.isInteger(k) && k >= 2, 'an int in the range [2, inf)', k);
    if (k < X.rows) {
      const idx = new Rng(options.seed ?? 0).sample(X.rows, k);
      rows = takeRows(X, idx);
      lab = takeValues(Int32Array.from(labels), idx);
    }
  }
  const n = rows.rows;
  // labels -> 0..k-1 in ascending label order (as sklearn's LabelEncoder)
  const distinct = [...new Set(Array.from(lab))].sort((a, b) => a - b);
  const code = new Map<number, number>(distinct.map((v, i) => [v, i]));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = code.get(lab[i])!;
  if (distinct.length < 2 || distinct.length > n - 1) {
    throw new UserError(`Number of labels is ${distinct.length}. Valid values are 2 to n_samples - 1 (inclusive)`);
  }
  return { data: distanceColumns(rows), codes, clusters: distinct.length };
}

/**
 * The columns that matter for Euclidean distances, exactly: a constant column adds nothing, and
 * k identical columns add k (a_j - b_j)^2, the same as one column scaled by sqrt(k). Flow
 * features have both (CICFlowMeter's subflow counts repeat the totals; bulk columns are all
 * zero): on the CIC-IDS2017 sample 84 columns become 75, and the silhouette does that much less.
 */
export function distanceColumns(X: Matrix): Matrix {
  const n = X.rows;
  const d = X.cols;
  const groups: { col: number; count: number }[] = [];
  const byKey = new Map<string, number[]>();
  for (let c = 0; c < d; c++) {
    let constant = true;
    const v0 = X.data[c];
    let sum = 0;
    for (let r = 0; r < n; r++) {
      const v = X.data[r * d + c];
      if (v !== v0) constant = false;
      sum += v * ((r % 7) + 1);
    }
    if (constant) continue;
    const key = `${sum}`;
    const candidates = byKey.get(key) ?? [];
    let merged = false;
    for (const g of candidates) {
      const other = groups[g].col;
      let same = true;
      for (let r = 0; r < n && same; r++) same = X.data[r * d + c] === X.data[r * d + other];
      if (same) {
        groups[g].count++;
        merged = true;
        break;
      }
    }
    if (!merged) {
      candidates.push(groups.length);
      byKey.set(key, candidates);
      groups.push({ col: c, count: 1 });
    }
  }
  if (groups.length === d) return X;
  const m = Math.max(1, groups.length);
  const out = new Float64Array(n * m);
  for (let j = 0; j < groups.length; j++) {
    const { col, count } = groups[j];
    const w = Math.sqrt(count);
    for (let r = 0; r < n; r++) out[r * m + j] = w === 1 ? X.data[r * d + col] : w * X.data[r * d + col];
  }
  return { rows: n, cols: m, data: out };
}
