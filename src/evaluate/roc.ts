/**
 * ROC curves and the area under them, for detectors (a score per row, higher = more anomalous)
 * and classifiers (a probability matrix, one-vs-rest).
 *
 * The area is the trapezoid over the curve's points, one point per DISTINCT score: rows with tied
 * scores move the curve diagonally, which counts a tied positive/negative pair as half right. That
 * is what scikit-learn's `roc_auc_score` computes, and the curve points are scikit-learn's
 * `roc_curve` points (intermediate collinear points dropped, as its `drop_intermediate=True`),
 * except that the first threshold is +Infinity (scikit-learn >= 1.3; 1.2 wrote max + 1).
 *
 * Rather than sorting row indices with a comparator, the positive and the negative scores are
 * copied into two Float64Arrays and sorted natively, then merged: two typed-array sorts are
 * several times faster than one index sort in V8, and the merge visits each distinct score once.
 *
 * Deliberately not here: partial AUC (max_fpr), sample weights, the one-vs-one multi-class
 * average, precision-recall curves. A multi-class probability matrix is not checked to sum to 1.
 */
import { UserError } from '../util/errors.js';

export interface RocCurve {
  /** false positive rate at each point, from 0 to 1 */
  readonly fpr: Float64Array;
  /** true positive rate at each point, from 0 to 1 */
  readonly tpr: Float64Array;
  /** score at or above which a row is called positive for that point; thresholds[0] = +Infinity */
  readonly thresholds: Float64Array;
}

/** Positive and negative scores, each sorted descending, and how many of each. */
function splitSorted(yTrue: ArrayLike<number>, score: ArrayLike<number>, positive: number): { pos: Float64Array; neg: Float64Array } {
  const n = yTrue.length;
  if (score.length !== n) {
    throw new UserError(`Found input variables with inconsistent numbers of samples: [${n}, ${score.length}]`);
  }
  let np = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(score[i])) throw new UserError(`Input contains NaN (score of row ${i}).`);
    if (yTrue[i] === positive) np++;
  }
  const pos = new Float64Array(np);
  const neg = new Float64Array(n - np);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (yTrue[i] === positive) pos[a++] = score[i];
    else neg[b++] = score[i];
  }
  // ascending native sort, then reverse in place: descending without a comparator
  pos.sort().reverse();
  neg.sort().reverse();
  return { pos, neg };
}

/**
 * Cumulative (false positives, true positives, threshold) at each distinct score, descending:
 * scikit-learn's `_binary_clf_curve`.
 */
function cumulative(pos: Float64Array, neg: Float64Array): { fps: Float64Array; tps: Float64Array; thr: Float64Array; m: number } {
  const cap = pos.length + neg.length;
  const fps = new Float64Array(cap);
  const tps = new Float64Array(cap);
  const thr = new Float64Array(cap);
  let i = 0;
  let j = 0;
  let m = 0;
  while (i < pos.length || j < neg.length) {
    const t = i < pos.length && (j >= neg.length || pos[i] >= neg[j]) ? pos[i] : neg[j];
    while (i < pos.length && pos[i] === t) i++;
    while (j < neg.length && neg[j] === t) j++;
    fps[m] = j;
    tps[m] = i;
    thr[m] = t;
    m++;
  }
  return { fps, tps, thr, m };
}

function requireBothClasses(np: number, nn: number): void {
  if (np === 0 || nn === 0) {
    throw new UserError('Only one class present in y_true. ROC AUC score is not defined in that case.');
  }
}

/**
 * The ROC curve of a binary problem. `yTrue[i] === positive` (default 1) marks a positive row;
 * every other value is negative.
 */
