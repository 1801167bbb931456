/**
 * Stratified k-fold cross-validation: split the rows into k folds that each keep the class
 * proportions, fit any classifier on k-1 folds, score it on the held-out fold, and summarise
 * accuracy, macro-F1 and ROC-AUC as per-fold values and mean ± standard deviation.
 *
 * Fold assignment: each class's rows are shuffled with the seeded generator, the classes are laid
 * end to end, and the i-th row of that sequence goes to fold i mod k. So every row is in exactly
 * one test fold, each class's rows are spread as evenly as possible (fold counts differ by at most
 * one per class), and the folds' sizes differ by at most one. scikit-learn's StratifiedKFold
 * makes the same guarantees with a different draw.
 *
 * Conventions, for comparing with scikit-learn's cross_validate: the standard deviation is the
 * population one (numpy's default ddof=0, what `scores.std()` prints); ROC-AUC is the binary AUC
 * of class 1 for two classes and the one-vs-rest macro average otherwise; a fold whose AUC is
 * undefined (one class only in its test rows) records NaN and is left out of that mean.
 *
 * Grouped folds (`groupedStratifiedFoldOf`): rows sharing a group value (an attack name, a capture
 * day, a host) stay in one fold, so a held-out fold asks what a user's test data asks: does the
 * model recognise a kind of attack it was never shown? Each group belongs to its most frequent
 * class; within a class, groups are dealt largest first to the fold holding fewest of that
 * class's rows (the aim of scikit-learn's StratifiedGroupKFold, by a simpler greedy rule). A class with a single
 * group (normal traffic labelled "normal") cannot be held out as unseen, so its rows are spread
 * row by row as in the plain stratified split. A class with fewer groups than folds is absent
 * from some test folds: score grouped folds on the pooled out-of-fold predictions.
 *
 * Deliberately not here: repeated k-fold, parallel folds (each fit may already use
 * ctx.threads), and detectors (they have no class predictions to cross-validate).
 */
import type { ClassifierSpec, FitContext } from '../models/estimator.js';
import { argmaxRows } from '../models/estimator.js';
import type { Matrix } from '../features/matrix.js';
import { takeRows, takeValues } from '../features/matrix.js';
import { accuracy, macroF1 } from './metrics.js';
import { rocAucOrNaN, rocAucOvr } from './roc.js';
import { rowsByClass } from './split.js';
import { Rng } from '../util/rng.js';
import { UserError, checkParam } from '../util/errors.js';

export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/** Fold number (0..k-1) of every row. */
export function stratifiedFoldOf(y: ArrayLike<number>, k: number, seed: number): Int32Array {
  checkParam('StratifiedKFold', 'n_splits', Number.isInteger(k) && k >= 2, 'an int in the range [2, inf)', k);
  if (k > y.length) {
    throw new UserError(`Cannot have number of splits n_splits=${k} greater than the number of samples: n_samples=${y.length}.`);
  }
  const rng = new Rng(seed);
  const fold = new Int32Array(y.length);
  let pos = 0;
  for (const rows of rowsByClass(y)) {
    const shuffled = rng.shuffle(Int32Array.from(rows));
    for (let i = 0; i < shuffled.length; i++) fold[shuffled[i]] = pos++ % k;
  }
  return fold;
}

/**
 * Fold number (0..k-1) of every row, keeping each group in one fold (see the top comment).
 * `group` holds a group code per row (>= 0).
 */
export function groupedStratifiedFoldOf(y: ArrayLike<number>, group: ArrayLike<number>, k: number, seed: number): Int32Array {
  checkParam('StratifiedGroupKFold', 'n_splits', Number.isInteger(k) && k >= 2, 'an int in the range [2, inf)', k);
  if (k > y.length) {
    throw new UserError(`Cannot have number of splits n_splits=${k} greater than the number of samples: n_samples=${y.length}.`);
  }
  // rows of each group, and each group's class (its most frequent one)
  const rowsOf = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const g = group[i];
    let list = rowsOf.get(g);
    if (!list) rowsOf.set(g, (list = []));
    list.push(i);
  }
  const groupsOfClass = new Map<number, number[]>();
  for (const [g, rows] of rowsOf) {
    const count = new Map<number, number>();
    for (const r of rows) count.set(y[r], (count.get(y[r]) ?? 0) + 1);
    let best = -1;
    let bestN = -1;
    for (const [c, n] of count) if (n > bestN || (n === bestN && c < best)) [best, bestN] = [c, n];
    let list = groupsOfClass.get(best);
    if (!list) groupsOfClass.set(best, (list = []));
    list.push(g);
  }
  const rng = new Rng(seed);
  const fold = new Int32Array(y.length);
  const total = new Float64Array(k);
  let pos = 0;
  for (const c of [...groupsOfClass.keys()].sort((a, b) => a - b)) {
    const groups = [...groupsOfClass.get(c)!].sort((a, b) => a - b);
    if (groups.length === 1) {
      const shuffled = rng.shuffle(Int32Array.from(rowsOf.get(groups[0])!));
      for (let i = 0; i < shuffled.length; i++) {
        const f = pos++ % k;
        fold[shuffled[i]] = f;
        total[f]++;
      }
      continue;
    }
    // seeded order first, so equal sizes are dealt in a seeded order; then largest first
    const order = Array.from(rng.shuffle(Int32Array.from(groups)));
    order.sort((a, b) => rowsOf.get(b)!.length - rowsOf.get(a)!.length);
    const ofClass = new Float64Array(k);
    for (const g of order) {
      let f = 0;
      for (let j = 1; j < k; j++) if (ofClass[j] < ofClass[f] || (ofClass[j] === ofClass[f] && total[j] < total[f])) f = j;
      const rows = rowsOf.get(g)!;
      for (const r of rows) fold[r] = f;
      ofClass[f] += rows.length;
      total[f] += rows.length;
    }
  }
  return fold;
}

