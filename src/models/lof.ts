/**
 * Local outlier factor (Breunig, Kriegel, Ng, Sander 2000) as a detector ('lof'), scoring new
 * rows the way scikit-learn's `LocalOutlierFactor(novelty=True)` does, with score = LOF (higher =
 * more anomalous; sklearn's score_samples is its negative).
 *
 * Definitions, as sklearn computes them (k = min(nNeighbors, n - 1)):
 * - on the training rows, each row's k nearest other rows and k-distance (distance to the k-th);
 * - reach(x, o) = max(|x - o|, k-distance(o));
 * - lrd(x) = 1 / (mean over x's k nearest training rows o of reach(x, o) + 1e-10);
 * - LOF(x) = mean over those o of lrd(o) / lrd(x).
 * A row as dense as its neighbours scores about 1; a row in a sparser spot than its neighbours
 * scores well above 1. For a new row its k nearest are taken among all training rows; for a
 * training row during fit, among the others.
 *
 * Neighbour searches run on the KD-tree of models/cluster (exact, Euclidean). The fitted state
 * keeps the training rows (LOF has no smaller summary), their k-distances and lrds; the tree is
 * rebuilt from them on first use after loading (deterministic, so scores are bit-identical).
 *
 * What it deliberately does not do: other metrics, the outlier (non-novelty) mode's
 * negative_outlier_factor_ labels (scores of the training rows come from `score` like any rows),
 * or threads when scoring (a detector's score() is synchronous). The fit's n exact k-nearest
 * searches are shared out over worker threads (lof-neighbours.ts), bit-identical for any count.
 */
import type { DetectorSpec, FitContext } from './estimator.js';
import type { Matrix } from '../features/matrix.js';
import { checkParam, UserError } from '../util/errors.js';
import { buildKdTree, KdSearch, toTreeSpace, type KdTree } from './cluster/kd-tree.js';
import { WorkerPool } from '../util/worker-pool.js';
import { claimNeighbours, type NeighbourJob } from './lof-neighbours.js';

/** Fewer training rows than this are searched on the calling thread (a worker starts in ~50 ms). */
const PARALLEL_ROWS = 4096;

const MODEL = 'LocalOutlierFactor';

export interface LofOptions {
  /** neighbours per row (capped at rows - 1) */
  readonly nNeighbors: number;
}

export interface LofState {
  readonly version: 1;
  readonly nFeatures: number;
  /** neighbours used: min(nNeighbors, rows - 1) */
  readonly k: number;
  /** training rows, n x nFeatures */
  readonly train: Float64Array;
  /** distance from each training row to its k-th nearest other row */
  readonly kDistance: Float64Array;
  /** local reachability density of each training row */
  readonly lrd: Float64Array;
}

const DEFAULTS: LofOptions = Object.freeze({ nNeighbors: 20 });

function options(given: Partial<LofOptions>): Readonly<LofOptions> {
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULTS)) throw new UserError(`unknown option '${key}' for ${MODEL}; known options: ${Object.keys(DEFAULTS).join(', ')}`);
  }
  const o = { ...DEFAULTS, ...given };
  checkParam(MODEL, 'nNeighbors', Number.isInteger(o.nNeighbors) && o.nNeighbors >= 1, 'an int in the range [1, inf)', o.nNeighbors);
  return Object.freeze(o);
}

