/**
 * Principal component analysis as a pipeline step: fitted on training rows, it keeps either a
 * chosen share of the variance (default 0.95, scikit-learn's rule: the fewest components whose
 * cumulative explained-variance ratio exceeds the share) or a fixed number of components, and
 * projects any later matrix onto them. Also the rotation the KD-tree uses to put the spread of
 * flow features into its first coordinates (models/cluster/kd-tree.ts).
 *
 * How: the covariance matrix (d x d, ddof = 1 as scikit-learn) is eigen-decomposed: Householder
 * reduction to tridiagonal form, then the implicit QL iteration with Wilkinson-style shifts, both
 * accumulating the eigenvectors. That is O(n d^2 + d^3): for flow features (d up to a few hundred)
 * it costs far less than reading the data, and it never needs the n x d SVD. Written here rather
 * than taken from a library because no maintained pure-JS linear algebra package does this in
 * typed arrays without pulling in a framework.
 *
 * Signs are made deterministic: in each component the loading of largest magnitude is positive
 * (the first such one on ties), so a model trained twice gives the same projection.
 *
 * What it deliberately does not do: whitening, randomized or incremental PCA, sparse input. The
 * squared-loading accuracy is that of the covariance route (fine for variances that are not 1e-8
 * of the largest; tiny trailing components are noise either way).
 */
import { matrix, type Matrix } from './matrix.js';
import { checkParam, UserError } from '../util/errors.js';

export interface PcaOptions {
  /** keep this many components (1 .. min(rows, cols)); when set, varianceShare is ignored */
  readonly nComponents?: number;
  /** keep the fewest components whose cumulative explained-variance ratio exceeds this; (0, 1) */
  readonly varianceShare: number;
}

export const PCA_DEFAULTS: PcaOptions = Object.freeze({ varianceShare: 0.95 });

/** Plain serialisable fitted state. */
export interface PcaState {
  readonly nFeatures: number;
  readonly nComponents: number;
  /** per input column, subtracted before projecting */
  readonly mean: Float64Array;
  /** nComponents x nFeatures, row-major: row k is the k-th principal axis (unit length) */
  readonly components: Float64Array;
  /** variance along each kept axis (ddof = 1), descending */
  readonly explainedVariance: Float64Array;
  /** explainedVariance / total variance */
  readonly explainedVarianceRatio: Float64Array;
  /** sum of the variances of all input columns */
  readonly totalVariance: number;
}

export function pcaOptions(given: Partial<PcaOptions> = {}): PcaOptions {
  const o: PcaOptions = { ...PCA_DEFAULTS, ...given };
  if (o.nComponents !== undefined) {
    checkParam('PCA', 'nComponents', Number.isInteger(o.nComponents) && o.nComponents >= 1, 'an int in the range [1, inf)', o.nComponents);
  }
  checkParam('PCA', 'varianceShare', o.varianceShare > 0 && o.varianceShare < 1, 'a float in the range (0.0, 1.0)', o.varianceShare);
  return Object.freeze(o);
}

/** Learn the principal axes of X. */
export function fitPca(X: Matrix, given: Partial<PcaOptions> = {}): PcaState {
  const o = pcaOptions(given);
  const n = X.rows;
  const d = X.cols;
  if (n < 2) throw new UserError(`PCA needs at least 2 rows to estimate variance; got ${n}`);
  if (d < 1) throw new UserError('PCA needs at least 1 column; got 0');
  if (o.nComponents !== undefined && o.nComponents > Math.min(n, d)) {
    throw new UserError(
      `The 'nComponents' parameter of PCA must be at most min(rows, columns) = ${Math.min(n, d)}. Got ${o.nComponents} instead.`,
    );
  }
  for (let i = 0; i < X.data.length; i++) {
    if (!Number.isFinite(X.data[i])) {
      throw new UserError(`PCA: row ${Math.floor(i / d) + 1}, column ${(i % d) + 1} is ${X.data[i]}; replace missing and infinite values first`);
    }
  }
  const { mean, cov } = covariance(X);
  const { values, vectors } = symmetricEigen(cov, d);
  let total = 0;
  for (let k = 0; k < d; k++) total += cov[k * d + k];

  let keep: number;
  if (o.nComponents !== undefined) keep = o.nComponents;
  else {
    // fewest components whose cumulative ratio exceeds the share (sklearn: searchsorted right + 1)
    keep = Math.min(n, d);
    let cum = 0;
    for (let k = 0; k < Math.min(n, d); k++) {
      cum += total > 0 ? Math.max(values[k], 0) / total : 0;
      if (cum > o.varianceShare) {
        keep = k + 1;
        break;
      }
    }
  }
  const components = vectors.slice(0, keep * d);
  const explainedVariance = new Float64Array(keep);
  const explainedVarianceRatio = new Float64Array(keep);
  for (let k = 0; k < keep; k++) {
    explainedVariance[k] = Math.max(values[k], 0);
    explainedVarianceRatio[k] = total > 0 ? explainedVariance[k] / total : 0;
  }
  return { nFeatures: d, nComponents: keep, mean, components, explainedVariance, explainedVarianceRatio, totalVariance: total };
}

