import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { argmaxRows } from '../estimator.js';
import { featuresPerNode, randomForest } from './random-forest.js';

/** Three classes from two informative columns, plus three noise columns. */
function blobs(n: number, seed: number): { X: Matrix; y: Int32Array } {
  const rng = new Rng(seed);
  const cols = 5;
  const data = new Float64Array(n * cols);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    y[i] = k;
    data[i * cols] = k * 2 + rng.normal();
    data[i * cols + 1] = (k === 1 ? 3 : 0) + rng.normal();
    for (let j = 2; j < cols; j++) data[i * cols + j] = rng.normal();
  }
  return { X: matrix(n, cols, data), y };
}

test('same seed gives the same forest bit for bit, with 1 or 2 threads', async () => {
  const { X, y } = blobs(900, 1);
  const o = randomForest.options({ n_estimators: 24 });
  const one = await randomForest.fit(X, y, 3, o, { seed: 9, threads: 1 });
  const two = await randomForest.fit(X, y, 3, o, { seed: 9, threads: 2 });
  assert.deepEqual(two.trees, one.trees);
  const test = blobs(300, 2).X;
  assert.deepEqual(randomForest.predictProba(two, test), randomForest.predictProba(one, test));
  const other = await randomForest.fit(X, y, 3, o, { seed: 10, threads: 2 });
  assert.notDeepEqual(other.trees.feature, one.trees.feature);
});

test('accurate on held-out blobs; importances sum to 1 and rank the informative columns first', async () => {
  const tr = blobs(1500, 3);
  const te = blobs(600, 4);
  const state = await randomForest.fit(tr.X, tr.y, 3, randomForest.options({ n_estimators: 50 }), { seed: 1, threads: 2 });
  const pred = argmaxRows(randomForest.predictProba(state, te.X), 3);
  const acc = pred.filter((p, i) => p === te.y[i]).length / te.y.length;
  assert.ok(acc > 0.8, `accuracy ${acc}`);
  const imp = randomForest.importances!(state)!;
  assert.ok(Math.abs(imp.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.min(imp[0], imp[1]) > Math.max(imp[2], imp[3], imp[4]), `importances ${Array.from(imp)}`);
});

test('progress reaches the tree count', async () => {
  const { X, y } = blobs(200, 5);
  let last = 0;
  await randomForest.fit(X, y, 3, randomForest.options({ n_estimators: 7 }), { seed: 1, threads: 2, progress: (done, total) => (last = done === total ? done : last) });
  assert.equal(last, 7);
});

test('sample weights reach every tree: a heavy row wins its contradictory twin', async () => {
  const X = matrix(2, 1, Float64Array.from([1, 1]));
  const y = Int32Array.from([0, 1]);
  const o = randomForest.options({ n_estimators: 30, bootstrap: false });
  const heavy = await randomForest.fit(X, y, 2, o, { seed: 1, threads: 1, sampleWeight: Float64Array.from([1, 3]) });
  assert.deepEqual(Array.from(randomForest.predictProba(heavy, X).subarray(0, 2)), [0.25, 0.75]);
});

test('max_features resolves like scikit-learn, and bad values are refused', () => {
  assert.equal(featuresPerNode('sqrt', 41), 6);
  assert.equal(featuresPerNode('log2', 41), 5);
  assert.equal(featuresPerNode(0.5, 41), 20);
  assert.equal(featuresPerNode(3, 41), 3);
  assert.equal(featuresPerNode(null, 41), 41);
  assert.throws(() => randomForest.options({ max_features: 0 }), (e: unknown) => e instanceof UserError && /'max_features' parameter of RandomForest/.test(e.message));
  assert.throws(() => randomForest.options({ n_estimators: 0 }), /'n_estimators' parameter of RandomForest must be an int in \[1, inf\)\. Got 0 instead\./);
  assert.throws(() => randomForest.options({ class_weight: 'auto' as never }), /'class_weight'/);
});
