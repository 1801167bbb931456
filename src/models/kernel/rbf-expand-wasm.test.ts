import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { designRows } from '../linear/design-rows.js';
import { expandRows } from './kernel-pool.js';
import { expand, makeExpansion } from './rbf.js';
import { expandOne, wasmExpandAvailable } from './rbf-expand-wasm.js';
import { readDataset } from '../../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../../testing/shared-data.js';
import { modelMatrix, trainModel } from '../trained-model.js';
import { oneClassSvm, type OneClassSvmState } from './one-class-svm.js';

test('the wasm kernel runs here (Node 20 has WebAssembly SIMD)', () => {
  assert.ok(wasmExpandAvailable());
});

test('its exponential matches the scalar one over the whole range, NaN and the x > 0 clamp included', () => {
  // one support vector at the origin, γ = 1: f(x) = exp(−x²), only the exponential at work
  const exps = [0, 1e-300, 1e-12, 1e-3, 0.3465, 0.5, 1, 2.5, 10, 37.2, 100, 300, 700, 707.9, 708.5, 710, 745, 800];
  const X = matrix(exps.length + 1, 1);
  exps.forEach((e, i) => (X.data[i] = Math.sqrt(e)));
  X.data[exps.length] = NaN;
  const e = makeExpansion(new Float64Array(1), 1, 1, Float64Array.of(1), 1, 1, new Float64Array(1));
  const ref = new Float64Array(X.rows);
  expand(e, X, ref);
  const got = new Float64Array(X.rows);
  expandOne(e, X, got);
  for (let i = 0; i < exps.length; i++) {
    const want = Math.exp(-(X.data[i] * X.data[i]));
    // below e^−708 (3e-308) the kernel returns e^−708's neighbourhood or 0: a difference under 1e-307
    // above it, a few units in the last place (Horner rounding): 1e-14 relative is the stated bound
    const tol = Math.max(1e-14 * want, 1e-307);
    assert.ok(Math.abs(got[i] - want) <= tol, `exp(−${exps[i]}): ${got[i]} vs ${want}`);
    assert.ok(Math.abs(got[i] - ref[i]) <= tol, `exp(−${exps[i]}): wasm ${got[i]} vs expNeg ${ref[i]}`);
  }
  assert.ok(Number.isNaN(got[exps.length]) && Number.isNaN(ref[exps.length]));
});

test('worker threads give exactly the calling thread’s one-output result', () => {
  const rng = new Rng(1);
  const data = (n: number, d: number): ReturnType<typeof matrix> => {
    const X = matrix(n, d);
    for (let i = 0; i < X.data.length; i++) X.data[i] = rng.next() < 0.7 ? 0 : rng.normal();
    return X;
  };
  const S = data(1001, 12);
  const Q = data(5000, 12);
  const coef = Float64Array.from({ length: 1001 }, (_, i) => Math.abs(Math.cos(i)));
  const e = makeExpansion(S.data, 1001, 12, coef, 1, 0.1, designRows(S).origin);
  const one = new Float64Array(5000);
  expandOne(e, Q, one);
  assert.deepEqual(expandRows(e, Q, 3), one);
  // and agrees with the scalar loop (odd support vector count: the padded lane must add nothing)
  const ref = new Float64Array(5000);
  expand(e, Q, ref);
  for (let r = 0; r < 5000; r++) assert.ok(Math.abs(one[r] - ref[r]) <= 1e-12 * (1 + Math.abs(ref[r])), `row ${r}: ${one[r]} vs ${ref[r]}`);
});

