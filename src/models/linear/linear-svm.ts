/**
 * Linear SVM: scikit-learn's LinearSVC (squared hinge loss, L2 penalty, one-vs-rest, C), solved
 * in the primal by L-BFGS (squared-hinge-primal.ts, which says why not LIBLINEAR's dual method)
 * on sparse shifted rows. Unlike LinearSVC the intercept is not penalised.
 *
 * Probabilities come from Platt scaling: one sigmoid per class fitted on margins from an internal
 * 3-fold stratified cross-validation (so the sigmoids see margins of rows the model did not train
 * on), then normalised across classes. That costs three extra fits on two thirds of the data
 * (each warm-started from the previous fit's solution, so the final fit is cheap); a softmax over
 * raw margins would be free but is badly calibrated for hinge-loss margins.
 *
 * It deliberately offers no L1 penalty, no plain hinge loss and no Crammer-Singer multi-class.
 */
import type { Matrix } from '../../features/matrix.js';
import type { ClassifierSpec, FitContext } from '../estimator.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { dotRow, designRows, shiftIntercept, type DesignRows } from './design-rows.js';
import { checkWidth, checkClassifierInput } from './fit-input.js';
import { meanAbsCoef } from './logistic-regression.js';
import { checkChoice, checkIntAtLeast, checkPositiveFloat, withDefaults } from './params.js';
import { crossValidatedPlatt, plattProbabilities } from './platt.js';
import { rowWeights, type ClassWeight } from './row-weights.js';
import { fitSquaredHinge } from './squared-hinge-primal.js';

export interface LinearSvmOptions {
  readonly C: number;
  readonly classWeight: ClassWeight;
  /** L-BFGS iterations per binary problem */
  readonly maxIter: number;
  /**
   * stop when the largest gradient entry of the mean loss is at most tol (1e-3: tighter changes
   * NSL-KDD's accuracy by less than a point and triples the fitting time)
   */
  readonly tol: number;
}

export interface LinearSvmState {
  readonly classes: number;
  readonly cols: number;
  /** classes × cols, row-major: one-vs-rest weights */
  readonly coef: Float64Array;
  readonly intercept: Float64Array;
  /** per class, the Platt sigmoid (A, B) */
  readonly sigmoids: Float64Array;
  /** L-BFGS iterations each class's final problem took, and whether all converged */
  readonly iterations: number[];
  readonly converged: boolean;
}

const MODEL = 'LinearSVC';
const DEFAULTS: LinearSvmOptions = Object.freeze({ C: 1, classWeight: 'none', maxIter: 1000, tol: 1e-3 });
/** cross-validation folds for the Platt sigmoids */
export const CALIBRATION_FOLDS = 3;

export const linearSvm: ClassifierSpec<LinearSvmOptions, LinearSvmState> = {
  kind: 'classifier',
  name: 'linear-svm',
  title: 'Linear SVM',
  description:
    "Linear support vector machine (as scikit-learn's LinearSVC: squared hinge loss, L2 penalty, one-vs-rest, C), " +
    'solved by L-BFGS (intercept not penalised). Probabilities by Platt scaling: one sigmoid per class fitted on margins from an ' +
    'internal 3-fold cross-validation, normalised across classes (fitting costs about three times a single fit). ' +
    'Fast on wide data; linear, so it misses attacks that only a combination of features reveals.',
  defaults: DEFAULTS,
  input: { scaling: 'standard', categorical: 'onehot' },

  options(given) {
    const o = withDefaults(MODEL, DEFAULTS, given);
    checkPositiveFloat(MODEL, 'C', o.C);
    checkChoice(MODEL, 'classWeight', o.classWeight, ['balanced', 'none']);
    checkIntAtLeast(MODEL, 'maxIter', o.maxIter, 1);
    checkPositiveFloat(MODEL, 'tol', o.tol);
    return Object.freeze(o);
  },

  async fit(X: Matrix, y: Int32Array, nClasses: number, options, ctx: FitContext) {
    checkClassifierInput(MODEL, X, y, nClasses);
    const rows = designRows(X);
    const r = fitCalibratedLinearSvm(rows, y, nClasses, options, new Rng(ctx.seed), ctx.sampleWeight, ctx.progress);
    return { ...r, intercept: shiftIntercept(rows, r.coef, r.intercept) };
  },

  predictProba(state, X) {
    checkWidth(MODEL, X, state.cols);
    return plattProbabilities(linearMargins(state.coef, state.intercept, state.classes, X), state.classes, state.sigmoids);
  },

  importances(state) {
    return meanAbsCoef(state.coef, state.classes, state.cols);
  },
};

