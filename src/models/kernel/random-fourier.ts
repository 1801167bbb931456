/**
 * Random Fourier features (Rahimi and Recht, NIPS 2007): z(x) = √(2/D) cos(W x + b) with the D rows
 * of W drawn from N(0, 2γ I) and b uniform in [0, 2π), so that z(x)·z(x') ≈ exp(−γ‖x − x'‖²). A
 * linear model on z then approximates a kernel machine at a cost linear in the number of rows,
 * which is how the RBF SVM handles training sets too large for its exact solver.
 *
 * W x is computed on rows measured from the column modes (W x = W(x − o) + W o), so each row
 * costs D multiply-adds per non-zero cell instead of per column. The map is stored in the model
 * (not regenerated from a seed), so a saved model never depends on the random generator's code.
 */
import type { Matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { columnModes } from '../linear/design-rows.js';
import { accumulateColumns } from './rbf.js';

export interface FourierMap {
  readonly cols: number;
  readonly components: number;
  /** cols × components: row j holds the weights of input column j */
  readonly weightsT: Float64Array;
  /** phase per component, with W·origin folded in */
  readonly phase: Float64Array;
  readonly origin: Float64Array;
}

export function makeFourierMap(X: Matrix, gamma: number, components: number, rng: Rng): FourierMap {
  const d = X.cols;
  const weightsT = new Float64Array(d * components);
  const sd = Math.sqrt(2 * gamma);
  for (let i = 0; i < weightsT.length; i++) weightsT[i] = sd * rng.normal();
  const origin = columnModes(X);
  const phase = new Float64Array(components);
  for (let q = 0; q < components; q++) {
    let s = rng.next() * 2 * Math.PI;
    for (let j = 0; j < d; j++) s += weightsT[j * components + q] * origin[j];
    phase[q] = s;
  }
  return { cols: d, components, weightsT, phase, origin };
}

/** z(x) for every row: rows × components. */
export function fourierFeatures(map: FourierMap, X: Matrix): Matrix {
  const { cols: d, components: D, weightsT, phase, origin } = map;
  const n = X.rows;
  const out = new Float64Array(n * D);
  const acc = new Float64Array(D);
  const pos = new Int32Array(d);
  const val = new Float64Array(d);
  const scale = Math.sqrt(2 / D);
  const data = X.data;
  for (let r = 0; r < n; r++) {
    let nnz = 0;
    for (let j = 0; j < d; j++) {
      const v = data[r * d + j] - origin[j];
      if (v !== 0) {
        pos[nnz] = j * D;
        val[nnz++] = v;
      }
    }
    accumulateColumns(acc, D, weightsT, pos, val, nnz);
    const o = r * D;
    for (let q = 0; q < D; q++) out[o + q] = scale * Math.cos(acc[q] + phase[q]);
  }
  return { rows: n, cols: D, data: out };
}
