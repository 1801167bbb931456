import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { designRows } from '../linear/design-rows.js';
import { expandRows, kernelRowsParallel } from './kernel-pool.js';
import { expand, makeExpansion, rbfTrainingSet, RbfRows } from './rbf.js';

function data(n: number, d: number, seed: number) {
  const rng = new Rng(seed);
  const X = matrix(n, d);
  for (let i = 0; i < X.data.length; i++) X.data[i] = rng.next() < 0.7 ? 0 : rng.normal();
  return X;
}

test('scoring on worker threads gives exactly the single-thread result', () => {
  // 5,000 × 1,000 kernel pairs: above the size where workers are used
  const S = data(1000, 12, 1);
  const Q = data(5000, 12, 2);
  const coef = Float64Array.from({ length: 2000 }, (_, i) => Math.cos(i));
  const e = makeExpansion(S.data, 1000, 12, coef, 2, 0.1, designRows(S).origin);
  const one = new Float64Array(5000 * 2);
  expand(e, Q, one);
  const many = expandRows(e, Q, 3);
  assert.deepEqual(many, one);
  assert.ok(!(many.buffer instanceof SharedArrayBuffer), 'the caller gets ordinary memory back');
});

test('kernel rows computed on worker threads equal the ones computed here', () => {
  const X = data(3000, 10, 3);
  const set = rbfTrainingSet(designRows(X), 0.2);
  const which = Int32Array.from({ length: 1500 }, (_, i) => (i * 7) % 3000);
  const rows = kernelRowsParallel(set, which, 2);
  const k = new RbfRows(set);
  const one = new Float32Array(3000);
  for (const t of [0, 1, 750, 1499]) {
    k.row(which[t], one);
    assert.deepEqual(rows.subarray(t * 3000, (t + 1) * 3000), one);
  }
});