/**
 * One-vs-rest squared-hinge SVMs plus cross-validated Platt sigmoids, on shifted rows (the
 * intercepts returned are for the shifted rows). Also used by the RBF SVM's approximate path.
 */
export function fitCalibratedLinearSvm(
  D: DesignRows,
  y: Int32Array,
  k: number,
  options: Readonly<LinearSvmOptions>,
  rng: Rng,
  sampleWeight?: Float64Array,
  progress?: (done: number, total: number, what?: string) => void,
): LinearSvmState {
  const n = D.rows;
  const weights = rowWeights(y, k, options.classWeight, sampleWeight);
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const fits = (CALIBRATION_FOLDS + 1) * k;
  let done = 0;
  const step = () => progress?.(++done, fits, 'linear SVM fits');
  // each fit starts from the previous one's solution: the folds' optima are close to each other
  let previous: { coef: Float64Array; intercept: Float64Array } | undefined;
  const sigmoids = crossValidatedPlatt(y, k, CALIBRATION_FOLDS, rng.fork(), (train, test) => {
    const m = fitOvr(D, train, y, k, weights, options, step, previous);
    previous = m;
    const out = new Float64Array(test.length * k);
    for (let t = 0; t < test.length; t++) for (let c = 0; c < k; c++) out[t * k + c] = dotRow(D, test[t], m.coef, c * D.cols) + m.intercept[c];
    return out;
  });
  const m = fitOvr(D, all, y, k, weights, options, step, previous);
  return { classes: k, cols: D.cols, coef: m.coef, intercept: m.intercept, sigmoids, iterations: m.iterations, converged: m.converged };
}

function fitOvr(
  D: DesignRows,
  rows: Int32Array,
  y: Int32Array,
  k: number,
  weights: Float64Array,
  options: Readonly<LinearSvmOptions>,
  step: () => void,
  start?: { coef: Float64Array; intercept: Float64Array },
): { coef: Float64Array; intercept: Float64Array; iterations: number[]; converged: boolean } {
  const d = D.cols;
  const coef = new Float64Array(k * d);
  const intercept = new Float64Array(k);
  const iterations: number[] = [];
  let converged = true;
  const yb = new Int8Array(D.rows);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < D.rows; i++) yb[i] = y[i] === c ? 1 : -1;
    const from = start && { w: start.coef.subarray(c * d, (c + 1) * d), b: start.intercept[c] };
    const r = fitSquaredHinge(D, rows, yb, weights, options.C, options.tol, options.maxIter, from);
    coef.set(r.w, c * d);
    intercept[c] = r.b;
    iterations.push(r.iterations);
    converged &&= r.converged;
    step();
  }
  return { coef, intercept, iterations, converged };
}

/** W x + b per row: rows × k. */
export function linearMargins(coef: Float64Array, intercept: Float64Array, k: number, X: Matrix): Float64Array {
  const { rows: n, cols: d, data } = X;
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const base = r * d;
    for (let c = 0; c < k; c++) {
      let z = intercept[c];
      const wb = c * d;
      for (let j = 0; j < d; j++) z += coef[wb + j] * data[base + j];
      out[r * k + c] = z;
    }
  }
  return out;
}
