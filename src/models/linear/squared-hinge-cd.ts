/**
 * A binary linear SVM with the squared hinge loss, solved in the dual by coordinate descent
 * (Hsieh, Chang, Lin, Keerthi and Sundararajan, ICML 2008: LIBLINEAR's solver for LinearSVC's
 * default): minimise ½‖w‖² + Σ_i C_i max(0, 1 − y_i (w·x_i + b))².
 *
 * The dual has one variable per row, 0 ≤ α_i, and w = Σ α_i y_i x_i; each step makes one α_i
 * optimal with the others fixed, which costs two sparse dot products (design-rows.ts). Rows that
 * sit at α_i = 0 well outside the margin are set aside (LIBLINEAR's shrinking) and brought back
 * for a final check before declaring convergence.
 *
 * The bias is a constant feature of value 1, penalised like the weights (as LIBLINEAR does with
 * intercept_scaling = 1). Because rows arrive shifted to the column modes, the penalised bias is
 * the score at the mode point rather than at zero: a slightly different regularisation from
 * scikit-learn's LinearSVC, negligible once C is not tiny.
 */
import type { Rng } from '../../util/rng.js';
import { axpyRow, dotRow, type DesignRows } from './design-rows.js';

export interface SquaredHingeResult {
  /** weights on the shifted rows */
  readonly w: Float64Array;
  /** bias on the shifted rows */
  readonly b: number;
  readonly epochs: number;
  readonly converged: boolean;
}

/**
 * `rows` restricts the fit to those row indices (a cross-validation fold); `y` and `C` are indexed
 * by row index of D. Rows with C_i = 0 are left out.
 */
export function fitSquaredHinge(
  D: DesignRows,
  rows: Int32Array,
  y: Int8Array,
  C: Float64Array,
  tol: number,
  maxEpochs: number,
  rng: Rng,
): SquaredHingeResult {
  const d = D.cols;
  const w = new Float64Array(d);
  let b = 0;
  const index = rows.filter((i) => C[i] > 0);
  const n = index.length;
  const alpha = new Float64Array(D.rows);
  // diagonal of Q̄ = Q + 1/(2C): ‖x_i‖² + 1 (bias feature) + 1/(2C_i)
  const qd = new Float64Array(D.rows);
  for (let t = 0; t < n; t++) {
    const i = index[t];
    qd[i] = D.sq[i] + 1 + 0.5 / C[i];
  }
  let active = n;
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  let epoch = 0;
  let converged = false;
  while (epoch < maxEpochs) {
    epoch++;
    let pgMax = -Infinity;
    let pgMin = Infinity;
    for (let s = active - 1; s > 0; s--) {
      const r = rng.int(s + 1);
      const tmp = index[s];
      index[s] = index[r];
      index[r] = tmp;
    }
    for (let s = 0; s < active; s++) {
      const i = index[s];
      const yi = y[i];
      const ai = alpha[i];
      const G = yi * (dotRow(D, i, w) + b) - 1 + (0.5 / C[i]) * ai;
      let pg = 0;
      if (ai === 0) {
        if (G > pgMaxOld) {
          // at the bound and well inside the correct side: set aside until the final check
          active--;
          index[s] = index[active];
          index[active] = i;
          s--;
          continue;
        }
        if (G < 0) pg = G;
      } else pg = G;
      if (pg > pgMax) pgMax = pg;
      if (pg < pgMin) pgMin = pg;
      if (Math.abs(pg) > 1e-12) {
        const next = Math.max(ai - G / qd[i], 0);
        const delta = (next - ai) * yi;
        alpha[i] = next;
        axpyRow(D, i, delta, w);
        b += delta;
      }
    }
    if (pgMax - pgMin <= tol) {
      if (active === n) {
        converged = true;
        break;
      }
      // converged on the active rows: check every row once more
      active = n;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pgMax > 0 ? pgMax : Infinity;
    pgMinOld = pgMin < 0 ? pgMin : -Infinity;
  }
  return { w, b, epochs: epoch, converged };
}