async function fit(X: Matrix, o: Readonly<LofOptions>, ctx: FitContext): Promise<LofState> {
  const n = X.rows;
  const d = X.cols;
  if (n < 2) throw new UserError(`${MODEL} needs at least 2 training rows; got ${n}`);
  for (let i = 0; i < X.data.length; i++) {
    if (!Number.isFinite(X.data[i])) {
      throw new UserError(
        `${MODEL}: row ${Math.floor(i / d) + 1}, column ${(i % d) + 1} is ${X.data[i]}; run the data through the feature pipeline, which fills missing values`,
      );
    }
  }
  const k = Math.min(o.nNeighbors, n - 1);
  const threads = n >= PARALLEL_ROWS ? Math.max(1, Math.floor(ctx.threads) || 1) : 1;
  const shared = threads > 1;
  const f64 = (len: number): Float64Array => (shared ? new Float64Array(new SharedArrayBuffer(len * 8)) : new Float64Array(len));
  const i32 = (len: number): Int32Array => (shared ? new Int32Array(new SharedArrayBuffer(len * 4)) : new Int32Array(len));
  const train = f64(n * d);
  train.set(X.data);
  const tree = buildKdTree({ rows: n, cols: d, data: train });
  trees.set(train, tree);
  // neighbours of every training row, by caller row number
  const job: NeighbourJob = { train, rows: n, cols: d, k, nbr: i32(n * k), nd: f64(n * k), counter: i32(1) };
  const pool = shared ? new WorkerPool<null, number>(new URL('./lof-worker.js', import.meta.url), threads - 1, job) : undefined;
  try {
    const helpers = pool ? Array.from({ length: pool.size }, () => pool.run(null)) : [];
    claimNeighbours(job, tree, (p) => ctx.progress?.(p, n, 'LOF neighbours'));
    await Promise.all(helpers);
  } finally {
    await pool?.close();
  }
  const { nbr, nd } = job;
  const kDistance = new Float64Array(n);
  for (let i = 0; i < n; i++) kDistance[i] = nd[i * k + k - 1];
  const lrd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const o2 = nbr[i * k + j];
      const r = nd[i * k + j];
      s += r > kDistance[o2] ? r : kDistance[o2];
    }
    lrd[i] = 1 / (s / k + 1e-10);
  }
  // the state owns plain arrays (a model file, a structured clone), whatever the threads were
  const own = shared ? train.slice() : train;
  if (own !== train) trees.set(own, tree);
  return { version: 1, nFeatures: d, k, train: own, kDistance, lrd };
}

/** The KD-tree over the training rows, built once per training array (fit seeds it). */
const trees = new WeakMap<Float64Array, KdTree>();
function treeOf(s: LofState): KdTree {
  let t = trees.get(s.train);
  if (!t) {
    t = buildKdTree({ rows: s.lrd.length, cols: s.nFeatures, data: s.train });
    trees.set(s.train, t);
  }
  return t;
}

function score(s: LofState, X: Matrix): Float64Array {
  if (X.cols !== s.nFeatures) throw new UserError(`${MODEL} was fitted on ${s.nFeatures} columns but got ${X.cols}`);
  const t = treeOf(s);
  const q = toTreeSpace(t, X);
  const search = new KdSearch(t);
  const k = s.k;
  const pos = new Int32Array(k);
  const d2 = new Float64Array(k);
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    const m = search.nearest(q, X.data, i * X.cols, k, pos, d2);
    let reach = 0;
    let lrdSum = 0;
    for (let j = 0; j < m; j++) {
      const o = t.index[pos[j]];
      const r = Math.sqrt(d2[j]);
      reach += r > s.kDistance[o] ? r : s.kDistance[o];
      lrdSum += s.lrd[o];
    }
    const lrdX = 1 / (reach / m + 1e-10);
    out[i] = lrdSum / m / lrdX;
  }
  return out;
}

export const lof: DetectorSpec<LofOptions, LofState> = {
  kind: 'detector',
  name: 'lof',
  title: 'Local outlier factor',
  description:
    'Local outlier factor with novelty scoring (as scikit-learn LocalOutlierFactor(novelty=True)): score = LOF, ' +
    'about 1 for a row as dense as its neighbours, well above 1 for a row in a sparser spot. nNeighbors ' +
    'defaults to 20. Exact k-nearest searches on a KD-tree; the model keeps every training row, so it grows ' +
    'with the training set. Wants standard-scaled features.',
  defaults: DEFAULTS,
  input: { scaling: 'standard', categorical: 'onehot' },
  options,
  fit,
  score,
};
