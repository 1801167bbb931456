import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { axpyRow, columnModes, designRows, dotRow, shiftIntercept, takeDesignRows } from './design-rows.js';

/** A scaled count column (mostly one value), a dense column and a one-hot block. */
function table(n: number, seed: number) {
  const rng = new Rng(seed);
  const d = 6;
  const X = matrix(n, d);
  for (let i = 0; i < n; i++) {
    X.data[i * d] = rng.next() < 0.9 ? -0.25 : rng.normal() * 4;
    X.data[i * d + 1] = rng.normal();
    X.data[i * d + 2 + (rng.next() < 0.7 ? 0 : 1 + rng.int(3))] = 1;
  }
  return X;
}

test('columnModes finds the most frequent value of each column', () => {
  const X = matrix(5, 2, Float64Array.from([3, 1, 3, 2, 7, 2, 3, 2, 7, 5]));
  assert.deepEqual(Array.from(columnModes(X)), [3, 2]);
});

test('shifted sparse rows give the same dot products as the raw rows, once the intercept is moved', () => {
  const X = table(200, 1);
  const D = designRows(X);
  assert.ok(D.sparse, 'a mostly-constant table should be stored sparse');
  assert.equal(D.origin[0], -0.25);
  assert.equal(D.origin[2], 1, 'the most common one-hot category is the origin of its column');
  // fewer stored cells than the dense table
  assert.ok(D.ptr[D.rows] < 0.5 * X.rows * X.cols, `${D.ptr[D.rows]} cells stored`);
  const w = Float64Array.from([0.5, -1, 2, 0.25, -0.75, 3]);
  const b = shiftIntercept(D, w, Float64Array.from([0.3]));
  for (let r = 0; r < X.rows; r++) {
    let raw = 0.3;
    for (let j = 0; j < X.cols; j++) raw += w[j] * (X.data[r * X.cols + j] - D.origin[j]);
    assert.ok(Math.abs(dotRow(D, r, w) + 0.3 - raw) < 1e-12);
    // the same score from raw values with the moved intercept
    let direct = b[0];
    for (let j = 0; j < X.cols; j++) direct += w[j] * X.data[r * X.cols + j];
    assert.ok(Math.abs(direct - raw) < 1e-12);
    let sq = 0;
    for (let j = 0; j < X.cols; j++) sq += (X.data[r * X.cols + j] - D.origin[j]) ** 2;
    assert.ok(Math.abs(D.sq[r] - sq) < 1e-12);
  }
});

test('axpyRow adds a multiple of the shifted row, in both layouts', () => {
  const X = table(50, 2);
  for (const D of [designRows(X), designRows(X, true)]) {
    const w = new Float64Array(X.cols);
    axpyRow(D, 7, 2, w);
    for (let j = 0; j < X.cols; j++) assert.ok(Math.abs(w[j] - 2 * (X.data[7 * X.cols + j] - D.origin[j])) < 1e-12);
  }
});

test('takeDesignRows keeps the chosen rows, origin and layout', () => {
  const X = table(100, 3);
  const D = designRows(X);
  const sub = takeDesignRows(D, [5, 0, 99]);
  const w = Float64Array.from([1, 2, 3, 4, 5, 6]);
  assert.equal(sub.rows, 3);
  assert.equal(sub.sparse, D.sparse);
  assert.deepEqual([0, 1, 2].map((i) => dotRow(sub, i, w)), [5, 0, 99].map((i) => dotRow(D, i, w)));
  assert.deepEqual(Array.from(sub.sq), [D.sq[5], D.sq[0], D.sq[99]]);
});
