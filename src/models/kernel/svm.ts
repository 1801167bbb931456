/**
 * RBF-kernel SVM classifier (scikit-learn's SVC with kernel='rbf', C, gamma), in two forms chosen
 * by the size of the training set:
 *
 *   - exact, up to `exactMaxRows` rows (default 5,000): one-vs-rest C-SVMs solved by SMO (smo.ts),
 *     the classes sharing one kernel row cache. Probabilities by Platt scaling: per-class sigmoids
 *     fitted on margins from an internal 3-fold cross-validation, normalised across classes.
 *     (scikit-learn's SVC is one-vs-one with pairwise coupling; one-vs-rest lets every class reuse
 *     the same kernel rows.) Fitting costs about three times a single fit, and grows with the
 *     square of the rows, hence the limit.
 *   - approximate, above it: `components` random Fourier features (random-fourier.ts), then a
 *     multinomial logistic regression with the same C on them (probabilities without a
 *     calibration step). Cost linear in the rows; memory rows × components × 8 bytes.
 *
 * Which one ran, and the limit, are recorded in the fitted state (`method`, `exactMaxRows`).
 * It deliberately offers only the RBF kernel.
 */
import { takeRows, takeValues, type Matrix } from '../../features/matrix.js';
import type { ClassifierSpec, FitContext } from '../estimator.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { designRows, takeDesignRows, type DesignRows } from '../linear/design-rows.js';
import { checkWidth, checkClassifierInput } from '../linear/fit-input.js';
import { logisticRegression, type LogisticRegressionState } from '../linear/logistic-regression.js';
import { checkChoice, checkGamma, checkIntAtLeast, checkPositiveFloat, withDefaults } from '../linear/params.js';
import { crossValidatedPlatt, plattProbabilities } from '../linear/platt.js';
import { rowWeights, type ClassWeight } from '../linear/row-weights.js';
import { KernelCache } from './kernel-cache.js';
import { expandRows } from './kernel-pool.js';
import { fourierFeatures, makeFourierMap, type FourierMap } from './random-fourier.js';
import { makeExpansion, rbfTrainingSet, RbfRows, resolveGamma, type Gamma } from './rbf.js';
import { solveSmo } from './smo.js';

export interface SvmOptions {
  readonly C: number;
  readonly gamma: Gamma;
  readonly classWeight: ClassWeight;
  /** SMO stopping tolerance (exact form) */
  readonly tol: number;
  /** largest training set solved exactly; above it, random Fourier features */
  readonly exactMaxRows: number;
  /** random Fourier features of the approximate form */
  readonly components: number;
  /** kernel row cache of the exact form, in MB */
  readonly cacheSize: number;
}

interface ExactPart {
  /** support vectors (union over the classes), count × cols, as received */
  readonly supportVectors: Float64Array;
  readonly supportCount: number;
  /** count × classes: α_i y_i of each support vector in each class's problem */
  readonly dualCoef: Float64Array;
  /** per class: the margin is Σ dualCoef K(x, s) + intercept */
  readonly intercept: Float64Array;
  readonly origin: Float64Array;
  /** per class Platt sigmoid (A, B) */
  readonly sigmoids: Float64Array;
  readonly iterations: number[];
}

interface ApproximatePart {
  readonly map: FourierMap;
  readonly linear: LogisticRegressionState;
}

export interface SvmState {
  readonly method: 'exact-smo-one-vs-rest' | 'random-fourier-logistic';
  readonly exactMaxRows: number;
  readonly classes: number;
  readonly cols: number;
  readonly gamma: number;
  readonly converged: boolean;
  readonly exact?: ExactPart;
  readonly approximate?: ApproximatePart;
}

const MODEL = 'SVC';
const DEFAULTS: SvmOptions = Object.freeze({
  C: 1,
  gamma: 'scale',
  classWeight: 'none',
  tol: 1e-3,
  exactMaxRows: 5000,
  components: 500,
  cacheSize: 200,
});
const CALIBRATION_FOLDS = 3;

export const svm: ClassifierSpec<SvmOptions, SvmState> = {
  kind: 'classifier',
  name: 'svm',
  title: 'RBF-kernel SVM',
  description:
    "Support vector machine with an RBF kernel (C, gamma 'scale' = 1 / (n_features * X.var()) as in scikit-learn). " +
    'Up to exactMaxRows training rows (default 5,000) it is exact: one-vs-rest SVMs solved by SMO, probabilities by Platt ' +
    'sigmoids fitted on an internal 3-fold cross-validation. Above that it is an APPROXIMATION: 500 random Fourier ' +
    'features (components) and a multinomial logistic regression with the same C on them, linear in the rows. ' +
    'The fitted model records which form ran.',
  defaults: DEFAULTS,
  input: { scaling: 'standard', categorical: 'onehot' },

  options(given) {
    const o = withDefaults(MODEL, DEFAULTS, given);
    checkPositiveFloat(MODEL, 'C', o.C);
    checkGamma(MODEL, o.gamma);
    checkChoice(MODEL, 'classWeight', o.classWeight, ['balanced', 'none']);
    checkPositiveFloat(MODEL, 'tol', o.tol);
    checkIntAtLeast(MODEL, 'exactMaxRows', o.exactMaxRows, 0);
    checkIntAtLeast(MODEL, 'components', o.components, 1);
    checkPositiveFloat(MODEL, 'cacheSize', o.cacheSize);
    return Object.freeze(o);
  },

  async fit(X: Matrix, y: Int32Array, nClasses: number, options, ctx: FitContext) {
    checkClassifierInput(MODEL, X, y, nClasses);
    const gamma = resolveGamma(options.gamma, X);
    const rng = new Rng(ctx.seed);
    const base = { exactMaxRows: options.exactMaxRows, classes: nClasses, cols: X.cols, gamma };
    if (X.rows <= options.exactMaxRows) {
      const exact = fitExact(X, y, nClasses, gamma, options, rng, ctx);
      return { ...base, method: 'exact-smo-one-vs-rest', converged: exact.converged, exact: exact.part };
    }
    const map = makeFourierMap(X, gamma, options.components, rng.fork());
    const Z = fourierFeatures(map, X);
    const lrOptions = logisticRegression.options({ C: options.C, classWeight: options.classWeight });
    const linear = await logisticRegression.fit(Z, y, nClasses, lrOptions, ctx);
    return { ...base, method: 'random-fourier-logistic', converged: linear.converged, approximate: { map, linear } };
  },

  predictProba(state, X) {
    checkWidth(MODEL, X, state.cols);
    if (state.exact) {
      const e = state.exact;
      const margins = exactMargins(e, state, X);
      return plattProbabilities(margins, state.classes, e.sigmoids);
    }
    const a = state.approximate as ApproximatePart;
    return logisticRegression.predictProba(a.linear, fourierFeatures(a.map, X));
  },
};

