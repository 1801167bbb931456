/**
 * Bringing every detector's score to one scale, calibrated on the baseline (known-normal traffic),
 * never on the batch being judged: min-max over the batch (the seeds' way) makes the same flow
 * look safe in a noisy hour and dangerous in a quiet one.
 *
 * For each detector we keep the empirical distribution of its scores on held-out baseline rows
 * (rows the detector was not fitted on) as a compact quantile table. A new score s maps to
 *     p(s) = share of baseline rows scoring below s      (in [0, 1), interpolated between quantiles)
 * Beyond the top of the table an exponential tail fitted to the highest 5 % of baseline scores
 * keeps extreme scores ordered (p keeps rising towards 1 instead of flattening at the maximum):
 *     p(s) = 1 − t · exp(−(s − s_t) / β)    for s > s_t, t = 0.05, β = mean excess over s_t.
 * Under the baseline, p is uniform on [0, 1]; that is what lets fusion treat detectors alike.
 *
 * A table measured on few rows cannot say much: a score above every one of n baseline rows is
 * "rarer than 1 in n + 1", nothing more. The tail is extrapolated only when at least
 * MIN_TAIL_ROWS rows lie above s_t (about 42 calibration rows); a smaller table gives at most
 * n / (n + 1). Without that bound a detector fitted on the input itself with 2 held-out rows (a
 * 9-flow capture analysed without a baseline) put ordinary flows at p = 0.99999 from the scale of
 * a single excess, and fusion called them attacks.
 */

export interface Calibration {
  /** score at each probability in `probs` (ascending) */
  readonly quantiles: Float64Array;
  readonly probs: Float64Array;
  /** exponential tail beyond tailStart */
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
  const tail = hasTail(c);
  if (tail && s > c.tailStart) {
    const p = 1 - c.tailShare * Math.exp(-(s - c.tailStart) / c.tailScale);
    // never below what the table says at s_t (the tail starts where the table is at 1 − t)
    return Math.max(p, 1 - c.tailShare);
  }
  const q = c.quantiles;
  if (s <= q[0]) return 0;
  const top = tail ? 1 - c.tailShare : tableCap(c.rows);
  if (!tail && s >= q[q.length - 1]) return top;
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
