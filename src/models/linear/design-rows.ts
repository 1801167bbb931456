/**
 * Training rows as linear and kernel models read them: each column measured from its most
 * frequent value (its "origin") and, when that leaves most cells at zero, stored sparse (CSR).
 *
 * Why: after one-hot encoding and standard scaling, network features are dense in memory but not
 * in information. A one-hot block is all zeros but one; a scaled count column ("num_failed_logins")
 * is a single value (−mean/std) in almost every row. Measured from the column's mode instead of
 * from zero, a NSL-KDD row keeps about 9 non-zero cells of 118. Both kinds of model can use that
 * without changing their answers:
 *   - a linear score w·x + b equals w·(x − o) + (b + w·o): fit on the shifted rows with a free
 *     intercept, then move the intercept back (see `shiftIntercept`);
 *   - an RBF kernel depends only on x − s, which a common shift does not change.
 * Dot products then cost the non-zeros of a row instead of its width: about 12 times fewer
 * multiply-adds on NSL-KDD, which is most of what the solvers and the scoring do.
 *
 * When the shift does not make the rows sparse (random Fourier features, dense sensor data), the
 * rows stay dense with a zero origin, and the caller's matrix is used as is, without a copy.
 *
 * It deliberately does not scale, impute or reorder anything: that is the feature pipeline's job.
 */
import type { Matrix } from '../../features/matrix.js';

export interface DesignRows {
  readonly rows: number;
  readonly cols: number;
  /** value subtracted from each column (all zeros when dense) */
  readonly origin: Float64Array;
  readonly sparse: boolean;
  /** CSR (sparse only): row r's cells are idx/val[ptr[r] .. ptr[r+1]) */
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
  readonly val: Float64Array;
  /** row-major shifted values (dense only; aliases the input matrix) */
  readonly dense: Float64Array;
  /** squared Euclidean norm of each shifted row (kernels need it; cheap to keep) */
  readonly sq: Float64Array;
}

/** Rows at most this dense (share of non-zero cells after the shift) are stored sparse. */
const SPARSE_BELOW = 0.4;
/** Rows sampled to find each column's mode: the origin only changes speed, never results. */
const MODE_SAMPLE = 2048;

/**
 * Build the shifted rows of `X`. `forceDense` keeps a dense layout whatever the sparsity (tests use
 * it to check that both layouts give the same model).
 */
export function designRows(X: Matrix, forceDense = false): DesignRows {
  const { rows: n, cols: d, data } = X;
  const origin = forceDense ? new Float64Array(d) : columnModes(X);
  let nnz = 0;
  for (let r = 0; r < n; r++) {
    const base = r * d;
    for (let j = 0; j < d; j++) if (data[base + j] !== origin[j]) nnz++;
  }
  const empty32 = new Int32Array(0);
  const empty64 = new Float64Array(0);
  if (forceDense || nnz > SPARSE_BELOW * n * d) {
    const sq = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      const base = r * d;
      for (let j = 0; j < d; j++) s += data[base + j] * data[base + j];
      sq[r] = s;
    }
    return { rows: n, cols: d, origin: new Float64Array(d), sparse: false, ptr: empty32, idx: empty32, val: empty64, dense: data, sq };
  }
  const ptr = new Int32Array(n + 1);
  const idx = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  const sq = new Float64Array(n);
  let k = 0;
  for (let r = 0; r < n; r++) {
    const base = r * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = data[base + j] - origin[j];
      if (v !== 0) {
        idx[k] = j;
        val[k] = v;
        k++;
        s += v * v;
      }
    }
    ptr[r + 1] = k;
    sq[r] = s;
  }
  return { rows: n, cols: d, origin, sparse: true, ptr, idx, val, dense: empty64, sq };
}

/** The most frequent value of each column, over an evenly spaced sample of rows. */
export function columnModes(X: Matrix): Float64Array {
  const { rows: n, cols: d, data } = X;
  const out = new Float64Array(d);
  if (n === 0) return out;
  const step = Math.max(1, Math.floor(n / MODE_SAMPLE));
  const m = Math.ceil(n / step);
  const buf = new Float64Array(m);
  for (let j = 0; j < d; j++) {
    let t = 0;
    for (let r = 0; r < n && t < m; r += step) buf[t++] = data[r * d + j];
    const s = buf.subarray(0, t).sort();
    let best = s[0];
    let bestRun = 0;
    let run = 0;
    for (let i = 0; i < t; i++) {
      run = i > 0 && s[i] === s[i - 1] ? run + 1 : 1;
      if (run > bestRun) {
        bestRun = run;
        best = s[i];
      }
    }
    // NaN would poison every shifted cell; a column full of NaN is the pipeline's problem
    out[j] = Number.isFinite(best) ? best : 0;
  }
  return out;
}

/** w · row r of the shifted rows. */
export function dotRow(D: DesignRows, r: number, w: Float64Array, wOff = 0): number {
  let s = 0;
  if (D.sparse) {
    const { ptr, idx, val } = D;
    for (let k = ptr[r], e = ptr[r + 1]; k < e; k++) s += val[k] * w[wOff + idx[k]];
  } else {
    const d = D.cols;
    const x = D.dense;
    const base = r * d;
    for (let j = 0; j < d; j++) s += x[base + j] * w[wOff + j];
  }
  return s;
}

/** w += a · row r of the shifted rows. */
export function axpyRow(D: DesignRows, r: number, a: number, w: Float64Array, wOff = 0): void {
  if (D.sparse) {
    const { ptr, idx, val } = D;
    for (let k = ptr[r], e = ptr[r + 1]; k < e; k++) w[wOff + idx[k]] += a * val[k];
  } else {
    const d = D.cols;
    const x = D.dense;
    const base = r * d;
    for (let j = 0; j < d; j++) w[wOff + j] += a * x[base + j];
  }
}

/**
 * Intercepts for unshifted inputs: a model fitted on x − o with intercept b' scores raw x with
 * b = b' − w·o. `W` is k × d row-major.
 */
export function shiftIntercept(D: DesignRows, W: Float64Array, b: Float64Array): Float64Array {
  const d = D.cols;
  const out = new Float64Array(b.length);
  for (let c = 0; c < b.length; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += W[c * d + j] * D.origin[j];
    out[c] = b[c] - s;
  }
  return out;
}

/** The rows at `index` (for cross-validation folds), keeping the origin and layout. */
export function takeDesignRows(D: DesignRows, index: ArrayLike<number>): DesignRows {
  const m = index.length;
  const d = D.cols;
  const sq = new Float64Array(m);
  for (let i = 0; i < m; i++) sq[i] = D.sq[index[i]];
  if (!D.sparse) {
    const dense = new Float64Array(m * d);
    for (let i = 0; i < m; i++) dense.set(D.dense.subarray(index[i] * d, (index[i] + 1) * d), i * d);
    return { ...D, rows: m, dense, sq };
  }
  let nnz = 0;
  for (let i = 0; i < m; i++) nnz += D.ptr[index[i] + 1] - D.ptr[index[i]];
  const ptr = new Int32Array(m + 1);
  const idx = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let k = 0;
  for (let i = 0; i < m; i++) {
    const r = index[i];
    for (let t = D.ptr[r]; t < D.ptr[r + 1]; t++) {
      idx[k] = D.idx[t];
      val[k] = D.val[t];
      k++;
    }
    ptr[i + 1] = k;
  }
  return { ...D, rows: m, ptr, idx, val, sq };
}
