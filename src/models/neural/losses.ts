/**
 * Output losses and their gradients with respect to the last layer's PRE-activation, written
 * straight into the network's `dz` buffer: the activation's derivative is folded in here (the
 * classic simplifications softmax + cross-entropy -> p - y, and MSE through a sigmoid), which is
 * both cheaper and better conditioned than chaining two Jacobians.
 *
 * Conventions (so the numbers read like the peers'):
 *   - MSE is PyTorch's `((out - x) ** 2).mean()`: mean over the batch's rows AND the units;
 *   - cross-entropy is scikit-learn's log-loss: mean over rows of -log p(true class), p clipped
 *     at float32 epsilon so a confident mistake costs a large finite loss, not Infinity;
 *   - with row weights the means become weighted means (Σ w·loss / Σ w).
 * Padded columns get zero gradient, which is what keeps the padding inert (see network.ts).
 * The functions return the batch's SUMMED per-row loss (weighted), so epochs can average exactly.
 */
import type { Activation } from './network.js';

const EPS32 = 1.1920929e-7;

export interface BatchRows {
  /** row numbers of the batch in the training matrix: index[start .. start + count) */
  readonly index: Int32Array | null;
  readonly start: number;
  readonly count: number;
  /** per-row weights by training-matrix row, or null */
  readonly weights: Float64Array | null;
}

function rowOf(b: BatchRows, r: number): number {
  return b.index ? b.index[b.start + r] : b.start + r;
}

function weightSum(b: BatchRows): number {
  if (!b.weights) return b.count;
  let s = 0;
  for (let r = 0; r < b.count; r++) s += b.weights[rowOf(b, r)];
  return s > 0 ? s : 1;
}

/**
 * Mean squared error between the output `out` and `target` (both rows x pad, `units` real columns),
 * gradient into `dz`. `activation` is the output layer's: identity or sigmoid.
 */
export function mseGradient(
  out: Float32Array, target: Float32Array, dz: Float32Array, pad: number, units: number,
  activation: Activation, batch: BatchRows,
): number {
  const total = weightSum(batch);
  const sigmoid = activation === 'sigmoid';
  if (!sigmoid && activation !== 'identity') throw new Error(`mseGradient: output activation ${activation} is not supported`);
  let loss = 0;
  for (let r = 0; r < batch.count; r++) {
    const w = batch.weights ? batch.weights[rowOf(batch, r)] : 1;
    const scale = (2 * w) / (total * units);
    const o = r * pad;
    let s = 0;
    for (let c = 0; c < units; c++) {
      const y = out[o + c];
      const e = y - target[o + c];
      s += e * e;
      dz[o + c] = sigmoid ? scale * e * y * (1 - y) : scale * e;
    }
    for (let c = units; c < pad; c++) dz[o + c] = 0;
    loss += (w * s) / units;
  }
  return loss;
}

/**
 * Squared reconstruction error per row (mean over units) into `into[first ..]`.
 *
 * Four rows at a time: each row's sum is a chain of dependent adds (the adder's latency, not its
 * throughput, set the pace: ~0.1 µs a flow of an autoencoder's scoring), and four rows' chains
 * overlap. Each row still adds its units one after another from 0, as below: the same bits.
 */
export function rowMeanSquaredError(
  out: Float32Array, target: Float32Array, pad: number, units: number, rows: number, into: Float64Array, first: number,
): void {
  let r0 = 0;
  for (; r0 + 4 <= rows; r0 += 4) {
    const o0 = r0 * pad;
    const o1 = o0 + pad;
    const o2 = o1 + pad;
    const o3 = o2 + pad;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let c = 0; c < units; c++) {
      const e0 = out[o0 + c] - target[o0 + c];
      const e1 = out[o1 + c] - target[o1 + c];
      const e2 = out[o2 + c] - target[o2 + c];
      const e3 = out[o3 + c] - target[o3 + c];
      s0 += e0 * e0;
      s1 += e1 * e1;
      s2 += e2 * e2;
      s3 += e3 * e3;
    }
    into[first + r0] = s0 / units;
    into[first + r0 + 1] = s1 / units;
    into[first + r0 + 2] = s2 / units;
    into[first + r0 + 3] = s3 / units;
  }
  for (let r = r0; r < rows; r++) {
    const o = r * pad;
    let s = 0;
    for (let c = 0; c < units; c++) {
      const e = out[o + c] - target[o + c];
      s += e * e;
    }
    into[first + r] = s / units;
  }
}

/** Softmax output + cross-entropy against class indices `y` (by training-matrix row). */
export function crossEntropyGradient(
  proba: Float32Array, y: Int32Array, dz: Float32Array, pad: number, units: number, batch: BatchRows,
): number {
  const total = weightSum(batch);
  let loss = 0;
  for (let r = 0; r < batch.count; r++) {
    const row = rowOf(batch, r);
    const w = batch.weights ? batch.weights[row] : 1;
    const scale = w / total;
    const o = r * pad;
    const cls = y[row];
    for (let c = 0; c < units; c++) dz[o + c] = scale * (proba[o + c] - (c === cls ? 1 : 0));
    for (let c = units; c < pad; c++) dz[o + c] = 0;
    const p = proba[o + cls];
    loss -= w * Math.log(p > EPS32 ? p : EPS32);
  }
  return loss;
}

/** Sum of the row weights of a batch (its count when unweighted): the divisor of its mean loss. */
export function batchWeight(batch: BatchRows): number {
  return weightSum(batch);
}
