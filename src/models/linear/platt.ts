/**
 * Platt scaling: turn an SVM's margins into probabilities with a fitted sigmoid
 * P(class | f) = 1 / (1 + exp(A·f + B)), as LIBSVM and scikit-learn's CalibratedClassifierCV do.
 *
 * The sigmoid is fitted on margins the model did not train on (cross-validation folds, see
 * `crossValidatedPlatt`), with Platt's smoothed targets (N₊+1)/(N₊+2) and 1/(N₋+2) so that a
 * perfectly separated fold does not push A to infinity. The fit is Newton's method with a
 * backtracking line search on the two parameters (Lin, Lin and Weng 2007).
 *
 * One-vs-rest classifiers get one sigmoid per class; the class probabilities are the sigmoids
 * normalised to sum to 1 (CalibratedClassifierCV's rule for more than two classes).
 */
import type { Rng } from '../../util/rng.js';

export interface Sigmoid {
  readonly A: number;
  readonly B: number;
}

/** Fit A, B on margins f and binary targets (1 = positive). */
export function fitPlatt(f: ArrayLike<number>, positive: ArrayLike<boolean | number>): Sigmoid {
  const n = f.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) nPos++;
  const nNeg = n - nPos;
  const hi = (nPos + 1) / (nPos + 2);
  const lo = 1 / (nNeg + 2);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = positive[i] ? hi : lo;
  let A = 0;
  let B = Math.log((nNeg + 1) / (nPos + 1));
  const loss = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = f[i] * a + b;
      // log(1 + e^z) − (1 − t) z, written to never overflow
      s += z >= 0 ? t[i] * z + Math.log1p(Math.exp(-z)) : (t[i] - 1) * z + Math.log1p(Math.exp(z));
    }
    return s;
  };
  let L = loss(A, B);
  for (let it = 0; it < 100; it++) {
    let gA = 0;
    let gB = 0;
    let hAA = 1e-12;
    let hAB = 0;
    let hBB = 1e-12;
    for (let i = 0; i < n; i++) {
      const z = f[i] * A + B;
      // p = P(positive) = 1 / (1 + e^z), and 1 − p
      const ez = Math.exp(-Math.abs(z));
      const p = z >= 0 ? ez / (1 + ez) : 1 / (1 + ez);
      const q = 1 - p;
      const d1 = t[i] - p;
      const d2 = p * q;
      gA += f[i] * d1;
      gB += d1;
      hAA += f[i] * f[i] * d2;
      hAB += f[i] * d2;
      hBB += d2;
    }
    if (Math.abs(gA) < 1e-5 && Math.abs(gB) < 1e-5) break;
    const det = hAA * hBB - hAB * hAB;
    const dA = -(hBB * gA - hAB * gB) / det;
    const dB = -(-hAB * gA + hAA * gB) / det;
    const slope = gA * dA + gB * dB;
    let step = 1;
    let moved = false;
    while (step >= 1e-10) {
      const nA = A + step * dA;
      const nB = B + step * dB;
      const nL = loss(nA, nB);
      if (nL < L + 1e-4 * step * slope) {
        A = nA;
        B = nB;
        L = nL;
        moved = true;
        break;
      }
      step /= 2;
    }
    if (!moved) break;
  }
  return { A, B };
}

/**
 * Per-class sigmoids for a one-vs-rest model, fitted on out-of-fold margins. `foldMargins(train,
 * test)` fits the model on the `train` rows and returns its margins on the `test` rows
 * (test.length × k, row-major).
 */
export function crossValidatedPlatt(
  y: Int32Array,
  k: number,
  folds: number,
  rng: Rng,
  foldMargins: (train: Int32Array, test: Int32Array) => Float64Array,
): Float64Array {
  const n = y.length;
  const fold = stratifiedFolds(y, k, folds, rng);
  const margins = new Float64Array(n * k);
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? test : train).push(i);
    if (test.length === 0 || train.length === 0) continue;
    const m = foldMargins(Int32Array.from(train), Int32Array.from(test));
    for (let t = 0; t < test.length; t++) margins.set(m.subarray(t * k, (t + 1) * k), test[t] * k);
  }
  const out = new Float64Array(2 * k);
  const fc = new Float64Array(n);
  const pos = new Uint8Array(n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      fc[i] = margins[i * k + c];
      pos[i] = y[i] === c ? 1 : 0;
    }
    const s = fitPlatt(fc, pos);
    out[2 * c] = s.A;
    out[2 * c + 1] = s.B;
  }
  return out;
}

/** Fold number per row: each class's rows shuffled and dealt round-robin, so folds keep the class mix. */
export function stratifiedFolds(y: Int32Array, k: number, folds: number, rng: Rng): Int32Array {
  const out = new Int32Array(y.length);
  let offset = 0;
  for (let c = 0; c < k; c++) {
    const rows: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === c) rows.push(i);
    rng.shuffle(rows);
    // continue the round-robin across classes so small classes do not all land in fold 0
    for (let t = 0; t < rows.length; t++) out[rows[t]] = (offset + t) % folds;
    offset = (offset + rows.length) % folds;
  }
  return out;
}

/** Class probabilities from one-vs-rest margins (rows × k) and per-class sigmoids (A, B pairs). */
export function plattProbabilities(margins: Float64Array, k: number, sigmoids: Float64Array): Float64Array {
  const n = margins.length / k;
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const z = sigmoids[2 * c] * margins[r * k + c] + sigmoids[2 * c + 1];
      const p = z >= 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
      out[r * k + c] = p;
      sum += p;
    }
    if (sum > 0) for (let c = 0; c < k; c++) out[r * k + c] /= sum;
    else for (let c = 0; c < k; c++) out[r * k + c] = 1 / k;
  }
  return out;
}
