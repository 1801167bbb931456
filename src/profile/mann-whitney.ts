/**
 * Mann-Whitney U test, two-sided, normal approximation with tie correction and continuity
 * correction: the numbers scipy.stats.mannwhitneyu(x, y, method='asymptotic') gives.
 *
 * Used by the profile to ask, per numeric feature, "do attack flows take different values from
 * normal ones?" without assuming a distribution (flow features are heavy-tailed and zero-heavy).
 *
 * Speed: no index sort with a comparator. Each sample is sorted on its own with the typed-array
 * sort (native, numeric; an LSD radix sort on the float bits was tried and was no faster on a
 * million rows), then one merge walk assigns mid-ranks to runs of ties and sums the ranks
 * of x and the tie term Σ(t³ − t). O(n log n) time, no allocation beyond the two sorted copies.
 *
 * NaN values are left out (scipy would return NaN with its default nan_policy); ±Infinity are
 * ordinary, orderable values here. Deliberately not here: the exact distribution for tiny samples
 * (scipy's method='exact'), one-sided alternatives.
 */
import { normalSf } from './special-functions.js';

export interface MannWhitneyResult {
  /** U of the first sample (scipy's `statistic`) */
  readonly u: number;
  /** the standardised statistic used for the p-value (from max(U1, U2), continuity-corrected) */
  readonly z: number;
  /** two-sided p-value, or NaN when every value is tied (no variance) */
  readonly pValue: number;
  readonly n1: number;
  readonly n2: number;
  /** P(a value from y > a value from x) + ½ P(tie) = U2 / (n1 n2): the ROC AUC of "y scores higher" */
  readonly auc: number;
}

/** The test on copies of x and y (the inputs are not changed). */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitneyResult {
  return mannWhitneyUSortInPlace(finiteCopy(x), finiteCopy(y));
}

/**
 * The test on x and y sorted in place (they must hold no NaN): for callers that fill scratch
 * buffers per feature and do not need the values again.
 */
export function mannWhitneyUSortInPlace(x: Float64Array, y: Float64Array): MannWhitneyResult {
  x.sort();
  y.sort();
  const n1 = x.length;
  const n2 = y.length;
  let i = 0;
  let j = 0;
  let rank = 0; // ranks used so far
  let rankSumX = 0;
  let tieTerm = 0;
  while (i < n1 || j < n2) {
    const v = i < n1 && (j >= n2 || x[i] <= y[j]) ? x[i] : y[j];
    let cx = 0;
    while (i < n1 && x[i] === v) {
      i++;
      cx++;
    }
    let cy = 0;
    while (j < n2 && y[j] === v) {
      j++;
      cy++;
    }
    const t = cx + cy;
    // ranks rank+1 .. rank+t share their mean
    rankSumX += cx * (rank + (t + 1) / 2);
    rank += t;
    if (t > 1) tieTerm += t * t * t - t;
  }
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const z = (Math.max(u1, u2) - mu - 0.5) / Math.sqrt(variance);
  const pValue = variance > 0 && n1 > 0 && n2 > 0 ? Math.min(1, 2 * normalSf(z)) : Number.NaN;
  return { u: u1, z: variance > 0 ? z : Number.NaN, pValue, n1, n2, auc: n1 > 0 && n2 > 0 ? u2 / (n1 * n2) : Number.NaN };
}

function finiteCopy(a: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i])) out[k++] = a[i];
  return out;
}
