/**
 * A binary linear SVM with the squared hinge loss, solved in the primal by L-BFGS:
 *
 *   f(w, b) = (1 / Σs) Σ_i s_i max(0, 1 − y_i (w·x_i + b))²  +  ‖w‖² / (2 C Σs)
 *
 * which is LinearSVC's objective ½‖w‖² + C Σ s_i max(0, 1 − y_i(w·x_i + b))² divided by C Σs (same
 * minimiser, a value that reads the same at any data size). The squared hinge is differentiable,
 * so L-BFGS applies directly.
 *
 * Why not LIBLINEAR's dual coordinate descent: we tried it first. On NSL-KDD, whose scaled byte
 * counts reach a few hundred standard deviations, it did not converge in 1,000 passes for any
 * class (scikit-learn's LinearSVC does not either, and warns), and those passes took seconds per
 * class. L-BFGS on the primal converges in a few hundred cheap passes whatever the scaling.
 *
 * Unlike LIBLINEAR, the intercept is not penalised (LIBLINEAR penalises it as a constant feature,
 * a quirk scikit-learn documents); with the rows shifted to their column modes a penalised
 * intercept would also depend on that shift.
 */
import { minimizeLbfgs } from './lbfgs.js';
import type { DesignRows } from './design-rows.js';

export interface SquaredHingeResult {
  /** weights on the shifted rows */
  readonly w: Float64Array;
  /** intercept on the shifted rows */
  readonly b: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * Fit on the rows listed in `rows` (a cross-validation fold or all); `y` (±1) and `s` (row
 * weights) are indexed by row of D. Rows with weight 0 are ignored. `start` warm-starts the
 * solver (the previous fold's solution: the optimum is the same, the iterations fewer).
 */
export function fitSquaredHinge(
  D: DesignRows,
  rows: Int32Array,
  y: Int8Array,
  s: Float64Array,
  C: number,
  tol: number,
  maxIter: number,
  start?: { readonly w: Float64Array; readonly b: number },
): SquaredHingeResult {
  const d = D.cols;
  const { sparse, ptr, idx, val, dense } = D;
  let sw = 0;
  for (let t = 0; t < rows.length; t++) sw += s[rows[t]];
  const inv = sw > 0 ? 1 / sw : 0;
  const reg = inv / C;
  const objective = (p: Float64Array, g: Float64Array): number => {
    g.fill(0);
    const b = p[d];
    let loss = 0;
    for (let t = 0; t < rows.length; t++) {
      const i = rows[t];
      const si = s[i];
      if (si === 0) continue;
      let z = b;
      if (sparse) {
        for (let q = ptr[i], e = ptr[i + 1]; q < e; q++) z += val[q] * p[idx[q]];
      } else {
        const base = i * d;
        for (let j = 0; j < d; j++) z += dense[base + j] * p[j];
      }
      const slack = 1 - y[i] * z;
      if (slack <= 0) continue;
      loss += si * slack * slack;
      // d/dz of s·slack² = −2 s y slack
      const r = -2 * si * y[i] * slack * inv;
      g[d] += r;
      if (sparse) {
        for (let q = ptr[i], e = ptr[i + 1]; q < e; q++) g[idx[q]] += r * val[q];
      } else {
        const base = i * d;
        for (let j = 0; j < d; j++) g[j] += r * dense[base + j];
      }
    }
    let pen = 0;
    for (let j = 0; j < d; j++) {
      pen += p[j] * p[j];
      g[j] += reg * p[j];
    }
    return loss * inv + 0.5 * reg * pen;
  };
  const p0 = new Float64Array(d + 1);
  if (start) {
    p0.set(start.w);
    p0[d] = start.b;
  }
  const res = minimizeLbfgs(objective, p0, { maxIter, gtol: tol });
  return { w: res.x.slice(0, d), b: res.x[d], iterations: res.iterations, converged: res.converged };
}