export function rocCurve(yTrue: ArrayLike<number>, score: ArrayLike<number>, positive = 1): RocCurve {
  const { pos, neg } = splitSorted(yTrue, score, positive);
  requireBothClasses(pos.length, neg.length);
  const { fps, tps, thr, m } = cumulative(pos, neg);
  // keep the ends and every point where the curve changes direction (scikit-learn's
  // drop_intermediate: a point whose second differences are both zero lies on a straight segment)
  const keep: number[] = [];
  for (let k = 0; k < m; k++) {
    if (k === 0 || k === m - 1) {
      keep.push(k);
      continue;
    }
    const dF = fps[k + 1] - 2 * fps[k] + fps[k - 1];
    const dT = tps[k + 1] - 2 * tps[k] + tps[k - 1];
    if (dF !== 0 || dT !== 0) keep.push(k);
  }
  const len = keep.length + 1;
  const fpr = new Float64Array(len);
  const tpr = new Float64Array(len);
  const thresholds = new Float64Array(len);
  thresholds[0] = Infinity;
  const fTotal = fps[m - 1];
  const tTotal = tps[m - 1];
  for (let k = 0; k < keep.length; k++) {
    fpr[k + 1] = fps[keep[k]] / fTotal;
    tpr[k + 1] = tps[keep[k]] / tTotal;
    thresholds[k + 1] = thr[keep[k]];
  }
  return { fpr, tpr, thresholds };
}

/** Area under a curve given by increasing x, by the trapezoid rule. */
export function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let area = 0;
  for (let k = 1; k < x.length; k++) area += ((x[k] - x[k - 1]) * (y[k] + y[k - 1])) / 2;
  return area;
}

/**
 * Binary ROC AUC: the probability that a random positive scores above a random negative, ties
 * counted half (scikit-learn's roc_auc_score). Throws a UserError when only one class is present.
 */
export function rocAuc(yTrue: ArrayLike<number>, score: ArrayLike<number>, positive = 1): number {
  const c = rocCurve(yTrue, score, positive);
  return trapezoid(c.fpr, c.tpr);
}

/** The AUC, or NaN when it is undefined (one class only): for summaries that must not throw. */
export function rocAucOrNaN(yTrue: ArrayLike<number>, score: ArrayLike<number>, positive = 1): number {
  let np = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === positive) np++;
  if (np === 0 || np === yTrue.length) return NaN;
  return rocAuc(yTrue, score, positive);
}

export interface OvrAuc {
  /** unweighted mean over the classes whose AUC is defined */
  readonly macro: number;
  /** mean weighted by each class's number of true rows */
  readonly weighted: number;
  /** AUC of class c against the rest; NaN when class c is absent from y_true (or is every row) */
  readonly perClass: Float64Array;
}

/**
 * One-vs-rest ROC AUC of a multi-class probability matrix (rows x nClasses, row-major), as
 * scikit-learn's roc_auc_score(multi_class="ovr"). A class absent from y_true has no defined AUC:
 * scikit-learn refuses the whole input then; we leave that class out of both averages and report
 * it as NaN in `perClass`, because a cross-validation fold may lack a rare class. For two
 * classes this is the binary AUC of column 1 (both averages equal it), as in scikit-learn.
 */
export function rocAucOvr(yTrue: ArrayLike<number>, proba: Float64Array, nClasses: number): OvrAuc {
  const n = yTrue.length;
  const k = nClasses;
  if (proba.length !== n * k) {
    throw new UserError(`y_score has ${proba.length} values; expected ${n} rows x ${k} classes`);
  }
  const perClass = new Float64Array(k).fill(NaN);
  if (k === 2) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = proba[i * 2 + 1];
    const auc = rocAuc(yTrue, col, 1);
    perClass[0] = auc;
    perClass[1] = auc;
    return { macro: auc, weighted: auc, perClass };
  }
  const support = new Float64Array(k);
  for (let i = 0; i < n; i++) support[yTrue[i]]++;
  const col = new Float64Array(n);
  let sum = 0;
  let defined = 0;
  let wsum = 0;
  let wtotal = 0;
  for (let c = 0; c < k; c++) {
    if (support[c] === 0 || support[c] === n) continue;
    for (let i = 0; i < n; i++) col[i] = proba[i * k + c];
    const auc = rocAuc(yTrue, col, c);
    perClass[c] = auc;
    sum += auc;
    defined++;
    wsum += auc * support[c];
    wtotal += support[c];
  }
  if (defined === 0) throw new UserError('Only one class present in y_true. ROC AUC score is not defined in that case.');
  return { macro: sum / defined, weighted: wsum / wtotal, perClass };
}
