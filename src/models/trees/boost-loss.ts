/**
 * The boosting loss, a chunk of rows at a time: add the round's new trees to the rows' raw scores,
 * then from the scores the softmax (or, with one output, logistic) probabilities, each training
 * row's weighted gradient and hessian for every output, and loss sums for training and validation
 * rows. The score update lives here rather than in the tree jobs because rows split into sixteen
 * even chunks across threads, where K trees split unevenly. Chunks are fixed slices of the row lists,
 * independent of the number of threads, and their sums are added in chunk order, so the losses
 * (and the early-stopping decision) are the same bits on any machine.
 *
 * The hessian is the diagonal p(1-p) (as scikit-learn's HistGradientBoosting), floored at 1e-16 so
 * Newton steps stay finite. Exponentials go through expNeg (a table-and-polynomial exp for
 * arguments <= 0, within a few ulps): every round takes rows x classes of them, and Math.exp was
 * a fifth of a fit's time.
 */
import { expNeg } from '../../util/fast-exp.js';
import { NAN_BIN } from './binning.js';
import type { TreeArrays } from './tree-arrays.js';
import type { BoostData } from './tree-jobs.js';

/** Chunks the rows are cut into; a constant, so sums never depend on the thread count. */
export const LOSS_CHUNKS = 16;

/** Probabilities below this are clipped in losses (log 0). */
export const EPS = 1e-15;

export interface LossPart {
  trainLoss: number;
  trainWeight: number;
  valLoss: number;
  valWeight: number;
}

function range(len: number, chunk: number): [number, number] {
  return [Math.floor((len * chunk) / LOSS_CHUNKS), Math.floor((len * (chunk + 1)) / LOSS_CHUNKS)];
}

/**
 * For chunk `chunk` of the training and validation rows: add `trees` (tree k to output k) to the
 * scores, then write gradients and hessians and return the loss sums.
 */
export function lossChunk(data: BoostData, chunk: number, p: Float64Array, trees: readonly TreeArrays[]): LossPart {
  const { trainRows, valRows } = data;
  const [a, b] = range(trainRows.length, chunk);
  const [c, d] = range(valRows.length, chunk);
  for (let k = 0; k < trees.length; k++) {
    addTree(trees[k], data, trainRows, a, b, k);
    addTree(trees[k], data, valRows, c, d, k);
  }
  const train = rowsLoss(data, trainRows, a, b, data.weight, true, p);
  const val = rowsLoss(data, valRows, c, d, data.valWeight, false, p);
  return { trainLoss: train[0], trainWeight: train[1], valLoss: val[0], valWeight: val[1] };
}

/** scores[r, k] += the tree's value at row r's leaf, walking bin codes, for rows[start..end). */
function addTree(t: TreeArrays, data: BoostData, rows: Int32Array, start: number, end: number, k: number): void {
  const { feature, bin, left, right, nanLeft, value } = t;
  const { bins, scores, outputs } = data;
  // row-major codes keep a row's walk within one cache line
  const rowMajor = bins.rowCodes !== undefined;
  const codes = bins.rowCodes ?? bins.codes;
  const step = rowMajor ? 1 : bins.rows;
  const cols = bins.cols;
  for (let i = start; i < end; i++) {
    const r = rows[i];
    const base = rowMajor ? r * cols : r;
    let node = 0;
    let f = feature[0];
    while (f >= 0) {
      const c = codes[base + f * step];
      if (c === NAN_BIN) node = nanLeft[node] === 1 ? left[node] : right[node];
      else node = c <= bin[node] ? left[node] : right[node];
      f = feature[node];
    }
    scores[r * outputs + k] += value[node];
  }
}

function rowsLoss(data: BoostData, rows: Int32Array, start: number, end: number, weight: Float64Array, withGrad: boolean, p: Float64Array): [number, number] {
  const { scores, outputs, y, grad, hess } = data;
  const n = y.length;
  let sum = 0;
  let wsum = 0;
  for (let i = start; i < end; i++) {
    const r = rows[i];
    const wr = weight[r];
    const base = r * outputs;
    const yr = y[r];
    if (outputs === 1) {
      const sc = scores[base];
      // sigmoid from exp of a non-positive argument, so the fast exp applies on both sides
      const e = expNeg(-Math.abs(sc));
      const p1 = sc >= 0 ? 1 / (1 + e) : e / (1 + e);
      sum -= wr * Math.log(Math.max(yr === 1 ? p1 : 1 - p1, EPS));
      if (withGrad) {
        grad[r] = wr * (p1 - yr);
        hess[r] = wr * Math.max(p1 * (1 - p1), 1e-16);
      }
    } else {
      let max = -Infinity;
      for (let k = 0; k < outputs; k++) if (scores[base + k] > max) max = scores[base + k];
      let z = 0;
      for (let k = 0; k < outputs; k++) {
        const e = expNeg(scores[base + k] - max);
        p[k] = e;
        z += e;
      }
      sum -= wr * Math.log(Math.max(p[yr] / z, EPS));
      if (withGrad) {
        for (let k = 0; k < outputs; k++) {
          const pk = p[k] / z;
          grad[k * n + r] = wr * (pk - (k === yr ? 1 : 0));
          hess[k * n + r] = wr * Math.max(pk * (1 - pk), 1e-16);
        }
      }
    }
    wsum += wr;
  }
  return [sum, wsum];
}

/** Mean losses from the chunks' sums, added in chunk order. */
export function totalLoss(parts: readonly LossPart[]): { train: number; validation: number } {
  let tl = 0;
  let tw = 0;
  let vl = 0;
  let vw = 0;
  for (const q of parts) {
    tl += q.trainLoss;
    tw += q.trainWeight;
    vl += q.valLoss;
    vw += q.valWeight;
  }
  return { train: tw > 0 ? tl / tw : 0, validation: vw > 0 ? vl / vw : NaN };
}
