/**
 * Classification metrics on class-index labels: accuracy, the confusion matrix, per-class
 * precision / recall / F1 / support and their micro, macro and weighted averages.
 *
 * The numbers are meant to be the ones scikit-learn prints for the same input, so that a figure
 * from netsentinel can be put beside a figure from a notebook:
 * - the classes reported and averaged are, unless `labels` is given, those that occur in y_true
 *   or y_pred (scikit-learn's `unique_labels`), in index order; a class the model was told about
 *   but that never occurs does not pull the macro average down;
 * - an undefined ratio (no predicted rows for precision, no true rows for recall, p + r = 0 for
 *   F1) is 0, scikit-learn's `zero_division="warn"` value (we do not warn);
 * - F1 is 2pr / (p + r) computed from the rounded p and r, as scikit-learn 1.2 does, so the last
 *   bits agree too.
 *
 * Deliberately not here: ROC (roc.ts), the text report (classification-report.ts), multilabel
 * targets, and F-beta for beta other than 1. We wrote these rather than take a library because
 * they are a few flat loops over Int32Arrays and no maintained Node library matches scikit-learn's
 * conventions.
 */
import { UserError } from '../util/errors.js';

/** Per-class scores, one entry per reported label (see `labels`). */
export interface ClassScores {
  /** class indices the entries refer to, in order */
  readonly labels: Int32Array;
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  readonly f1: Float64Array;
  /** rows (or total sample weight) whose true class is the label */
  readonly support: Float64Array;
}

export interface AveragedScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** total support over the reported labels */
  readonly support: number;
}

export type Average = 'micro' | 'macro' | 'weighted';

function checkPair(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, sampleWeight?: ArrayLike<number>): void {
  if (yTrue.length !== yPred.length) {
    throw new UserError(`Found input variables with inconsistent numbers of samples: [${yTrue.length}, ${yPred.length}]`);
  }
  if (sampleWeight && sampleWeight.length !== yTrue.length) {
    throw new UserError(`sample_weight has ${sampleWeight.length} entries but there are ${yTrue.length} samples`);
  }
}

/** Fraction of rows whose predicted class equals the true class (weighted when weights are given). */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, sampleWeight?: ArrayLike<number>): number {
  checkPair(yTrue, yPred, sampleWeight);
  const n = yTrue.length;
  if (n === 0) return 0;
  let hit = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = sampleWeight ? sampleWeight[i] : 1;
    total += w;
    if (yTrue[i] === yPred[i]) hit += w;
  }
  return total === 0 ? 0 : hit / total;
}

/**
 * k x k counts, row-major, row = true class, column = predicted class (scikit-learn's layout).
 * Labels outside [0, k) are a caller bug and throw.
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
  sampleWeight?: ArrayLike<number>,
): Float64Array {
  checkPair(yTrue, yPred, sampleWeight);
  const k = nClasses;
  const m = new Float64Array(k * k);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!(t >= 0 && t < k && p >= 0 && p < k)) {
      throw new RangeError(`confusionMatrix: label out of range at row ${i} (true ${t}, predicted ${p}, ${k} classes)`);
    }
    m[t * k + p] += sampleWeight ? sampleWeight[i] : 1;
  }
  return m;
}

/** Class indices that occur in y_true or y_pred, ascending (scikit-learn's unique_labels). */
export function presentLabels(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): Int32Array {
  const seen = new Uint8Array(nClasses);
  for (let i = 0; i < yTrue.length; i++) seen[yTrue[i]] = 1;
  for (let i = 0; i < yPred.length; i++) seen[yPred[i]] = 1;
  let n = 0;
  for (let c = 0; c < nClasses; c++) n += seen[c];
  const out = new Int32Array(n);
  let j = 0;
  for (let c = 0; c < nClasses; c++) if (seen[c]) out[j++] = c;
  return out;
}

/** Per-label true positives, predicted counts and true counts, from the confusion matrix. */
interface Counts {
  labels: Int32Array;
  tp: Float64Array;
  predicted: Float64Array;
  actual: Float64Array;
}