/** One-vs-rest margins Σ α_i y_i K(x_i, x) + b per class (exact form only): rows × classes. */
export function exactSvmMargins(state: SvmState, X: Matrix): Float64Array {
  if (!state.exact) throw new Error('exactSvmMargins: this SVM was fitted in its approximate form');
  checkWidth(MODEL, X, state.cols);
  return exactMargins(state.exact, state, X);
}

function exactMargins(
  e: Pick<ExactPart, 'supportVectors' | 'supportCount' | 'dualCoef' | 'intercept' | 'origin'>,
  s: { classes: number; cols: number; gamma: number },
  X: Matrix,
  threads?: number,
): Float64Array {
  const k = s.classes;
  const ex = makeExpansion(e.supportVectors, e.supportCount, s.cols, e.dualCoef, k, s.gamma, e.origin);
  const m = expandRows(ex, X, threads);
  for (let r = 0; r < X.rows; r++) for (let c = 0; c < k; c++) m[r * k + c] += e.intercept[c];
  return m;
}

function fitExact(
  X: Matrix,
  y: Int32Array,
  k: number,
  gamma: number,
  options: Readonly<SvmOptions>,
  rng: Rng,
  ctx: FitContext,
): { part: ExactPart; converged: boolean } {
  const rows = designRows(X);
  const weights = rowWeights(y, k, options.classWeight, ctx.sampleWeight);
  const total = (CALIBRATION_FOLDS + 1) * k;
  let done = 0;
  const step = (): void => ctx.progress?.(++done, total, 'SVM problems');
  const sigmoids = crossValidatedPlatt(y, k, CALIBRATION_FOLDS, rng.fork(), (train, test) => {
    const sub = takeDesignRows(rows, train);
    const m = fitOneVsRest(sub, takeValues(y, train), k, takeValues(weights, train), gamma, options, step);
    const part = supportSet(takeRows(X, train), m, rows.origin);
    return exactMargins(part, { classes: k, cols: X.cols, gamma }, takeRows(X, test), Math.max(1, ctx.threads));
  });
  const m = fitOneVsRest(rows, y, k, weights, gamma, options, step);
  const part = supportSet(X, m, rows.origin);
  return { part: { ...part, sigmoids, iterations: m.iterations }, converged: m.converged };
}

interface OneVsRest {
  /** per class, α_i y_i for every training row */
  readonly coef: Float64Array[];
  readonly intercept: Float64Array;
  readonly iterations: number[];
  readonly converged: boolean;
}

function fitOneVsRest(
  D: DesignRows,
  y: Int32Array,
  k: number,
  weights: Float64Array,
  gamma: number,
  options: Readonly<SvmOptions>,
  step: () => void,
): OneVsRest {
  const n = D.rows;
  const kernel = new RbfRows(rbfTrainingSet(D, gamma));
  // one cache for all classes: each class's problem needs mostly the same rows
  const cache = new KernelCache(n, options.cacheSize * 1024 * 1024, (i, out) => kernel.row(i, out));
  const upper = new Float64Array(n);
  for (let i = 0; i < n; i++) upper[i] = options.C * weights[i];
  const p = new Float64Array(n).fill(-1);
  const diag = new Float64Array(n).fill(1);
  const yb = new Int8Array(n);
  const coef: Float64Array[] = [];
  const intercept = new Float64Array(k);
  const iterations: number[] = [];
  let converged = true;
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) yb[i] = y[i] === c ? 1 : -1;
    const r = solveSmo({ n, y: yb, p, upper, alpha0: new Float64Array(n), cache, diag, eps: options.tol, maxIter: Math.max(10_000_000, 100 * n) });
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = r.alpha[i] * yb[i];
    coef.push(a);
    intercept[c] = -r.rho;
    iterations.push(r.iterations);
    converged &&= r.converged;
    step();
  }
  return { coef, intercept, iterations, converged };
}

/** The rows that are a support vector in any class, with their coefficients per class. */
function supportSet(X: Matrix, m: OneVsRest, origin: Float64Array): Omit<ExactPart, 'sigmoids' | 'iterations'> {
  const n = X.rows;
  const k = m.coef.length;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (m.coef.some((a) => a[i] !== 0)) keep.push(i);
  const supportVectors = takeRows(X, keep).data;
  const dualCoef = new Float64Array(keep.length * k);
  keep.forEach((i, s) => {
    for (let c = 0; c < k; c++) dualCoef[s * k + c] = m.coef[c][i];
  });
  return { supportVectors, supportCount: keep.length, dualCoef, intercept: m.intercept, origin: Float64Array.from(origin) };
}
