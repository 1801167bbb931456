import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { fourierFeatures, makeFourierMap } from './random-fourier.js';

test('random Fourier features approximate the RBF kernel by their dot products', () => {
  const rng = new Rng(5);
  const X = matrix(30, 4);
  for (let i = 0; i < X.data.length; i++) X.data[i] = rng.next() < 0.5 ? 0 : rng.normal();
  const gamma = 0.3;
  const map = makeFourierMap(X, gamma, 6000, new Rng(9));
  const Z = fourierFeatures(map, X);
  let worst = 0;
  for (let a = 0; a < 30; a++) {
    for (let b = 0; b < 30; b++) {
      let dot = 0;
      for (let q = 0; q < 6000; q++) dot += Z.data[a * 6000 + q] * Z.data[b * 6000 + q];
      let d2 = 0;
      for (let j = 0; j < 4; j++) d2 += (X.data[a * 4 + j] - X.data[b * 4 + j]) ** 2;
      worst = Math.max(worst, Math.abs(dot - Math.exp(-gamma * d2)));
    }
  }
  // Monte Carlo error of D = 6,000 features: about 1/sqrt(D) ≈ 0.013 per entry
  assert.ok(worst < 0.06, `largest error ${worst}`);
});