function counts(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
  labels: ArrayLike<number> | undefined,
  sampleWeight: ArrayLike<number> | undefined,
): Counts {
  const cm = confusionMatrix(yTrue, yPred, nClasses, sampleWeight);
  const lab = labels ? Int32Array.from(labels) : presentLabels(yTrue, yPred, nClasses);
  const k = nClasses;
  const tp = new Float64Array(lab.length);
  const predicted = new Float64Array(lab.length);
  const actual = new Float64Array(lab.length);
  for (let j = 0; j < lab.length; j++) {
    const c = lab[j];
    if (!(c >= 0 && c < k)) throw new RangeError(`labels: ${c} is not a class index in [0, ${k})`);
    tp[j] = cm[c * k + c];
    for (let o = 0; o < k; o++) {
      predicted[j] += cm[o * k + c];
      actual[j] += cm[c * k + o];
    }
  }
  return { labels: lab, tp, predicted, actual };
}

/** a / b, or 0 when b is 0 (scikit-learn's zero_division behaviour). */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function f1Of(p: number, r: number): number {
  const d = p + r;
  return d === 0 ? 0 : (2 * p * r) / d;
}

/**
 * Precision, recall, F1 and support per class. `labels` picks and orders the classes reported
 * (default: those present in y_true or y_pred).
 */
export function classScores(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
  opts: { labels?: ArrayLike<number>; sampleWeight?: ArrayLike<number> } = {},
): ClassScores {
  const c = counts(yTrue, yPred, nClasses, opts.labels, opts.sampleWeight);
  const n = c.labels.length;
  const precision = new Float64Array(n);
  const recall = new Float64Array(n);
  const f1 = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    precision[j] = ratio(c.tp[j], c.predicted[j]);
    recall[j] = ratio(c.tp[j], c.actual[j]);
    f1[j] = f1Of(precision[j], recall[j]);
  }
  return { labels: c.labels, precision, recall, f1, support: c.actual };
}

/**
 * One averaged precision / recall / F1 over the reported labels:
 * - micro: from the summed counts (equals accuracy when every present class is reported);
 * - macro: unweighted mean of the per-class values;
 * - weighted: mean weighted by support (0 when the total support is 0).
 */
export function averagedScores(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
  average: Average,
  opts: { labels?: ArrayLike<number>; sampleWeight?: ArrayLike<number> } = {},
): AveragedScores {
  if (average === 'micro') {
    const c = counts(yTrue, yPred, nClasses, opts.labels, opts.sampleWeight);
    let tp = 0;
    let pr = 0;
    let ac = 0;
    for (let j = 0; j < c.labels.length; j++) {
      tp += c.tp[j];
      pr += c.predicted[j];
      ac += c.actual[j];
    }
    const p = ratio(tp, pr);
    const r = ratio(tp, ac);
    return { precision: p, recall: r, f1: f1Of(p, r), support: ac };
  }
  return averageOf(classScores(yTrue, yPred, nClasses, opts), average);
}

/** Macro or weighted average of already computed per-class scores. */
export function averageOf(s: ClassScores, average: 'macro' | 'weighted'): AveragedScores {
  const n = s.labels.length;
  let total = 0;
  for (let j = 0; j < n; j++) total += s.support[j];
  let p = 0;
  let r = 0;
  let f = 0;
  if (average === 'macro') {
    for (let j = 0; j < n; j++) {
      p += s.precision[j];
      r += s.recall[j];
      f += s.f1[j];
    }
    return n === 0 ? { precision: 0, recall: 0, f1: 0, support: total } : { precision: p / n, recall: r / n, f1: f / n, support: total };
  }
  if (total === 0) return { precision: 0, recall: 0, f1: 0, support: 0 };
  for (let j = 0; j < n; j++) {
    const w = s.support[j];
    p += s.precision[j] * w;
    r += s.recall[j] * w;
    f += s.f1[j] * w;
  }
  return { precision: p / total, recall: r / total, f1: f / total, support: total };
}

/** Macro-averaged F1 over the classes present in y_true or y_pred (scikit-learn's f1_score(average="macro")). */
export function macroF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): number {
  return averagedScores(yTrue, yPred, nClasses, 'macro').f1;
}