/** Project X (rows x nFeatures) onto the kept axes: rows x nComponents. */
export function transformPca(state: PcaState, X: Matrix): Matrix {
  const d = state.nFeatures;
  if (X.cols !== d) throw new UserError(`PCA was fitted on ${d} columns but this matrix has ${X.cols}`);
  const k = state.nComponents;
  const out = new Float64Array(X.rows * k);
  const centred = new Float64Array(d);
  const comp = state.components;
  const mean = state.mean;
  for (let r = 0; r < X.rows; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) centred[j] = X.data[o + j] - mean[j];
    for (let c = 0; c < k; c++) {
      let s = 0;
      const b = c * d;
      for (let j = 0; j < d; j++) s += centred[j] * comp[b + j];
      out[r * k + c] = s;
    }
  }
  return matrix(X.rows, k, out);
}

/** Back from component space to the input columns (exact when all components were kept). */
export function inverseTransformPca(state: PcaState, Y: Matrix): Matrix {
  const d = state.nFeatures;
  const k = state.nComponents;
  if (Y.cols !== k) throw new UserError(`PCA has ${k} components but this matrix has ${Y.cols} columns`);
  const out = new Float64Array(Y.rows * d);
  const comp = state.components;
  for (let r = 0; r < Y.rows; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) out[o + j] = state.mean[j];
    for (let c = 0; c < k; c++) {
      const y = Y.data[r * k + c];
      if (y === 0) continue;
      const b = c * d;
      for (let j = 0; j < d; j++) out[o + j] += y * comp[b + j];
    }
  }
  return matrix(Y.rows, d, out);
}

