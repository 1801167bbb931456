import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { designRows } from './design-rows.js';
import { softmaxObjective } from './softmax-loss.js';

/** Rows with a few dense columns and a one-hot block, so the sparse layout is used. */
function problem(seed: number) {
  const rng = new Rng(seed);
  const n = 60;
  const d = 9;
  const k = 3;
  const X = matrix(n, d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(k);
    X.data[i * d] = rng.normal() + y[i];
    X.data[i * d + 1] = rng.next() < 0.8 ? 0 : rng.normal() * 3;
    X.data[i * d + 2 + rng.int(d - 2)] = 1;
  }
  const weight = Float64Array.from({ length: n }, () => 0.5 + rng.next());
  return { X, y, k, d, weight };
}

for (const dense of [false, true]) {
  test(`softmax loss gradient matches central differences (${dense ? 'dense' : 'sparse'} rows)`, () => {
    const { X, y, k, d, weight } = problem(3);
    const rows = designRows(X, dense);
    assert.equal(rows.sparse, !dense);
    const f = softmaxObjective({ X: rows, y, k, weight, C: 0.7 });
    const rng = new Rng(11);
    const w = Float64Array.from({ length: k * d + k }, () => rng.normal() * 0.5);
    const g = new Float64Array(w.length);
    f(w, g);
    const h = 1e-6;
    const scratch = new Float64Array(w.length);
    for (let t = 0; t < w.length; t++) {
      const keep = w[t];
      w[t] = keep + h;
      const fp = f(w, scratch);
      w[t] = keep - h;
      const fm = f(w, scratch);
      w[t] = keep;
      const numeric = (fp - fm) / (2 * h);
      assert.ok(Math.abs(numeric - g[t]) < 1e-6 * Math.max(1, Math.abs(numeric)), `parameter ${t}: analytic ${g[t]}, numeric ${numeric}`);
    }
  });
}

test('at zero the mean loss is log(k) in both layouts, with the same intercept gradient', () => {
  const { X, y, k, d, weight } = problem(5);
  const fs = softmaxObjective({ X: designRows(X), y, k, weight, C: 2 });
  const fd = softmaxObjective({ X: designRows(X, true), y, k, weight, C: 2 });
  const zero = new Float64Array(k * d + k);
  const g = new Float64Array(zero.length);
  assert.ok(Math.abs(fd(zero, g) - Math.log(k)) < 1e-12);
  // at W = 0 every row scores 0 whatever the shift, so both layouts give log k and the same
  // intercept gradient (the weight gradients differ by the shift, by design)
  const gs = new Float64Array(zero.length);
  fs(zero, gs);
  assert.ok(Math.abs(fs(zero, gs) - Math.log(k)) < 1e-12);
  for (let t = k * d; t < zero.length; t++) assert.ok(Math.abs(gs[t] - g[t]) < 1e-12, 'intercept gradients differ');
});
