/**
 * One-class SVM with an RBF kernel (Schölkopf et al. 2001), as LIBSVM and scikit-learn's
 * OneClassSVM define it: find α with 0 ≤ α_i ≤ 1 and Σα = ν·n minimising ½ αᵀKα; the decision
 * function is f(x) = Σ α_i K(x_i, x) − ρ, negative outside the learned support of the data.
 * Score = −f(x), so higher is more anomalous and 0 is the model's own boundary; scikit-learn's
 * decision_function is exactly −score.
 *
 * ν bounds the fraction of training rows left outside (and is at most the fraction of support
 * vectors). The default ν = 0.05 is not scikit-learn's (0.5): a detector fitted on normal traffic
 * should call about 5 % of that traffic unusual, not half of it.
 *
 * Exact, not approximated: the full dual is solved by SMO (smo.ts) and every support vector is
 * kept. Speed comes from computing kernels on rows measured from the column modes (sparse after
 * one-hot + scaling; see design-rows.ts) and from the training decision values falling out of the
 * solver's gradient. The solver starts from the rows of lowest kernel density (close to the
 * answer: fewer iterations), whose kernel rows are computed on all threads first. Scoring is Σ over
 * support vectors, in chunks, on worker threads when the job is large (kernel-pool.ts).
 *
 * It deliberately ignores per-row sample weights (the ν constraint assumes equal bounds) and
 * offers only the RBF kernel.
 */
import type { Matrix } from '../../features/matrix.js';
import type { DetectorSpec, FitContext } from '../estimator.js';
import { designRows } from '../linear/design-rows.js';
import { checkMatrix, checkWidth } from '../linear/fit-input.js';
import { checkGamma, checkPositiveFloat, withDefaults } from '../linear/params.js';
import { checkParam } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { KernelCache } from './kernel-cache.js';
import { expandRows, kernelRowsParallel } from './kernel-pool.js';
import { makeExpansion, rbfTrainingSet, RbfRows, resolveGamma, type Expansion, type Gamma, type RbfTrainingSet } from './rbf.js';
import { progressByViolation, solveSmo } from './smo.js';

export interface OneClassSvmOptions {
  /** upper bound on the fraction of training rows outside the boundary, in (0, 1] */
  readonly nu: number;
  readonly gamma: Gamma;
  /** stopping tolerance of the solver (LIBSVM's eps) */
  readonly tol: number;
  /** kernel row cache, in MB (scikit-learn's cache_size) */
  readonly cacheSize: number;
}

export interface OneClassSvmState {
  readonly cols: number;
  readonly gamma: number;
  readonly rho: number;
  /** support vectors, count × cols row-major, as the model received them */
  readonly supportVectors: Float64Array;
  readonly supportCount: number;
  readonly alpha: Float64Array;
  /** column origin used for sparse kernels (any value is exact; the mode is fast) */
  readonly origin: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  /** share of training rows with a positive score (outside the boundary): about ν */
  readonly trainingOutlierFraction: number;
}

const MODEL = 'OneClassSVM';
const DEFAULTS: OneClassSvmOptions = Object.freeze({ nu: 0.05, gamma: 'scale', tol: 1e-3, cacheSize: 200 });

