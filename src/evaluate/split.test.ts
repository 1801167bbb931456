import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateProportional, stratifiedTrainTestSplit, stratifiedValidationSplit } from './split.js';
import { Rng } from '../util/rng.js';

/** 1000 rows: class 0 ×700, class 1 ×250, class 2 ×40, class 3 ×10, interleaved. */
function labels(): Int32Array {
  const y = new Int32Array(1000);
  const rng = new Rng(3);
  let i = 0;
  for (const [c, n] of [[0, 700], [1, 250], [2, 40], [3, 10]]) for (let k = 0; k < n; k++) y[i++] = c;
  return rng.shuffle(y);
}

function countClasses(y: Int32Array, rows: Int32Array): number[] {
  const out = [0, 0, 0, 0];
  for (const r of rows) out[y[r]]++;
  return out;
}

test('stratified split keeps each class share on both sides', () => {
  const y = labels();
  const s = stratifiedTrainTestSplit(y, 0.2, 42);
  assert.equal(s.test.length, 200);
  assert.equal(s.train.length, 800);
  // exact proportional shares: 20 % of 700, 250, 40, 10
  assert.deepEqual(countClasses(y, s.test), [140, 50, 8, 2]);
  assert.deepEqual(countClasses(y, s.train), [560, 200, 32, 8]);
});

test('split is a partition of the rows, sorted, and repeatable under a seed', () => {
  const y = labels();
  const a = stratifiedTrainTestSplit(y, 0.3, 7);
  const seen = new Uint8Array(y.length);
  for (const r of a.train) seen[r]++;
  for (const r of a.test) seen[r]++;
  assert.ok(seen.every((v) => v === 1));
  for (let i = 1; i < a.test.length; i++) assert.ok(a.test[i] > a.test[i - 1]);
  const b = stratifiedTrainTestSplit(y, 0.3, 7);
  assert.deepEqual(a.test, b.test);
  const c = stratifiedTrainTestSplit(y, 0.3, 8);
  assert.notDeepEqual(a.test, c.test);
});

test('rounding goes to the largest remainders', () => {
  // 3 classes of 5 rows, 7 to share: floors 2, 2, 2 and one more to one class
  const got = allocateProportional([5, 5, 5], 7, new Rng(1));
  assert.equal(got.reduce((s, v) => s + v, 0), 7);
  assert.deepEqual([...got].sort(), [2, 2, 3]);
  // remainders 0.9, 0.1: the extra row goes to the first class
  assert.deepEqual(Array.from(allocateProportional([9, 1], 1, new Rng(1))), [1, 0]);
});

test('a test size given as a row count', () => {
  const y = labels();
  const s = stratifiedTrainTestSplit(y, 100, 1);
  assert.equal(s.test.length, 100);
  assert.deepEqual(countClasses(y, s.test), [70, 25, 4, 1]);
});

test('validation split holds out the fraction, stratified', () => {
  const y = labels();
  const v = stratifiedValidationSplit(y, 0.1, 5);
  assert.equal(v.validation.length, 100);
  assert.equal(v.fit.length, 900);
  assert.deepEqual(countClasses(y, v.validation), [70, 25, 4, 1]);
});

test('bad sizes are refused with scikit-learn wording', () => {
  const y = labels();
  assert.throws(() => stratifiedTrainTestSplit(y, 1.5, 1), /The 'test_size' parameter of train_test_split must be a float in the range \(0.0, 1.0\) or an int/);
  assert.throws(() => stratifiedTrainTestSplit(y, 0, 1), /Got 0 instead/);
  assert.throws(() => stratifiedValidationSplit(y, 1, 1), /validation_fraction/);
});
