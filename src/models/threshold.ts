/**
 * Thresholds, decisions and labels for every detector, written once (as PyOD's base class does)
 * so that no detector carries its own copy. A detector only produces a raw score per row, higher
 * = more anomalous; this module turns training scores into a threshold and new scores into
 * `decision = score - threshold` (positive = anomalous) and labels (1 anomalous, 0 normal).
 *
 * The threshold comes from one of three rules:
 * - contamination c: the (1 - c) quantile of the training scores, so that about a fraction c of
 *   the training rows is called anomalous (scikit-learn's offset_, PyOD's threshold_);
 * - percentile p: the p-th percentile of the training scores (p = 95 is contamination 0.05);
 * - fixed t: a value the method defines itself (isolation forest's contamination="auto" is 0.5).
 * Quantiles interpolate linearly between order statistics (numpy's default, "type 7"), so the
 * threshold is the number numpy.percentile would give on the same scores.
 *
 * A row is anomalous when its score is strictly above the threshold, as in scikit-learn (which
 * calls decision >= 0 an inlier) and PyOD.
 *
 * Deliberately not here: converting scores to probabilities (the risk stage owns score fusion)
 * and thresholds learned from labels (that is the evaluation's business, not the detector's).
 */
import { UserError, checkParam } from '../util/errors.js';

export type ThresholdRule =
  | { readonly contamination: number }
  | { readonly percentile: number }
  | { readonly fixed: number };

/** Plain serialisable threshold: kept in a detector's state. */
export interface ThresholdState {
  readonly rule: 'contamination' | 'percentile' | 'fixed';
  /** the rule's parameter: c, p or t */
  readonly value: number;
  /** scores strictly above this are anomalous */
  readonly threshold: number;
}

/**
 * The q-quantile (q in [0, 1]) of `values` with linear interpolation between order statistics,
 * numpy's default. NaN values are a bug upstream and throw.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) throw new UserError('cannot take a quantile of no scores: the training set is empty');
  const sorted = Float64Array.from(values).sort();
  if (Number.isNaN(sorted[n - 1])) throw new UserError('Input contains NaN: a detector produced a NaN score on the training rows.');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const frac = h - lo;
  // numpy's _lerp: exact at both ends, monotone in between
  const a = sorted[lo];
  const b = sorted[hi];
  const d = b - a;
  return frac >= 0.5 ? b - d * (1 - frac) : a + d * frac;
}

/**
 * Check a contamination option the way scikit-learn words it. `allowAuto` for methods that define
 * their own fixed threshold.
 */
export function checkContamination(model: string, c: unknown, allowAuto: boolean): void {
  const ok = (allowAuto && c === 'auto') || (typeof c === 'number' && c > 0 && c <= 0.5);
  checkParam(model, 'contamination', ok, allowAuto ? "'auto' or a float in the range (0.0, 0.5]" : 'a float in the range (0.0, 0.5]', c);
}

/** Learn the threshold from the detector's scores on its own training rows. */
export function fitThreshold(trainScores: ArrayLike<number>, rule: ThresholdRule): ThresholdState {
  if ('contamination' in rule) {
    const c = rule.contamination;
    checkParam('threshold', 'contamination', c > 0 && c <= 0.5, 'a float in the range (0.0, 0.5]', c);
    return { rule: 'contamination', value: c, threshold: quantile(trainScores, 1 - c) };
  }
  if ('percentile' in rule) {
    const p = rule.percentile;
    checkParam('threshold', 'percentile', p >= 0 && p <= 100, 'a float in the range [0.0, 100.0]', p);
    return { rule: 'percentile', value: p, threshold: quantile(trainScores, p / 100) };
  }
  checkParam('threshold', 'fixed', Number.isFinite(rule.fixed), 'a finite number', rule.fixed);
  return { rule: 'fixed', value: rule.fixed, threshold: rule.fixed };
}

/** score - threshold per row: positive = anomalous, and how far past the line it is. */
export function decisionFunction(t: ThresholdState, scores: ArrayLike<number>): Float64Array {
  const out = new Float64Array(scores.length);
  const th = t.threshold;
  for (let i = 0; i < scores.length; i++) out[i] = scores[i] - th;
  return out;
}

/** 1 where the score is above the threshold (anomalous), 0 elsewhere. */
export function anomalyLabels(t: ThresholdState, scores: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(scores.length);
  const th = t.threshold;
  for (let i = 0; i < scores.length; i++) out[i] = scores[i] > th ? 1 : 0;
  return out;
}

/** A detector state that carries its threshold (every detector in this project does). */
export interface HasThreshold {
  readonly threshold: ThresholdState;
}

/** A contamination option as a rule: a rate, or the method's own fixed line for 'auto'. */
export function contaminationRule(contamination: number | 'auto', autoThreshold: number): ThresholdRule {
  return contamination === 'auto' ? { fixed: autoThreshold } : { contamination };
}
