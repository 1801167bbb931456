/**
 * Plain JavaScript versions of the SIMD kernels, with the same meaning and no shape rules (any
 * widths, separate row strides not needed because everything is contiguous). They are the oracle
 * the kernel tests compare against and a fallback for code that has its data in ordinary typed
 * arrays and too little work to be worth copying into an arena.
 *
 * Deliberately naive (triple loops, float64 accumulation): they are meant to be obviously right,
 * not fast.
 */

type F = Float32Array | Float64Array;

/** C[m×n] = A[m×k]·B[k×n] (+ bias[n]) (+ C when accumulate), then ReLU, then keep where mask > 0. */
export function gemmNNRef(
  a: F, b: F, c: F, m: number, k: number, n: number,
  opts: { bias?: F; mask?: F; relu?: boolean; accumulate?: boolean } = {},
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = opts.bias ? opts.bias[j] : 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      if (opts.accumulate) s += c[i * n + j];
      if (opts.relu && !(s > 0)) s = 0;
      if (opts.mask && !(opts.mask[i * n + j] > 0)) s = 0;
      c[i * n + j] = s;
    }
  }
}

/** W[k×n] = A[m×k]ᵀ·Z[m×n] (+ W when accumulate). */
export function gemmTNRef(a: F, z: F, w: F, m: number, k: number, n: number, accumulate = false): void {
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < n; j++) {
      let s = accumulate ? w[p * n + j] : 0;
      for (let i = 0; i < m; i++) s += a[i * k + p] * z[i * n + j];
      w[p * n + j] = s;
    }
  }
}

/** out[n] = Σ_i Z[i, :] (+ out when accumulate). */
export function colSumRef(z: F, out: F, m: number, n: number, accumulate = false): void {
  for (let j = 0; j < n; j++) {
    let s = accumulate ? out[j] : 0;
    for (let i = 0; i < m; i++) s += z[i * n + j];
    out[j] = s;
  }
}

export function transposeRef(src: F, dst: F, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
}

/** One Adam step, PyTorch's form of the bias correction (see simd-kernels.ts). */
export function adamRef(
  p: F, g: F, m: F, v: F, count: number,
  stepSize: number, invBias2: number, eps: number, beta1: number, beta2: number, decay: number,
): void {
  for (let i = 0; i < count; i++) {
    const gi = g[i] + decay * p[i];
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) * invBias2 + eps);
  }
}
