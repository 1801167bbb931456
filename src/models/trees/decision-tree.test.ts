import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { argmaxRows } from '../estimator.js';
import { decisionTree } from './decision-tree.js';

const ctx = { seed: 1, threads: 1 };

/** Two interleaved spirals of a sort: separable, but only by many axis-aligned cuts. */
function checkerboard(n: number, seed: number): { X: Matrix; y: Int32Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.next() * 4;
    const b = rng.next() * 4;
    data[2 * i] = a;
    data[2 * i + 1] = b;
    y[i] = (Math.floor(a) + Math.floor(b)) % 2;
  }
  return { X: matrix(n, 2, data), y };
}

function depth(feature: Int32Array, left: Int32Array, right: Int32Array, node = 0): number {
  return feature[node] < 0 ? 0 : 1 + Math.max(depth(feature, left, right, left[node]), depth(feature, left, right, right[node]));
}

test('a fully grown tree fits its training data and generalises on a checkerboard', async () => {
  const tr = checkerboard(2000, 1);
  const te = checkerboard(1000, 2);
  const state = await decisionTree.fit(tr.X, tr.y, 2, decisionTree.options({}), ctx);
  const fitAcc = argmaxRows(decisionTree.predictProba(state, tr.X), 2).filter((p, i) => p === tr.y[i]).length / 2000;
  const testAcc = argmaxRows(decisionTree.predictProba(state, te.X), 2).filter((p, i) => p === te.y[i]).length / 1000;
  assert.equal(fitAcc, 1);
  assert.ok(testAcc > 0.95, `test accuracy ${testAcc}`);
});

test('max_depth, min_samples_leaf and max_leaf_nodes bound the tree', async () => {
  const { X, y } = checkerboard(1500, 3);
  const t3 = (await decisionTree.fit(X, y, 2, decisionTree.options({ max_depth: 3 }), ctx)).trees;
  assert.equal(depth(t3.feature, t3.left, t3.right), 3);
  const t8 = (await decisionTree.fit(X, y, 2, decisionTree.options({ max_leaf_nodes: 8 }), ctx)).trees;
  assert.equal(t8.feature.filter((f) => f < 0).length, 8);
  const leafy = (await decisionTree.fit(X, y, 2, decisionTree.options({ min_samples_leaf: 50 }), ctx)).trees;
  for (let i = 0; i < leafy.feature.length; i++) {
    if (leafy.feature[i] < 0) assert.ok(leafy.cover[i] >= 50, `leaf ${i} holds ${leafy.cover[i]} rows`);
  }
});

test('sample weights and class_weight move the decision on contradictory rows', async () => {
  // the same point, labelled 0 three times and 1 once
  const X = matrix(4, 1, Float64Array.from([1, 1, 1, 1]));
  const y = Int32Array.from([0, 0, 0, 1]);
  const plain = await decisionTree.fit(X, y, 2, decisionTree.options({}), ctx);
  assert.deepEqual(Array.from(decisionTree.predictProba(plain, X).subarray(0, 2)), [0.75, 0.25]);
  const weighted = await decisionTree.fit(X, y, 2, decisionTree.options({}), { ...ctx, sampleWeight: Float64Array.from([1, 1, 1, 9]) });
  assert.deepEqual(Array.from(decisionTree.predictProba(weighted, X).subarray(0, 2)), [0.25, 0.75]);
  const balanced = await decisionTree.fit(X, y, 2, decisionTree.options({ class_weight: 'balanced' }), ctx);
  assert.deepEqual(Array.from(decisionTree.predictProba(balanced, X).subarray(0, 2)), [0.5, 0.5]);
});

test('tiny inputs: one row, two rows, rows with NaN', async () => {
  const one = await decisionTree.fit(matrix(1, 2, Float64Array.from([3, NaN])), Int32Array.of(1), 3, decisionTree.options({}), ctx);
  assert.deepEqual(Array.from(decisionTree.predictProba(one, matrix(1, 2, Float64Array.from([0, 0])))), [0, 1, 0]);
  const X2 = matrix(2, 1, Float64Array.from([NaN, 5]));
  const two = await decisionTree.fit(X2, Int32Array.of(0, 1), 2, decisionTree.options({}), ctx);
  assert.deepEqual(Array.from(decisionTree.predictProba(two, X2)), [1, 0, 0, 1]);
});

test('bad parameters and mismatched inputs read as user errors', async () => {
  assert.throws(() => decisionTree.options({ max_depth: 0 }), (e: unknown) => e instanceof UserError && e.message === "The 'max_depth' parameter of DecisionTree must be an int in [1, inf) or null. Got 0 instead.");
  assert.throws(() => decisionTree.options({ criterion: 'log_loss' as never }), /'criterion' parameter of DecisionTree must be 'gini' or 'entropy'/);
  assert.throws(() => decisionTree.options({ max_features: 1.5 }), /'max_features'/);
  const state = await decisionTree.fit(matrix(2, 1, Float64Array.from([0, 1])), Int32Array.of(0, 1), 2, decisionTree.options({}), ctx);
  assert.throws(() => decisionTree.predictProba(state, matrix(1, 3)), (e: unknown) => e instanceof UserError && /trained on 1 feature columns, but this input has 3/.test(e.message));
  await assert.rejects(decisionTree.fit(matrix(0, 2), new Int32Array(0), 2, decisionTree.options({}), ctx), UserError);
  await assert.rejects(
    decisionTree.fit(matrix(2, 1), Int32Array.of(0, 1), 2, decisionTree.options({}), { ...ctx, sampleWeight: Float64Array.of(1, -1) }),
    /sample weight of row 2 is -1/,
  );
});
