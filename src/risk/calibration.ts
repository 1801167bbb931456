/**
 * Bringing every detector's score to one scale, calibrated on the baseline (known-normal traffic),
 * never on the batch being judged: min-max over the batch (the seeds' way) makes the same flow
 * look safe in a noisy hour and dangerous in a quiet one.
 *
 * For each detector we keep the empirical distribution of its scores on held-out baseline rows
 * (rows the detector was not fitted on) as a compact quantile table. A new score s maps to
 *     p(s) = share of baseline rows scoring below s      (in [0, 1), interpolated between quantiles)
 * and a score at or above the highest of n rows to n / (n + 1): "rarer than 1 in n + 1" is all a
 * table of n rows can say. Only beyond the highest calibration score s_max does an exponential
 * tail keep extreme scores ordered (p keeps rising towards 1 instead of flattening there), starting
 * from the table's top, with the scale of the highest 5 % of baseline scores:
 *     p(s) = 1 − (1 − n/(n + 1)) · exp(−(s − s_max) / β)    for s > s_max, β = mean excess over
 *     s_t, the score at the 95th percentile.
 * Under the baseline, p is uniform on [0, 1]; that is what lets fusion treat detectors alike.
 *
 * The tail used to start at s_t itself, p(s) = 1 − 0.05 · exp(−(s − s_t) / β), and so replaced
 * the table over the top 5 % of its rows. Where those rows are not exponential (a rare normal kind
 * of flow, an ICMP echo among 0.25 % of a replayed network's flows, far above the rest) it said
 * rarer than 1 in 10,000,000 at the highest of 806 rows (the one-class SVM: s_max was 13 scales
 * above s_t), and the risk of those flows in new normal traffic was 0.9998: 191 of 40,078 flows
 * of a normal capture reached the alert threshold 0.999, where 40 are expected; now 12 do
 * (docs/architecture.md).
 *
 * A table measured on few rows cannot say much: a score above every one of n baseline rows is
 * "rarer than 1 in n + 1", nothing more. The tail is extrapolated only when at least
 * MIN_TAIL_ROWS rows lie above s_t (about 42 calibration rows), so that β rests on more than one
 * excess; a smaller table gives at most n / (n + 1) however far out the score. Without that bound
 * a detector fitted on the input itself with 2 held-out rows (a 9-flow capture analysed without a
 * baseline) put ordinary flows at p = 0.99999 from the scale of a single excess, and fusion called
 * them attacks.
 */

export interface Calibration {
  /** score at each probability in `probs` (ascending) */
  readonly quantiles: Float64Array;
  readonly probs: Float64Array;
  /** s_t, the score at the 95th percentile: the tail's scale is the mean excess over it */
  readonly tailStart: number;
  readonly tailShare: number;
  readonly tailScale: number;
  /** how many baseline rows it was measured on */
  readonly rows: number;
}

const TAIL_SHARE = 0.05;
/** rows above the tail's start needed to extrapolate beyond the table (see the top of this file) */
export const MIN_TAIL_ROWS = 3;

/** rows of n sorted calibration scores above the tail's start s_t (fitCalibration's choice of s_t) */
function tailRows(n: number): number {
  return n <= 1 ? 0 : n - 1 - Math.min(n - 1, Math.floor((1 - TAIL_SHARE) * (n - 1)));
}

/** Whether the calibration's tail rests on enough rows to extrapolate beyond its highest score. */
export function hasTail(c: Calibration): boolean {
  return tailRows(c.rows) >= MIN_TAIL_ROWS;
}

/** The fewest calibration rows whose tail has MIN_TAIL_ROWS rows above its start. */
export const MIN_TAIL_CALIBRATION_ROWS = (() => {
  let n = 1;
  while (tailRows(n) < MIN_TAIL_ROWS) n++;
  return n;
})();

/** The highest p a table of n rows without a tail can give: beyond all n of them, 1 in n + 1. */
function tableCap(rows: number): number {
  return rows / (rows + 1);
}

/** Fit a calibration table from detector scores on held-out normal rows. */
export function fitCalibration(scores: ArrayLike<number>, points = 512): Calibration {
  const sorted = Float64Array.from(scores).filter((x) => Number.isFinite(x)).sort();
  const n = sorted.length;
  if (n === 0) {
    return { quantiles: Float64Array.of(0, 0), probs: Float64Array.of(0, 1), tailStart: 0, tailShare: TAIL_SHARE, tailScale: 1, rows: 0 };
  }
  const m = Math.min(points, n);
  const probs = new Float64Array(m);
  const quantiles = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const p = m === 1 ? 1 : i / (m - 1);
    probs[i] = p;
    quantiles[i] = sorted[Math.min(n - 1, Math.round(p * (n - 1)))];
  }
  const startIdx = Math.min(n - 1, Math.floor((1 - TAIL_SHARE) * (n - 1)));
  const tailStart = sorted[startIdx];
  let excess = 0;
  let cnt = 0;
  for (let i = startIdx + 1; i < n; i++) {
    excess += sorted[i] - tailStart;
    cnt++;
  }
  const spread = sorted[n - 1] - sorted[0];
  const tailScale = cnt > 0 && excess > 0 ? excess / cnt : spread > 0 ? spread / 100 : 1;
  return { quantiles, probs, tailStart, tailShare: TAIL_SHARE, tailScale, rows: n };
}

/** p(s): the calibrated score in [0, 1). */
export function calibrate(c: Calibration, s: number): number {
  if (!(s === s)) return 0.5; // NaN: no evidence either way
  if (c.rows === 0) return 0.5; // measured on nothing: no evidence either way
  const q = c.quantiles;
  // no row below it (a score every row shares is no evidence, however few or many rows)
  if (s <= q[0]) return 0;
  const top = tableCap(c.rows);
  const max = q[q.length - 1];
  if (s >= max) {
    // at the highest row: 1 in n + 1; further out only with a tail resting on enough rows, from there
    return s > max && hasTail(c) ? 1 - (1 - top) * Math.exp(-(s - max) / c.tailScale) : top;
  }
  // binary search for the last quantile <= s
  let lo = 0;
  let hi = q.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (q[mid] <= s) lo = mid;
    else hi = mid;
  }
  const span = q[hi] - q[lo];
  const f = span > 0 ? (s - q[lo]) / span : 1;
  // ties in the table: take the highest probability of equal quantiles
  return Math.min(top, c.probs[lo] + f * (c.probs[hi] - c.probs[lo]));
}

export function calibrateAll(c: Calibration, scores: ArrayLike<number>): Float64Array {
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = calibrate(c, scores[i]);
  return out;
}
