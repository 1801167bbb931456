/**
 * The boosting loss, a chunk of rows at a time: from the current raw scores, the softmax (or, with
 * one output, logistic) probabilities, each training row's weighted gradient and hessian for every
 * output, and loss sums for training and validation rows. Chunks are fixed slices of the row lists,
 * independent of the number of threads, and their sums are added in chunk order, so the losses
 * (and the early-stopping decision) are the same bits on any machine.
 *
 * The hessian is the diagonal p(1-p) (as scikit-learn's HistGradientBoosting), floored at 1e-16 so
 * Newton steps stay finite.
 */
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

/** Gradients, hessians and loss sums for chunk `chunk` of the training and validation rows. */
export function lossChunk(data: BoostData, chunk: number, p: Float64Array): LossPart {
  const { trainRows, valRows } = data;
  const [a, b] = range(trainRows.length, chunk);
  const [c, d] = range(valRows.length, chunk);
  const train = rowsLoss(data, trainRows, a, b, data.weight, true, p);
  const val = rowsLoss(data, valRows, c, d, data.valWeight, false, p);
  return { trainLoss: train[0], trainWeight: train[1], valLoss: val[0], valWeight: val[1] };
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
      const p1 = 1 / (1 + Math.exp(-scores[base]));
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
        const e = Math.exp(scores[base + k] - max);
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
