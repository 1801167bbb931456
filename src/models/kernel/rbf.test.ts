import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { designRows } from '../linear/design-rows.js';
import { expand, makeExpansion, rbfTrainingSet, RbfRows, resolveGamma } from './rbf.js';

/** One-hot block, a mostly-constant column and a dense column: stored sparse after the shift. */
function rows(n: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const d = 7;
  const X = matrix(n, d);
  for (let i = 0; i < n; i++) {
    X.data[i * d] = rng.normal();
    X.data[i * d + 1] = rng.next() < 0.85 ? -0.3 : rng.normal() * 3;
    X.data[i * d + 2 + (rng.next() < 0.6 ? 0 : rng.int(5))] = 1;
  }
  return X;
}

function brute(X: Matrix, i: number, Y: Matrix, k: number, gamma: number): number {
  let s = 0;
  for (let j = 0; j < X.cols; j++) s += (X.data[i * X.cols + j] - Y.data[k * Y.cols + j]) ** 2;
  return Math.exp(-gamma * s);
}

test("gamma 'scale' is 1 / (n_features · X.var()) over every cell, as scikit-learn computes it", () => {
  const X = matrix(2, 2, Float64Array.from([0, 1, 2, 3]));
  // cells 0..3: mean 1.5, population variance 1.25
  assert.equal(resolveGamma('scale', X), 1 / (2 * 1.25));
  assert.equal(resolveGamma('auto', X), 0.5);
  assert.equal(resolveGamma(0.3, X), 0.3);
  assert.equal(resolveGamma('scale', matrix(3, 4)), 1 / 4, 'a constant matrix falls back to 1 / n_features');
});

for (const dense of [false, true]) {
  test(`kernel rows equal exp(−γ‖x − y‖²) computed directly (${dense ? 'dense' : 'sparse'} layout)`, () => {
    const X = rows(120, 1);
    const D = designRows(X, dense);
    assert.equal(D.sparse, !dense);
    const k = new RbfRows(rbfTrainingSet(D, 0.2));
    const out = new Float64Array(X.rows);
    for (const i of [0, 7, 119]) {
      k.row(i, out);
      for (let t = 0; t < X.rows; t++) assert.ok(Math.abs(out[t] - brute(X, i, X, t, 0.2)) < 1e-12, `K(${i}, ${t})`);
    }
  });
}

test('kernel expansions equal the direct sum, for one and several outputs', () => {
  const S = rows(40, 2);
  const Q = rows(75, 3);
  const coef = Float64Array.from({ length: 40 * 3 }, (_, i) => Math.sin(i));
  const origin = designRows(S).origin;
  const e = makeExpansion(S.data, 40, S.cols, coef, 3, 0.35, origin);
  const out = new Float64Array(75 * 3);
  expand(e, Q, out);
  for (let r = 0; r < 75; r++) {
    for (let o = 0; o < 3; o++) {
      let f = 0;
      for (let s = 0; s < 40; s++) f += coef[s * 3 + o] * brute(Q, r, S, s, 0.35);
      assert.ok(Math.abs(out[r * 3 + o] - f) < 1e-11, `row ${r}, output ${o}: ${out[r * 3 + o]} vs ${f}`);
    }
  }
  // one output, rows 10..20 only, written from out[0]
  const e1 = makeExpansion(S.data, 40, S.cols, coef.subarray(0, 40), 1, 0.35, new Float64Array(S.cols));
  const part = new Float64Array(10);
  expand(e1, Q, part, 10, 20);
  for (let r = 10; r < 20; r++) {
    let f = 0;
    for (let s = 0; s < 40; s++) f += coef[s] * brute(Q, r, S, s, 0.35);
    assert.ok(Math.abs(part[r - 10] - f) < 1e-11);
  }
});
