import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from './matrix.js';
import { fitPca, inverseTransformPca, symmetricEigen, transformPca } from './pca.js';
import { fixtureBlobs3d } from '../models/cluster/blobs.js';
import { loadNslKdd } from '../testing/datasets.js';
import { skipWithoutShared } from '../testing/shared-data.js';
import { fitTransform } from './pipeline.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test('explained variance agrees with scikit-learn PCA on a fixture, and the share rule picks as it does', () => {
  const X = fixtureBlobs3d();
  const p = fitPca(X, { nComponents: 3 });
  // scikit-learn 1.2.1: PCA().fit(X).explained_variance_ / explained_variance_ratio_
  [2.7404164268328413, 1.2346792826874917, 0.7000188822162299].forEach((v, i) => close(p.explainedVariance[i], v, 1e-12, 'variance'));
  [0.5861709639538308, 0.2640960469439258, 0.14973298910224342].forEach((v, i) => close(p.explainedVarianceRatio[i], v, 1e-12, 'ratio'));
  // |components| agree with sklearn's up to sign; our sign: largest |loading| positive
  const sk = [
    [0.27128627, -0.90595148, -0.32504719],
    [-0.96231282, -0.26193572, -0.07310075],
    [-0.01891574, 0.3326283, -0.94286829],
  ];
  for (let k = 0; k < 3; k++) {
    let big = 0;
    for (let j = 0; j < 3; j++) {
      close(Math.abs(p.components[k * 3 + j]), Math.abs(sk[k][j]), 1e-7, 'loading');
      if (Math.abs(p.components[k * 3 + j]) > Math.abs(big)) big = p.components[k * 3 + j];
    }
    assert.ok(big > 0, `component ${k} has a negative largest loading`);
  }
  // PCA(0.95) keeps 3, PCA(0.8) 2, PCA(0.5) 1
  assert.equal(fitPca(X).nComponents, 3);
  assert.equal(fitPca(X, { varianceShare: 0.8 }).nComponents, 2);
  assert.equal(fitPca(X, { varianceShare: 0.5 }).nComponents, 1);
});

test('all components reconstruct the input; the kept share is at least the asked share', () => {
  const rng = new Rng(4);
  const n = 400;
  const d = 12;
  // correlated columns: 4 latent factors plus a little noise
  const data = new Float64Array(n * d);
  const mix = Float64Array.from({ length: 4 * d }, () => rng.normal());
  for (let i = 0; i < n; i++) {
    const z = [rng.normal() * 3, rng.normal() * 2, rng.normal(), rng.normal() * 0.5];
    for (let j = 0; j < d; j++) {
      let v = 10 + 0.05 * rng.normal();
      for (let f = 0; f < 4; f++) v += z[f] * mix[f * d + j];
      data[i * d + j] = v;
    }
  }
  const X = matrix(n, d, data);
  const all = fitPca(X, { nComponents: d });
  const back = inverseTransformPca(all, transformPca(all, X));
  for (let i = 0; i < data.length; i++) close(back.data[i], data[i], 1e-9, `cell ${i}`);
  const p = fitPca(X); // 0.95 of the variance
  let kept = 0;
  for (const r of p.explainedVarianceRatio) kept += r;
  assert.ok(kept >= 0.95, `kept ${kept}`);
  assert.ok(p.nComponents <= 4, `${p.nComponents} components for 4 latent factors`);
  // the projection is centred and its variances are the explained variances
  const Y = transformPca(p, X);
  for (let c = 0; c < p.nComponents; c++) {
    let m = 0;
    let v = 0;
    for (let i = 0; i < n; i++) m += Y.data[i * p.nComponents + c];
    m /= n;
    for (let i = 0; i < n; i++) v += (Y.data[i * p.nComponents + c] - m) ** 2;
    close(m, 0, 1e-9, 'mean');
    close(v / (n - 1), p.explainedVariance[c], 1e-8 * p.explainedVariance[c], 'variance');
  }
});

test('the eigen-solver gives orthonormal vectors that diagonalise the matrix, repeated eigenvalues included', () => {
  const rng = new Rng(9);
  for (const d of [1, 2, 5, 30]) {
    const A = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) A[i * d + j] = A[j * d + i] = rng.normal();
    const { values, vectors } = symmetricEigen(A, d);
    for (let k = 0; k < d; k++) {
      if (k > 0) assert.ok(values[k - 1] >= values[k]);
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += A[i * d + j] * vectors[k * d + j];
        close(s, values[k] * vectors[k * d + i], 1e-12, 'Av = lv');
      }
      for (let l = 0; l < d; l++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += vectors[k * d + j] * vectors[l * d + j];
        close(s, k === l ? 1 : 0, 1e-12, 'orthonormal');
      }
    }
  }
  const { values } = symmetricEigen(new Float64Array([2, 0, 0, 0, 2, 0, 0, 0, 1]), 3);
  assert.deepEqual(Array.from(values), [2, 2, 1]);
});

test('deterministic, and bad options or input are refused', () => {
  const X = fixtureBlobs3d();
  assert.deepEqual(fitPca(X).components, fitPca(X).components);
  assert.throws(() => fitPca(X, { varianceShare: 1 }), (e: unknown) => e instanceof UserError && /'varianceShare' parameter of PCA/.test(e.message));
  assert.throws(() => fitPca(X, { nComponents: 4 }), (e: unknown) => e instanceof UserError && /at most min\(rows, columns\) = 3/.test(e.message));
  assert.throws(() => fitPca(matrix(1, 3, new Float64Array(3))), UserError);
  assert.throws(() => transformPca(fitPca(X), matrix(1, 2, new Float64Array(2))), (e: unknown) => e instanceof UserError && /fitted on 3 columns/.test(e.message));
});

test('NSL-KDD one-hot and scaled: 95 % of the variance in a fifth of the columns', { skip: skipWithoutShared('datasets', 'nsl-kdd') }, async () => {
  const { train } = (await loadNslKdd())!;
  const { X } = fitTransform(train, { scaling: 'standard', categorical: 'onehot' });
  const t0 = performance.now();
  const p = fitPca(X);
  const ms = performance.now() - t0;
  let kept = 0;
  for (const r of p.explainedVarianceRatio) kept += r;
  assert.ok(kept > 0.95);
  // measured: 118 columns -> 23 components; scikit-learn's PCA(0.95) on the same matrix keeps 23
  assert.ok(p.nComponents <= X.cols * 0.25, `${p.nComponents} of ${X.cols}`);
  assert.ok(ms < 5000, `fit took ${ms} ms`);
});
