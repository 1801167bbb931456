import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { loadCicSample } from '../../testing/datasets.js';
import { skipWithoutShared } from '../../testing/shared-data.js';
import { UserError } from '../../util/errors.js';
import { blobs, fixtureBlobs2d } from './blobs.js';
import { distanceSumsByCluster } from './cluster-sums.js';
import { dbscan } from './dbscan.js';
import { seedPipelineMatrix } from './seed-pipeline-matrix.js';
import { distanceColumns, silhouetteSamples, silhouetteScore } from './silhouette.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('values worked out by hand (and by scikit-learn): a singleton scores 0, noise -1 is a cluster', async () => {
  const X = matrix(6, 1, new Float64Array([0, 1, 2, 10, 11, 30]));
  const labels = [0, 0, 0, 1, 1, -1];
  const s = await silhouetteSamples(X, labels);
  // row 0: a = (1 + 2) / 2, b = min((10 + 11) / 2, 30) = 10.5, s = 9 / 10.5
  const expected = [0.8571428571428571, 0.8947368421052632, 0.8235294117647058, 0.8888888888888888, 0.9, 0];
  expected.forEach((e, i) => close(s[i], e));
  close(await silhouetteScore(X, labels), 0.7273829999836191);
});

test('agrees with scikit-learn on the DBSCAN fixture (noise included as a cluster)', async () => {
  const X = fixtureBlobs2d();
  const labels = dbscan(X, { eps: 0.12, minSamples: 6 }).labels;
  // scikit-learn 1.2.1 silhouette_score / silhouette_samples on the same rows and labels
  close(await silhouetteScore(X, labels), -0.11901989279264447, 1e-12);
  const s = await silhouetteSamples(X, labels);
  [0.5173403187165405, 0.13850751618758533, 0.5554986805650257, 0.335710542628789, 0.3005351819865304].forEach((e, i) => close(s[i], e, 1e-12));
});

test('duplicate rows split across two clusters score -0.5, as scikit-learn scores them', async () => {
  const X = matrix(4, 2, new Float64Array([0, 0, 0, 0, 5, 5, 5, 5]));
  const s = await silhouetteSamples(X, [0, 1, 0, 1]);
  for (const v of s) close(v, -0.5);
});

test('the kernel sums match a direct double loop, padding rows and both thread counts included', async () => {
  // 3,203 rows: not a multiple of the 4-row panel, and enough for the worker path
  const X = blobs(3, 3203, [[0, 0, 0], [3, 0, 1], [0, 4, 0]], 0.7, 0.1, 6);
  const labels = new Int32Array(X.rows);
  for (let i = 0; i < X.rows; i++) labels[i] = (i * 7) % 5;
  const one = await distanceSumsByCluster(X, labels, 5, 1);
  const two = await distanceSumsByCluster(X, labels, 5, 2);
  for (const i of [0, 1, 2, 3, 1600, 3199, 3200, 3201, 3202]) {
    const direct = new Float64Array(5);
    for (let j = 0; j < X.rows; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += (X.data[i * 3 + k] - X.data[j * 3 + k]) ** 2;
      direct[labels[j]] += Math.sqrt(s);
    }
    for (let c = 0; c < 5; c++) {
      close(one[i * 5 + c], direct[c], 1e-9 * direct[c]);
      close(two[i * 5 + c], direct[c], 1e-9 * direct[c]);
    }
  }
});

test('constant and repeated columns are dropped or merged without changing a distance', async () => {
  const base = fixtureBlobs2d();
  const n = base.rows;
  // columns: a, const, b, a again, const, a again
  const wide = new Float64Array(n * 6);
  for (let i = 0; i < n; i++) {
    const a = base.data[i * 2];
    const b = base.data[i * 2 + 1];
    wide.set([a, 7, b, a, -1, a], i * 6);
  }
  const W = matrix(n, 6, wide);
  const D = distanceColumns(W);
  assert.equal(D.cols, 2);
  // the same pairwise distances as 3 a^2 + b^2
  for (const [i, j] of [[0, 1], [5, 77], [120, 299]]) {
    let want = 0;
    for (let k = 0; k < 6; k++) want += (wide[i * 6 + k] - wide[j * 6 + k]) ** 2;
    let got = 0;
    for (let k = 0; k < 2; k++) got += (D.data[i * 2 + k] - D.data[j * 2 + k]) ** 2;
    close(got, want, 1e-12 * want);
  }
  const labels = dbscan(base, { eps: 0.12, minSamples: 6 }).labels;
  close(await silhouetteScore(W, labels), await silhouetteScore(matrix(n, 2, Float64Array.from({ length: n * 2 }, (_, k) => (k % 2 === 0 ? Math.sqrt(3) * base.data[k] : base.data[k]))), labels), 1e-12);
});

test('a large offset on every column (raw byte counts) does not cost accuracy', async () => {
  const X = fixtureBlobs2d();
  const labels = dbscan(X, { eps: 0.12, minSamples: 6 }).labels;
  const shifted = matrix(X.rows, 2, X.data.map((v, i) => v + (i % 2 === 0 ? 1e8 : -3e7)));
  close(await silhouetteScore(shifted, labels), -0.11901989279264447, 1e-9);
});

test('sampleSize scores a seeded subset: the same seed gives the same value, another seed another', async () => {
  const X = blobs(4, 2000, [[0, 0], [4, 0], [0, 4]], 0.8, 0.05, 8);
  const labels = dbscan(X, { eps: 0.4, minSamples: 8 }).labels;
  const full = await silhouetteScore(X, labels);
  const a = await silhouetteScore(X, labels, { sampleSize: 500, seed: 1 });
  const b = await silhouetteScore(X, labels, { sampleSize: 500, seed: 1 });
  const c = await silhouetteScore(X, labels, { sampleSize: 500, seed: 2 });
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.ok(Math.abs(a - full) < 0.1, `sample ${a} far from full ${full}`);
  assert.equal(await silhouetteScore(X, labels, { sampleSize: 5000 }), full); // larger than n: all rows
});

test('fewer than 2 or more than n - 1 labels is refused as scikit-learn words it', async () => {
  const X = matrix(3, 1, new Float64Array([0, 1, 2]));
  await assert.rejects(silhouetteScore(X, [1, 1, 1]), (e: unknown) => e instanceof UserError && /Number of labels is 1. Valid values are 2 to n_samples - 1 \(inclusive\)/.test(e.message));
  await assert.rejects(silhouetteScore(X, [0, 1, 2]), (e: unknown) => e instanceof UserError && /Number of labels is 3/.test(e.message));
  await assert.rejects(silhouetteScore(X, [0, 1]), (e: unknown) => e instanceof UserError && /3 rows but 2 labels/.test(e.message));
});

test('exact silhouette of the seed pipeline\'s DBSCAN on the CIC-IDS2017 sample agrees with scikit-learn', { skip: skipWithoutShared('datasets', 'cicids2017-sample') }, async () => {
  const X = seedPipelineMatrix((await loadCicSample())!);
  const labels = dbscan(X, { eps: 0.3, minSamples: 10 }).labels;
  const s = await silhouetteScore(X, labels);
  // scikit-learn 1.2.1 silhouette_score on the float32 matrix: 0.10376077890396118. Its distances
  // are rounded to float32 before summing; ours stay float64 (measured difference 2e-9).
  close(s, 0.10376077890396118, 1e-7);
});
