/**
 * The most correlated pairs of numeric features (Pearson's r, ranked by |r|): redundant features
 * (CICFlowMeter has many: "Total Fwd Packets" and "Subflow Fwd Packets" are the same number) that
 * a user may drop, and that make importances of either one misleading.
 *
 * How: each column is standardised once over the rows used, then r for a pair is a dot product
 * divided by (m − 1): p²/2 dot products over contiguous Float64Arrays, the rows split in blocks so
 * a block of every column stays in cache while all pairs use it. A column with non-finite cells
 * (NaN, ±Infinity) is handled pairwise instead: r over the rows where both values are finite, as
 * pandas' DataFrame.corr() does. Columns that are constant over the rows used are skipped (r is
 * undefined) and listed.
 *
 * Large tables: past `maxRows` rows, a seeded uniform sample of rows is used (r from 200,000 rows
 * has a standard error below 0.003), and the result says so.
 *
 * Deliberately not here: rank (Spearman) correlation, correlation with the label (see the tests).
 */
import type { NumericColumn } from '../flows/table.js';
import { Rng } from '../util/rng.js';

export interface CorrelatedPair {
  readonly a: string;
  readonly b: string;
  readonly r: number;
  /** rows both values were finite in */
  readonly n: number;
}

export interface CorrelationSummary {
  readonly method: 'pearson';
  /** rows the coefficients were computed over */
  readonly rowsUsed: number;
  /** true when rowsUsed is a seeded random sample of the table's rows */
  readonly sampled: boolean;
  /** numeric feature columns that took part */
  readonly columnsCompared: number;
  /** constant over the rows used (or without two finite values), so left out */
  readonly skippedConstant: readonly string[];
  /** the top pairs by |r|, largest first */
  readonly pairs: readonly CorrelatedPair[];
}

export interface CorrelationOptions {
  readonly topPairs: number;
  readonly maxRows: number;
  readonly seed: number;
}

const BLOCK = 2048;

export function topCorrelations(columns: readonly NumericColumn[], rows: number, o: CorrelationOptions): CorrelationSummary {
  const sampled = rows > o.maxRows;
  const index = sampled ? new Rng(o.seed).sample(rows, o.maxRows).sort() : undefined;
  const m = index ? index.length : rows;

  // gather (sampled) values and standardise; columns with non-finite cells keep raw values
  const used: { name: string; z: Float64Array; clean: boolean }[] = [];
  const skippedConstant: string[] = [];
  for (const c of columns) {
    const x = new Float64Array(m);
    if (index) for (let i = 0; i < m; i++) x[i] = c.values[index[i]];
    else x.set(c.values.subarray(0, m));
    let finite = 0;
    let sum = 0;
    for (let i = 0; i < m; i++) {
      if (Number.isFinite(x[i])) {
        finite++;
        sum += x[i];
      }
    }
    const mean = sum / finite;
    let ss = 0;
    for (let i = 0; i < m; i++) if (Number.isFinite(x[i])) ss += (x[i] - mean) * (x[i] - mean);
    if (finite < 2 || !(ss > 0)) {
      skippedConstant.push(c.name);
      continue;
    }
    const clean = finite === m;
    if (clean) {
      const inv = 1 / Math.sqrt(ss / (m - 1));
      for (let i = 0; i < m; i++) x[i] = (x[i] - mean) * inv;
    }
    used.push({ name: c.name, z: x, clean });
  }

  const p = used.length;
  const dots = new Float64Array(p * p);
  const cleanIdx = used.map((u, i) => (u.clean ? i : -1)).filter((i) => i >= 0);
  // blocked dot products over the clean (standardised) columns
  for (let start = 0; start < m; start += BLOCK) {
    const end = Math.min(m, start + BLOCK);
    for (let ii = 0; ii < cleanIdx.length; ii++) {
      const a = used[cleanIdx[ii]].z;
      for (let jj = ii + 1; jj < cleanIdx.length; jj++) {
        const b = used[cleanIdx[jj]].z;
        let s = 0;
        for (let r = start; r < end; r++) s += a[r] * b[r];
        dots[cleanIdx[ii] * p + cleanIdx[jj]] += s;
      }
    }
  }

  const pairs: CorrelatedPair[] = [];
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      let r: number;
      let n = m;
      if (used[i].clean && used[j].clean) r = dots[i * p + j] / (m - 1);
      else ({ r, n } = pairwise(used[i].z, used[j].z));
      if (!Number.isFinite(r)) continue;
      pairs.push({ a: used[i].name, b: used[j].name, r: Math.max(-1, Math.min(1, r)), n });
    }
  }
  pairs.sort((x, y) => Math.abs(y.r) - Math.abs(x.r) || (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
  return { method: 'pearson', rowsUsed: m, sampled, columnsCompared: p, skippedConstant, pairs: pairs.slice(0, o.topPairs) };
}

/**
 * r over rows where both are finite. Either column may be raw or standardised (r does not care
 * about an affine change of one column), so means and spreads are taken over the shared rows.
 */
function pairwise(x: Float64Array, y: Float64Array): { r: number; n: number } {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      n++;
      sx += x[i];
      sy += y[i];
    }
  }
  if (n < 2) return { r: Number.NaN, n };
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      const dx = x[i] - mx;
      const dy = y[i] - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
  }
  return { r: sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN, n };
}