/** Column means and the d x d covariance (ddof = 1), two passes for accuracy. */
export function covariance(X: Matrix): { mean: Float64Array; cov: Float64Array } {
  const n = X.rows;
  const d = X.cols;
  const data = X.data;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += data[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  // upper triangle, four rows at a time so each (i, j) entry is loaded once per four rows
  const a = new Float64Array(4 * d);
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    for (let j = 0; j < d; j++) {
      a[j] = data[r * d + j] - mean[j];
      a[d + j] = data[(r + 1) * d + j] - mean[j];
      a[2 * d + j] = data[(r + 2) * d + j] - mean[j];
      a[3 * d + j] = data[(r + 3) * d + j] - mean[j];
    }
    for (let i = 0; i < d; i++) {
      const a0 = a[i], a1 = a[d + i], a2 = a[2 * d + i], a3 = a[3 * d + i];
      const row = i * d;
      for (let j = i; j < d; j++) cov[row + j] += a0 * a[j] + a1 * a[d + j] + a2 * a[2 * d + j] + a3 * a[3 * d + j];
    }
  }
  for (; r < n; r++) {
    for (let j = 0; j < d; j++) a[j] = data[r * d + j] - mean[j];
    for (let i = 0; i < d; i++) {
      const ai = a[i];
      const row = i * d;
      for (let j = i; j < d; j++) cov[row + j] += ai * a[j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = cov[i * d + j] / (n - 1);
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return { mean, cov };
}

/**
 * Eigenvalues (descending) and unit eigenvectors of a symmetric d x d matrix (row-major, only read).
 * `vectors` is d x d row-major with row k the eigenvector of values[k], sign-normalised so its
 * largest-magnitude entry is positive.
 */
export function symmetricEigen(A: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  // z: working copy; after tridiagonalisation it holds the accumulated orthogonal transform Q
  // (column j of Q at z[.., j]), and the QL sweeps keep rotating its columns.
  const a = Float64Array.from(A.subarray(0, d * d));
  const diag = new Float64Array(d);
  const off = new Float64Array(d); // off[i] = T[i][i+1] after reduction, off[d-1] = 0
  const q = householderTridiagonal(a, d, diag, off);
  tridiagonalQl(diag, off, q, d);

  // sort descending, rows = eigenvectors, sign rule
  const order = Array.from({ length: d }, (_, i) => i).sort((x, y) => diag[y] - diag[x] || x - y);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const c = order[k];
    values[k] = diag[c];
    let big = 0;
    let sign = 1;
    for (let i = 0; i < d; i++) {
      const v = q[i * d + c];
      if (Math.abs(v) > big) {
        big = Math.abs(v);
        sign = v < 0 ? -1 : 1;
      }
    }
    for (let i = 0; i < d; i++) vectors[k * d + i] = sign * q[i * d + c];
  }
  return { values, vectors };
}

/**
 * Reduce symmetric `a` (overwritten) to tridiagonal T = Q^T a Q by Householder reflections that
 * zero one column below the sub-diagonal at a time. Returns Q (row-major d x d); fills diag and off.
 */
function householderTridiagonal(a: Float64Array, d: number, diag: Float64Array, off: Float64Array): Float64Array {
  const qm = new Float64Array(d * d);
  for (let i = 0; i < d; i++) qm[i * d + i] = 1;
  const u = new Float64Array(d);
  const p = new Float64Array(d);
  for (let k = 0; k + 2 < d; k++) {
    // x = a[k+1.., k]; reflect it onto alpha * e1
    let norm2 = 0;
    let scale = 0;
    for (let i = k + 1; i < d; i++) scale = Math.max(scale, Math.abs(a[i * d + k]));
    if (scale === 0) continue; // column already zero below the sub-diagonal
    for (let i = k + 1; i < d; i++) {
      const v = a[i * d + k] / scale;
      u[i] = v;
      norm2 += v * v;
    }
    const x0 = u[k + 1];
    const alpha = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    u[k + 1] = x0 - alpha;
    // |u|^2 = norm2 - 2 alpha x0 + alpha^2 = 2 (norm2 - alpha x0)
    const h = norm2 - alpha * x0;
    if (h === 0) continue;
    const inv = 1 / Math.sqrt(2 * h);
    for (let i = k + 1; i < d; i++) u[i] *= inv; // now H = I - 2 u u^T with |u| = 1
    // p = A u on the trailing block, K = u^T p, q = p - K u; A <- A - 2 u q^T - 2 q u^T
    let kk = 0;
    for (let i = k + 1; i < d; i++) {
      let s = 0;
      const row = i * d;
      for (let j = k + 1; j < d; j++) s += a[row + j] * u[j];
      p[i] = s;
      kk += u[i] * s;
    }
    for (let i = k + 1; i < d; i++) p[i] -= kk * u[i];
    for (let i = k + 1; i < d; i++) {
      const row = i * d;
      const ui = 2 * u[i];
      const pi = 2 * p[i];
      for (let j = k + 1; j < d; j++) a[row + j] -= ui * p[j] + pi * u[j];
    }
    const sub = alpha * scale;
    a[(k + 1) * d + k] = sub;
    a[k * d + k + 1] = sub;
    for (let i = k + 2; i < d; i++) {
      a[i * d + k] = 0;
      a[k * d + i] = 0;
    }
    // Q <- Q H: Q -= 2 (Q u) u^T
    for (let r = 0; r < d; r++) {
      const row = r * d;
      let s = 0;
      for (let j = k + 1; j < d; j++) s += qm[row + j] * u[j];
      if (s === 0) continue;
      s *= 2;
      for (let j = k + 1; j < d; j++) qm[row + j] -= s * u[j];
    }
  }
  for (let i = 0; i < d; i++) {
    diag[i] = a[i * d + i];
    off[i] = i + 1 < d ? a[i * d + i + 1] : 0;
  }
  return qm;
}

/**
 * Implicit QL iteration on the tridiagonal (diag, off), rotating the columns of z alongside, until
 * every off-diagonal entry is negligible; diag then holds the eigenvalues and column j of z the
 * eigenvector of diag[j]. Each sweep works on the smallest unreduced block [l, m] and shifts by the
 * eigenvalue of the leading 2 x 2 block nearer diag[l], which converges cubically in practice.
 */
function tridiagonalQl(diag: Float64Array, off: Float64Array, z: Float64Array, d: number): void {
  const EPS = 2.220446049250313e-16;
  for (let l = 0; l < d; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      for (; m + 1 < d; m++) {
        const dd = Math.abs(diag[m]) + Math.abs(diag[m + 1]);
        if (Math.abs(off[m]) <= EPS * dd) break;
      }
      if (m === l) break;
      if (iter === 100) throw new Error('symmetricEigen: QL iteration did not converge');
      // shift from the 2 x 2 block at l
      let g = (diag[l + 1] - diag[l]) / (2 * off[l]);
      let r = Math.hypot(g, 1);
      g = diag[m] - diag[l] + off[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let early = false;
      for (; i >= l; i--) {
        const f = s * off[i];
        const b = c * off[i];
        r = Math.hypot(f, g);
        off[i + 1] = r;
        if (r === 0) {
          // underflow: the block splits here; drop the shift and start again
          diag[i + 1] -= p;
          off[m] = 0;
          early = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = diag[i + 1] - p;
        r = (diag[i] - g) * s + 2 * c * b;
        p = s * r;
        diag[i + 1] = g + p;
        g = c * r - b;
        for (let k = 0; k < d; k++) {
          const row = k * d;
          const zf = z[row + i + 1];
          const zi = z[row + i];
          z[row + i + 1] = s * zi + c * zf;
          z[row + i] = c * zi - s * zf;
        }
      }
      if (early) continue;
      diag[l] -= p;
      off[l] = g;
      off[m] = 0;
    }
  }
}