/** The k (train, test) index pairs of given fold numbers, indices ascending. */
export function foldsFrom(fold: Int32Array, k: number): Fold[] {
  const size = new Int32Array(k);
  for (let i = 0; i < fold.length; i++) size[fold[i]]++;
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const test = new Int32Array(size[f]);
    const train = new Int32Array(fold.length - size[f]);
    let a = 0;
    let b = 0;
    for (let i = 0; i < fold.length; i++) {
      if (fold[i] === f) test[a++] = i;
      else train[b++] = i;
    }
    folds.push({ train, test });
  }
  return folds;
}

/** The k (train, test) index pairs, indices ascending. */
export function stratifiedKFold(y: ArrayLike<number>, k: number, seed: number): Fold[] {
  return foldsFrom(stratifiedFoldOf(y, k, seed), k);
}

export interface FoldScores {
  readonly accuracy: number;
  readonly macroF1: number;
  /** binary AUC (2 classes) or one-vs-rest macro AUC; NaN when undefined on this fold */
  readonly rocAuc: number;
  readonly fitSeconds: number;
  readonly predictSeconds: number;
  readonly trainRows: number;
  readonly testRows: number;
}

export interface MeanStd {
  readonly mean: number;
  /** population standard deviation (ddof = 0) */
  readonly std: number;
}

export interface CrossValidationResult {
  readonly k: number;
  readonly folds: FoldScores[];
  readonly accuracy: MeanStd;
  readonly macroF1: MeanStd;
  readonly rocAuc: MeanStd;
}

/** Mean and population standard deviation of the finite values (NaN when there are none). */
export function meanStd(values: readonly number[]): MeanStd {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { mean: NaN, std: NaN };
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const variance = v.reduce((s, x) => s + (x - mean) * (x - mean), 0) / v.length;
  return { mean, std: Math.sqrt(variance) };
}

/**
 * Fit `spec` on each training part of a stratified k-fold split of (X, y) and score it on the
 * held-out part. The folds are drawn with ctx.seed; every fit receives the same ctx (so the same
 * seed, as scikit-learn passes one random_state to every fold), with sample weights cut to the
 * fold and progress reported across all folds.
 */
export async function crossValidate<O extends object, S>(
  spec: ClassifierSpec<O, S>,
  options: Readonly<O>,
  X: Matrix,
  y: Int32Array,
  nClasses: number,
  k: number,
  ctx: FitContext,
): Promise<CrossValidationResult> {
  if (X.rows !== y.length) {
    throw new UserError(`Found input variables with inconsistent numbers of samples: [${X.rows}, ${y.length}]`);
  }
  const folds = stratifiedKFold(y, k, ctx.seed);
  const results: FoldScores[] = [];
  for (let f = 0; f < folds.length; f++) {
    const { train, test } = folds[f];
    const progress = ctx.progress;
    const foldCtx: FitContext = {
      ...ctx,
      sampleWeight: ctx.sampleWeight ? takeValues(ctx.sampleWeight, train) : undefined,
      progress: progress
        ? (done, total, what) => progress(f * total + done, k * total, `fold ${f + 1}/${k}${what ? `: ${what}` : ''}`)
        : undefined,
    };
    const Xtr = takeRows(X, train);
    const ytr = takeValues(y, train);
    const t0 = performance.now();
    const state = await spec.fit(Xtr, ytr, nClasses, options, foldCtx);
    const t1 = performance.now();
    const Xte = takeRows(X, test);
    const proba = spec.predictProba(state, Xte);
    const t2 = performance.now();
    const yte = takeValues(y, test);
    const pred = argmaxRows(proba, nClasses);
    results.push({
      accuracy: accuracy(yte, pred),
      macroF1: macroF1(yte, pred, nClasses),
      rocAuc: foldAuc(yte, proba, nClasses),
      fitSeconds: (t1 - t0) / 1000,
      predictSeconds: (t2 - t1) / 1000,
      trainRows: train.length,
      testRows: test.length,
    });
  }
  return {
    k,
    folds: results,
    accuracy: meanStd(results.map((r) => r.accuracy)),
    macroF1: meanStd(results.map((r) => r.macroF1)),
    rocAuc: meanStd(results.map((r) => r.rocAuc)),
  };
}

function foldAuc(y: Int32Array, proba: Float64Array, nClasses: number): number {
  if (nClasses === 2) {
    const p1 = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) p1[i] = proba[i * 2 + 1];
    return rocAucOrNaN(y, p1, 1);
  }
  const seen = new Set(y);
  if (seen.size < 2) return NaN;
  return rocAucOvr(y, proba, nClasses).macro;
}