export const oneClassSvm: DetectorSpec<OneClassSvmOptions, OneClassSvmState> = {
  kind: 'detector',
  name: 'one-class-svm',
  title: 'One-class SVM',
  description:
    'One-class SVM with an RBF kernel (as LIBSVM / scikit-learn OneClassSVM), fitted on traffic taken as normal; ' +
    'score = minus the decision function, so higher is more anomalous and above 0 is outside the learned boundary. ' +
    "nu (default 0.05, not scikit-learn's 0.5) is about the share of training rows left outside; " +
    "gamma 'scale' = 1 / (n_features * X.var()). Exact solver (SMO), no approximation; " +
    'fit cost grows faster than linearly with the rows (tens of thousands are fine), scoring is linear in rows times support vectors.',
  defaults: DEFAULTS,
  input: { scaling: 'standard', categorical: 'onehot' },

  options(given) {
    const o = withDefaults(MODEL, DEFAULTS, given);
    checkParam(MODEL, 'nu', typeof o.nu === 'number' && o.nu > 0 && o.nu <= 1, 'a float in the range (0.0, 1.0]', o.nu);
    checkGamma(MODEL, o.gamma);
    checkPositiveFloat(MODEL, 'tol', o.tol);
    checkPositiveFloat(MODEL, 'cacheSize', o.cacheSize);
    return Object.freeze(o);
  },

  async fit(X: Matrix, options, ctx: FitContext) {
    checkMatrix(MODEL, X);
    const n = X.rows;
    const d = X.cols;
    const gamma = resolveGamma(options.gamma, X);
    const rows = designRows(X);
    const set = rbfTrainingSet(rows, gamma);
    const kernel = new RbfRows(set);
    const cache = new KernelCache(n, options.cacheSize * 1024 * 1024, (i, out) => kernel.row(i, out));
    const threads = Math.max(1, ctx.threads);
    const alpha0 = lowDensityStart(set, options.nu * n, new Rng(ctx.seed), threads);
    // the solver's first step needs the kernel rows of every non-zero α: compute them on all threads
    const start = new Int32Array(n);
    let starts = 0;
    for (let i = 0; i < n; i++) if (alpha0[i] > 0) start[starts++] = i;
    const startRows = kernelRowsParallel(set, start.subarray(0, starts), threads);
    for (let t = 0; t < starts; t++) cache.put(start[t], startRows.subarray(t * n, (t + 1) * n));
    const res = solveSmo({
      n,
      y: new Int8Array(n).fill(1),
      p: new Float64Array(n),
      upper: new Float64Array(n).fill(1),
      alpha0,
      cache,
      diag: new Float64Array(n).fill(1),
      eps: options.tol,
      maxIter: Math.max(10_000_000, 100 * n),
      onProgress: progressByViolation(options.tol, ctx.progress),
    });
    let m = 0;
    for (let i = 0; i < n; i++) if (res.alpha[i] > 0) m++;
    const supportVectors = new Float64Array(m * d);
    const alpha = new Float64Array(m);
    let outside = 0;
    for (let i = 0, s = 0; i < n; i++) {
      // training decision value f(x_i) = (Kα)_i − ρ comes free with the gradient
      if (res.grad[i] - res.rho < 0) outside++;
      if (res.alpha[i] > 0) {
        supportVectors.set(X.data.subarray(i * d, (i + 1) * d), s * d);
        alpha[s++] = res.alpha[i];
      }
    }
    return {
      cols: d,
      gamma,
      rho: res.rho,
      supportVectors,
      supportCount: m,
      alpha,
      origin: rows.origin,
      iterations: res.iterations,
      converged: res.converged,
      trainingOutlierFraction: outside / n,
    };
  },

  score(state, X) {
    checkWidth(MODEL, X, state.cols);
    const f = expandRows(expansionOf(state), X);
    for (let r = 0; r < f.length; r++) f[r] = state.rho - f[r];
    return f;
  },
};

/**
 * The support vectors laid out for scoring, built once per fitted state (a model file loads into
 * new objects and is never changed in place): a stream worker scores batches of a few hundred
 * rows, and rebuilding this per call cost about as much as a batch's kernel sums.
 */
const expansions = new WeakMap<OneClassSvmState, Expansion>();
function expansionOf(state: OneClassSvmState): Expansion {
  let e = expansions.get(state);
  if (!e) {
    e = makeExpansion(state.supportVectors, state.supportCount, state.cols, state.alpha, 1, state.gamma, state.origin);
    expansions.set(state, e);
  }
  return e;
}

/** Kernel rows used to rank training rows by density before solving. */
const START_LANDMARKS = 32;

/**
 * A feasible starting α for the solver: weight 1 on the ⌊νn⌋ rows of lowest kernel density
 * (against a few random landmark rows) and the remainder on the next one. LIBSVM starts from the
 * first ⌊νn⌋ rows instead; the solution is the same (the problem is convex), but the rows left
 * outside a one-class SVM are the low-density ones, so this start is close to it: on NSL-KDD it
 * cuts the solver's iterations from 707 to about 300 and the kernel rows computed by a third.
 */
function lowDensityStart(set: RbfTrainingSet, total: number, rng: Rng, threads: number): Float64Array {
  const n = set.n;
  const alpha = new Float64Array(n);
  const full = Math.min(n, Math.floor(total));
  const dens = new Float64Array(n);
  const landmarks = rng.sample(n, Math.min(n, START_LANDMARKS));
  const rows = kernelRowsParallel(set, landmarks, threads);
  for (let l = 0; l < landmarks.length; l++) for (let k = 0; k < n; k++) dens[k] += rows[l * n + k];
  // the ⌊νn⌋ + 1 lowest densities, ties broken by row order
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => dens[a] - dens[b] || a - b);
  for (let t = 0; t < full; t++) alpha[order[t]] = 1;
  if (full < n) alpha[order[full]] = total - full;
  return alpha;
}
