import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossValidate, foldsFrom, groupedStratifiedFoldOf, meanStd, stratifiedFoldOf, stratifiedKFold } from './cross-validation.js';
import type { ClassifierSpec } from '../models/estimator.js';
import { matrix, type Matrix } from '../features/matrix.js';
import { Rng } from '../util/rng.js';

function labels(n: number, k: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  // skewed classes: class c has weight 2^-c
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = 0;
    while (c < k - 1 && rng.next() < 0.5) c++;
    y[i] = c;
  }
  return y;
}

test('k-fold: every row is in exactly one test fold and never in its own training part', () => {
  const y = labels(503, 4, 1);
  const folds = stratifiedKFold(y, 5, 9);
  assert.equal(folds.length, 5);
  const times = new Int32Array(y.length);
  for (const f of folds) {
    assert.equal(f.train.length + f.test.length, y.length);
    const inTest = new Set(f.test);
    for (const r of f.train) assert.ok(!inTest.has(r));
    for (const r of f.test) times[r]++;
  }
  assert.ok(times.every((t) => t === 1));
  // fold sizes differ by at most one
  const sizes = folds.map((f) => f.test.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, String(sizes));
});

test('k-fold: each class is spread evenly over the folds, repeatably', () => {
  const y = labels(503, 4, 1);
  const k = 5;
  const fold = stratifiedFoldOf(y, k, 9);
  for (let c = 0; c < 4; c++) {
    const per = new Array(k).fill(0);
    for (let i = 0; i < y.length; i++) if (y[i] === c) per[fold[i]]++;
    assert.ok(Math.max(...per) - Math.min(...per) <= 1, `class ${c}: ${per}`);
  }
  assert.deepEqual(stratifiedFoldOf(y, k, 9), fold);
  assert.notDeepEqual(stratifiedFoldOf(y, k, 10), fold);
});

test('k-fold refuses k < 2 and k > n', () => {
  assert.throws(() => stratifiedKFold(new Int32Array(10), 1, 0), /The 'n_splits' parameter of StratifiedKFold must be an int in the range \[2, inf\)/);
  assert.throws(() => stratifiedKFold(new Int32Array(3), 4, 0), /greater than the number of samples/);
});

test('meanStd is the population standard deviation and skips NaN', () => {
  const m = meanStd([1, 2, 3, 4, NaN]);
  assert.equal(m.mean, 2.5);
  assert.equal(m.std, Math.sqrt(1.25));
});

/** Nearest class mean, enough to exercise crossValidate. */
interface CentroidState {
  k: number;
  cols: number;
  means: Float64Array;
}
const nearestCentroid: ClassifierSpec<{ temperature: number }, CentroidState> = {
  kind: 'classifier',
  name: 'test-nearest-centroid',
  title: 'Nearest centroid',
  description: 'test helper',
  defaults: { temperature: 1 },
  input: { scaling: 'standard', categorical: 'onehot' },
  options: (o) => ({ temperature: 1, ...o }),
  async fit(X, y, k) {
    const means = new Float64Array(k * X.cols);
    const n = new Float64Array(k);
    for (let r = 0; r < X.rows; r++) {
      n[y[r]]++;
      for (let c = 0; c < X.cols; c++) means[y[r] * X.cols + c] += X.data[r * X.cols + c];
    }
    for (let j = 0; j < k; j++) for (let c = 0; c < X.cols; c++) means[j * X.cols + c] /= Math.max(1, n[j]);
    return { k, cols: X.cols, means };
  },
  predictProba(s, X) {
    const out = new Float64Array(X.rows * s.k);
    for (let r = 0; r < X.rows; r++) {
      let z = 0;
      for (let j = 0; j < s.k; j++) {
        let d = 0;
        for (let c = 0; c < s.cols; c++) d += (X.data[r * s.cols + c] - s.means[j * s.cols + c]) ** 2;
        out[r * s.k + j] = Math.exp(-d);
        z += out[r * s.k + j];
      }
      for (let j = 0; j < s.k; j++) out[r * s.k + j] /= z;
    }
    return out;
  },
};

function blobs(y: Int32Array, spread: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const X = matrix(y.length, 2);
  for (let i = 0; i < y.length; i++) {
    X.data[2 * i] = y[i] * 4 + spread * rng.normal();
    X.data[2 * i + 1] = (y[i] % 2) * 4 + spread * rng.normal();
  }
  return X;
}

test('crossValidate: separable classes score 1 in every fold', async () => {
  const y = labels(300, 3, 2);
  const X = blobs(y, 0.1, 3);
  const r = await crossValidate(nearestCentroid, { temperature: 1 }, X, y, 3, 5, { seed: 1, threads: 1 });
  assert.equal(r.folds.length, 5);
  assert.equal(r.accuracy.mean, 1);
  assert.equal(r.accuracy.std, 0);
  assert.equal(r.macroF1.mean, 1);
  assert.equal(r.rocAuc.mean, 1);
  assert.equal(r.folds.reduce((s, f) => s + f.testRows, 0), 300);
});

test('crossValidate: overlapping classes score below 1 with some spread, the same under a seed', async () => {
  const y = labels(400, 2, 4);
  const X = blobs(y, 3, 5);
  const progress: number[] = [];
  const ctx = { seed: 3, threads: 1, progress: (d: number, t: number) => progress.push(d / t) };
  const a = await crossValidate(nearestCentroid, { temperature: 1 }, X, y, 2, 4, ctx);
  const b = await crossValidate(nearestCentroid, { temperature: 1 }, X, y, 2, 4, { seed: 3, threads: 1 });
  assert.ok(a.accuracy.mean > 0.55 && a.accuracy.mean < 0.95, String(a.accuracy.mean));
  assert.ok(a.accuracy.std > 0);
  assert.ok(a.rocAuc.mean > 0.6 && a.rocAuc.mean < 1);
  assert.deepEqual(a.folds.map((f) => f.accuracy), b.folds.map((f) => f.accuracy));
});

test('grouped folds: a group never splits, a one-group class is spread row by row, classes balanced, seeded', () => {
  // class 0: one group of 100 rows; class 1: groups of 30, 20, 20, 10, 10, 5, 5
  const y: number[] = [];
  const g: number[] = [];
  for (let i = 0; i < 100; i++) (y.push(0), g.push(0));
  [30, 20, 20, 10, 10, 5, 5].forEach((n, j) => {
    for (let i = 0; i < n; i++) (y.push(1), g.push(j + 1));
  });
  const k = 4;
  const fold = groupedStratifiedFoldOf(y, g, k, 9);
  const foldOfGroup = new Map<number, number>();
  for (let i = 0; i < y.length; i++) {
    if (g[i] === 0) continue;
    if (foldOfGroup.has(g[i])) assert.equal(fold[i], foldOfGroup.get(g[i]), `group ${g[i]} split`);
    else foldOfGroup.set(g[i], fold[i]);
  }
  const normals = new Int32Array(k);
  const attacks = new Int32Array(k);
  for (let i = 0; i < y.length; i++) (y[i] === 0 ? normals : attacks)[fold[i]]++;
  assert.deepEqual(Array.from(normals), [25, 25, 25, 25]);
  // largest first into the fold with fewest: 30 | 20+5 | 20+5 | 10+10
  assert.deepEqual(Array.from(attacks).sort(), [20, 25, 25, 30]);
  assert.deepEqual(groupedStratifiedFoldOf(y, g, k, 9), fold);
  const folds = foldsFrom(fold, k);
  assert.equal(folds.reduce((s, f) => s + f.test.length, 0), y.length);
  for (const f of folds) assert.equal(f.train.length + f.test.length, y.length);
});
