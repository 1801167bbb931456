/**
 * The unit of parallel work for tree models: "grow tree number i". The same functions run on the
 * calling thread (threads = 1) and inside tree-worker.ts, on the same shared data, and a tree
 * depends only on the data and its own seed, never on which thread grew it or when: that is what
 * makes a model bit-identical whatever the number of threads.
 *
 *   forest tree:   bootstrap (or all rows), impurity criterion, per-node feature draw
 *   boosting tree: one output's gradients, optional row sampling (uniform or GOSS) and column
 *                  subsampling (adding the round's trees to the scores is left to the loss jobs,
 *                  boost-loss.ts, which split into more and even pieces than K trees do)
 *
 * Deliberately not here: what a model does with the trees (averaging, rounds, early stopping).
 */
import { Rng } from '../../util/rng.js';
import type { Transferable } from 'node:worker_threads';
import type { BinnedMatrix } from './binning.js';
import { GradientCriterion, ImpurityCriterion, LeastSquaresCriterion, type GradientParams } from './criteria.js';
import { GrowWorkspace, growTree, type GrowOptions } from './learner.js';
import type { ImpurityCriterion as ImpurityName } from './split.js';
import type { TreeArrays } from './tree-arrays.js';
import { gossRows, gossScratch } from './goss.js';

/** What every forest job reads (shared between threads when threads > 1). */
export interface ForestData {
  readonly bins: BinnedMatrix;
  readonly y: Int32Array;
  /** per-row weight: sample weight times class weight */
  readonly weight: Float64Array;
  readonly nClasses: number;
}

export interface ForestTreeTask {
  readonly seed: number;
  readonly bootstrap: boolean;
  readonly criterion: ImpurityName;
  readonly minSamplesLeaf: number;
  readonly grow: GrowOptions;
}

/** What every boosting job reads and writes. */
export interface BoostData {
  /** every row: training rows and the validation rows early stopping watches */
  readonly bins: BinnedMatrix;
  /** rows trees learn from, ascending */
  readonly trainRows: Int32Array;
  /** rows early stopping watches, ascending (may be empty) */
  readonly valRows: Int32Array;
  readonly y: Int32Array;
  /** training weight per row (sample weight times class weight) */
  readonly weight: Float64Array;
  /** weight of a validation row in the early-stopping loss (sample weight only) */
  readonly valWeight: Float64Array;
  /** outputs per round: classes for softmax, 1 for two classes */
  readonly outputs: number;
  /** gradient of output k for row r at grad[k * rows + r] (weights applied); same for hess */
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  /** raw scores, rows x outputs row-major; loss jobs add each round's trees to their rows */
  readonly scores: Float64Array;
}

export interface BoostTreeTask {
  readonly output: number;
  readonly seed: number;
  /** fraction of training rows each tree sees (drawn without replacement) */
  readonly subsample: number;
  /** fraction of features each tree may use */
  readonly colsample: number;
  readonly grow: GrowOptions;
  readonly params: GradientParams;
  /** gradient-based one-side sampling for this tree (goss.ts), or null */
  readonly goss: { readonly topRate: number; readonly otherRate: number } | null;
  /** split by least squares on the gradient, Newton leaves (criteria.ts); else Newton splits */
  readonly leastSquares: boolean;
}

/** Grow one forest tree. */
export function growForestTree(data: ForestData, task: ForestTreeTask, ws: GrowWorkspace): TreeArrays {
  const { bins, y, weight, nClasses } = data;
  const n = bins.rows;
  const rng = new Rng(task.seed);
  // per-tree buffers come from the workspace: a forest would otherwise churn three arrays of
  // every row per tree through the garbage collector
  const buf = (ws.bootstrap ??= { counts: new Int32Array(n), w: new Float64Array(n), idx: new Int32Array(n) });
  let w = weight;
  const idx = buf.idx;
  let m = 0;
  if (task.bootstrap) {
    // n draws with replacement; a row drawn c times weighs c times (scikit-learn's bootstrap)
    const counts = buf.counts;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[rng.int(n)]++;
    w = buf.w;
    for (let r = 0; r < n; r++) {
      const c = counts[r];
      w[r] = weight[r] * c;
      if (c > 0 && weight[r] > 0) idx[m++] = r;
    }
  } else {
    for (let r = 0; r < n; r++) if (weight[r] > 0) idx[m++] = r;
  }
  const features = new Int32Array(bins.cols);
  for (let f = 0; f < bins.cols; f++) features[f] = f;
  const crit = new ImpurityCriterion(y, w, nClasses, task.criterion, task.minSamplesLeaf);
  return growTree(bins, idx, m, features, crit, task.grow, rng, ws);
}

/** Grow one boosting tree for output task.output (the loss jobs add it to the scores). */
export function growBoostTree(data: BoostData, task: BoostTreeTask, ws: GrowWorkspace): TreeArrays {
  const { bins, trainRows, grad, hess, weight } = data;
  const n = bins.rows;
  const k = task.output;
  const rng = new Rng(task.seed);
  const nTrain = trainRows.length;
  let rows = trainRows;
  if (task.subsample < 1) {
    const m = Math.max(1, Math.round(task.subsample * nTrain));
    const pick = rng.sample(nTrain, m).sort();
    rows = new Int32Array(m);
    for (let i = 0; i < m; i++) rows[i] = trainRows[pick[i]];
  }
  let g = grad.subarray(k * n, (k + 1) * n);
  let h = hess.subarray(k * n, (k + 1) * n);
  let w = weight;
  let idx: Int32Array;
  if (task.goss) {
    const scratch = (ws.goss ??= gossScratch(n));
    idx = gossRows(rows, g, h, task.goss.topRate, task.goss.otherRate, rng, scratch, task.leastSquares ? weight : undefined);
    g = scratch.g;
    h = scratch.h;
    w = scratch.w;
  } else idx = rows === trainRows ? trainRows.slice() : rows;
  let features: Int32Array;
  if (task.colsample < 1) {
    const c = Math.max(1, Math.round(task.colsample * bins.cols));
    features = rng.sample(bins.cols, c).sort();
  } else {
    features = new Int32Array(bins.cols);
    for (let f = 0; f < bins.cols; f++) features[f] = f;
  }
  const crit = task.leastSquares ? new LeastSquaresCriterion(g, w, h, task.params) : new GradientCriterion(g, h, task.params);
  return growTree(bins, idx, idx.length, features, crit, task.grow, rng, ws);
}

/** The buffers of a tree's arrays, to move them out of a worker rather than copy them. */
export function treeBuffers(t: TreeArrays): Transferable[] {
  return [t.roots, t.feature, t.threshold, t.bin, t.nanLeft, t.left, t.right, t.value, t.gain, t.cover].map((a) => a.buffer as ArrayBuffer);
}
