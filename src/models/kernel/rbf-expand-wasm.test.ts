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