test(
  'one-class SVM scores of the CIC sample equal the scalar expansion’s within 1e-9 · (1 + |score|)',
  { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') },
  async () => {
    const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv')!]);
    const sample = await readDataset([sharedPath('datasets', 'cicids2017-sample')!]);
    const model = await trainModel(benign, { model: 'one-class-svm', seed: 42, threads: 1, log: true });
    const st = model.estimator.state as OneClassSvmState;
    const X = modelMatrix(model, sample);
    const got = oneClassSvm.score(st, X);
    // the straightforward implementation: rbf.ts's scalar loop, ρ − Σ α K
    const e = makeExpansion(st.supportVectors, st.supportCount, st.cols, st.alpha, 1, st.gamma, st.origin);
    const ref = new Float64Array(X.rows);
    expand(e, X, ref);
    let worst = 0;
    for (let r = 0; r < X.rows; r++) {
      const want = st.rho - ref[r];
      const err = Math.abs(got[r] - want) / (1 + Math.abs(want));
      if (err > worst) worst = err;
    }
    assert.ok(st.supportCount > 50, `a real model: ${st.supportCount} support vectors`);
    assert.ok(worst <= 1e-9, `largest relative difference ${worst}`);
    // a second call on a batch reuses the laid-out support vectors and gives the same numbers
    const again = oneClassSvm.score(st, { rows: 50, cols: X.cols, data: X.data.subarray(1000 * X.cols, 1050 * X.cols) });
    assert.deepEqual(again, got.subarray(1000, 1050));
  },
);

/**
 * The kernel's arithmetic written out in JavaScript, operation for operation: each support
 * vector's sum of the row's non-zero cells in column order from +0, its exponential as the kernel
 * computes it (clamp, round half to even, Cody-Waite with the two ln 2 parts, Horner to x¹³/13!,
 * 2^n from the bits), even support vectors summed in one lane and odd ones in the other, in
 * order, and the two lanes added at the end. The kernel must give these bits exactly, whatever the
 * support vector count (blocks, the remainder after the last whole block, the zero pad).
 */
function modelKernel(e: ReturnType<typeof makeExpansion>, X: ReturnType<typeof matrix>): Float64Array {
  const { gamma, count: m, cols: d, origin, colMap, svT, svSq, coef } = e;
  const out = new Float64Array(X.rows);
  const LN2_HI = 6.93147180369123816490e-1;
  const LN2_LO = 1.90821492927058770002e-10;
  const bits = new Float64Array(1);
  const words = new BigInt64Array(bits.buffer);
  const roundEven = (v: number): number => {
    const f = Math.floor(v);
    const diff = v - f;
    if (diff > 0.5) return f + 1;
    if (diff < 0.5) return f;
    return f % 2 === 0 ? f : f + 1;
  };
  for (let r = 0; r < X.rows; r++) {
    const val: number[] = [];
    const col: number[] = [];
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const v = X.data[r * d + j] - origin[j];
      if (v !== 0) {
        sq += v * v;
        if (colMap[j] >= 0) {
          col.push(colMap[j]);
          val.push(2 * gamma * v);
        }
      }
    }
    const xTerm = -gamma * sq;
    const lane = [0, 0];
    for (let s = 0; s < m; s++) {
      let acc = 0;
      for (let t = 0; t < val.length; t++) acc += val[t] * svT[col[t] * m + s];
      let x = xTerm + -gamma * svSq[s] + acc;
      x = x < -708 ? -708 : x;
      x = 0 < x ? 0 : x;
      const n = roundEven(x * (1 / Math.LN2));
      x = x - n * LN2_HI - n * LN2_LO;
      let p = 1;
      for (let j = 13; j >= 2; j--) p = p * x * (1 / j) + 1;
      p = p * x + 1;
      bits[0] = n + (1023 + 2 ** 52);
      words[0] <<= 52n;
      lane[s & 1] += p * bits[0] * coef[s];
    }
    out[r] = lane[0] + lane[1];
  }
  return out;
}

test('the kernel gives exactly the bits of its arithmetic written out, for 1 to 40 support vectors, dense rows and sparse', () => {
  const rng = new Rng(7);
  const cols = 9;
  // no zero cells (the two-row dense kernel), some (about the share that picks the way: chunks
  // go either way) and mostly zeros (the sparse kernel): each row's result must not depend on the
  // way its chunk went
  for (const zeros of [0, 0.3, 0.9]) {
    const Q = matrix(301, cols);
    for (let i = 0; i < Q.data.length; i++) Q.data[i] = rng.next() < zeros ? 0 : rng.normal() * 2;
    for (let m = 1; m <= 40; m++) {
      const S = matrix(m, cols);
      for (let i = 0; i < S.data.length; i++) S.data[i] = rng.next() < 0.3 ? 0 : rng.normal();
      const coef = Float64Array.from({ length: m }, () => rng.next());
      const e = makeExpansion(S.data, m, cols, coef, 1, 0.05 + rng.next() * 0.3, designRows(S).origin);
      const want = modelKernel(e, Q);
      const got = new Float64Array(Q.rows);
      expandOne(e, Q, got);
      assert.deepEqual(got, want, `${m} support vectors, ${zeros} zeros`);
      // any row range, e.g. an odd one starting inside the matrix
      const part = new Float64Array(151);
      expandOne(e, Q, part, 7, 158);
      assert.deepEqual(part, want.subarray(7, 158), `${m} support vectors, ${zeros} zeros, rows 7 … 157`);
    }
  }
});
