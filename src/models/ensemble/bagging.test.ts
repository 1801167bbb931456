import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../all.js';
import { bagging, type BaggingState } from './bagging.js';
import { argmaxRows } from '../estimator.js';
import { matrix, type Matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { UserError } from '../../util/errors.js';

/** k Gaussian blobs in d dimensions; `rare` rows of one extra class far away. */
function blobs(n: number, k: number, seed: number, rare = 0): { X: Matrix; y: Int32Array; classes: number } {
  const d = 4;
  const rng = new Rng(seed);
  const total = n + rare;
  const X = matrix(total, d);
  const y = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    const c = i < n ? i % k : k;
    y[i] = c;
    for (let j = 0; j < d; j++) X.data[i * d + j] = (j === c % d ? 3 * (1 + Math.floor(c / d)) : 0) + rng.normal();
  }
  return { X, y, classes: rare ? k + 1 : k };
}

function accuracyOf(proba: Float64Array, y: Int32Array, k: number): number {
  const p = argmaxRows(proba, k);
  let hit = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) hit++;
  return hit / y.length;
}

test('bagging works over a non-tree base and keeps plain member states', async () => {
  const { X, y, classes } = blobs(300, 3, 1);
  const o = bagging.options({ base: 'logistic-regression', base_params: { C: 0.5 }, n_estimators: 4 });
  assert.equal(o.base_params.C, 0.5);
  assert.ok('maxIter' in o.base_params, 'base parameters are completed by the base spec');
  const state = await bagging.fit(X, y, classes, o, { seed: 5, threads: 1 });
  assert.equal(state.base, 'logistic-regression');
  assert.equal(state.members.length, 4);
  const test = blobs(150, 3, 2);
  const p = bagging.predictProba(state, test.X);
  assert.ok(accuracyOf(p, test.y, 3) > 0.9, `accuracy ${accuracyOf(p, test.y, 3)}`);
  // each member really saw a different sample: their own predictions differ somewhere
  const { getSpec } = await import('../registry.js');
  const lr = getSpec('logistic-regression');
  assert.equal(lr.kind, 'classifier');
  if (lr.kind === 'classifier') {
    const a = lr.predictProba(state.members[0].state, test.X);
    const b = lr.predictProba(state.members[1].state, test.X);
    assert.notDeepEqual(a, b);
  }
});

test('a bootstrap sample that misses a rare class: the member ignores it, probabilities stay whole', async () => {
  const { X, y, classes } = blobs(200, 3, 3, 1); // class 3 has exactly one row
  const state: BaggingState = await bagging.fit(X, y, classes, bagging.options({ n_estimators: 12 }), { seed: 9, threads: 1 });
  const widths = state.members.map((m) => m.classes.length);
  assert.ok(widths.includes(3), 'with one row in 201, some bootstrap samples miss the rare class');
  const p = bagging.predictProba(state, X);
  for (let r = 0; r < X.rows; r++) {
    let s = 0;
    for (let j = 0; j < classes; j++) s += p[r * classes + j];
    assert.ok(Math.abs(s - 1) < 1e-9, `row ${r} sums to ${s}`);
  }
});

test('max_features draws a column subset per member; importances map back to all columns', async () => {
  const { X, y, classes } = blobs(200, 3, 4);
  const state = await bagging.fit(X, y, classes, bagging.options({ n_estimators: 5, max_features: 0.5, max_samples: 0.5 }), { seed: 1, threads: 1 });
  for (const m of state.members) assert.equal(m.features?.length, 2);
  const imp = bagging.importances!(state)!;
  assert.equal(imp.length, X.cols);
  assert.ok(Math.abs(imp.reduce((s, v) => s + v, 0) - 1) < 1e-9);
});

test('bad bagging parameters are refused in scikit-learn words', () => {
  assert.throws(() => bagging.options({ base: 'isolation-forest' }), (e: unknown) => e instanceof UserError && /must be the name of a classifier/.test(e.message));
  assert.throws(() => bagging.options({ base: 'no-such-model' }), (e: unknown) => e instanceof UserError && /unknown model "no-such-model"/.test(e.message));
  assert.throws(() => bagging.options({ n_estimators: 0 }), (e: unknown) => e instanceof UserError && /'n_estimators' parameter of BaggingClassifier/.test(e.message));
  assert.throws(() => bagging.options({ max_samples: 1.5 }), (e: unknown) => e instanceof UserError && /'max_samples'/.test(e.message));
  assert.throws(() => bagging.options({ base_params: { no_such: 1 } }), (e: unknown) => e instanceof UserError && /no parameter "no_such"/.test(e.message));
});

test('max_samples as a count larger than the data is a clear error at fit time', async () => {
  const { X, y, classes } = blobs(30, 2, 5);
  await assert.rejects(
    bagging.fit(X, y, classes, bagging.options({ max_samples: 100 }), { seed: 1, threads: 1 }),
    (e: unknown) => e instanceof UserError && /100 rows per member, but there are only 30/.test(e.message),
  );
});
