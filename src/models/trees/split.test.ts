import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { applyBins, binThreshold, fitBins } from './binning.js';
import { HistScratch, buildClassHist, buildGradHist, histLength } from './histogram.js';
import { SplitInfo, findClassSplit, findGradSplit } from './split.js';

/** Feature 0 is noise, feature 1 separates: x1 <= 4 is class 0, x1 >= 5 is class 1 (NaN too). */
function toy(): { X: Float64Array; y: Int32Array } {
  const x1 = [1, 2, 3, 4, 5, 6, 7, 8, NaN, NaN];
  const x0 = [5, 1, 4, 2, 3, 5, 1, 4, 2, 3];
  const X = new Float64Array(20);
  for (let i = 0; i < 10; i++) {
    X[i * 2] = x0[i];
    X[i * 2 + 1] = x1[i];
  }
  return { X, y: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]) };
}

const feats = Int32Array.from([0, 1]);
const rows = Int32Array.from({ length: 10 }, (_, i) => i);

test('impurity split on a toy set: the separating feature, its threshold, NaN with its class', () => {
  const { X, y } = toy();
  const M = matrix(10, 2, X);
  const mapper = fitBins(M);
  const bins = applyBins(mapper, M);
  const k = 2;
  const scratch = new HistScratch(10, 2, k + 1);
  const hist = new Float64Array(histLength(bins, k + 1));
  const w = new Float64Array(10).fill(1);
  buildClassHist(hist, bins, feats, 2, rows, 0, 10, y, w, k, scratch, true, false);
  const total = Float64Array.from([4, 6, 10]);
  const out = new SplitInfo(k + 1);
  findClassSplit(hist, bins, feats, 2, k, total, 'gini', 1, true, scratch.lo, scratch.hi, out, new Float64Array(3), new Float64Array(3));
  assert.equal(out.feature, 1);
  assert.equal(binThreshold(mapper, 1, out.bin), 4.5);
  assert.equal(out.nanLeft, false);
  assert.deepEqual(Array.from(out.left), [4, 0, 4]);
  // Gini decrease of a perfect split: W·gini(parent) = 10·(1 − 0.16 − 0.36) = 4.8
  assert.ok(Math.abs(out.gain - 4.8) < 1e-12, `gain ${out.gain}`);

  // entropy: 10·H(0.4, 0.6) nats
  findClassSplit(hist, bins, feats, 2, k, total, 'entropy', 1, true, scratch.lo, scratch.hi, out, new Float64Array(3), new Float64Array(3));
  const H = -(0.4 * Math.log(0.4) + 0.6 * Math.log(0.6));
  assert.equal(out.feature, 1);
  assert.ok(Math.abs(out.gain - 10 * H) < 1e-9);

  // min_samples_leaf 5 forbids the 4-row left side; the best split left is worse
  findClassSplit(hist, bins, feats, 2, k, total, 'gini', 5, true, scratch.lo, scratch.hi, out, new Float64Array(3), new Float64Array(3));
  const feature: number = out.feature;
  assert.ok(feature === -1 || out.gain < 4.8);
  if (feature >= 0) assert.ok(out.left[2] >= 5 && 10 - out.left[2] >= 5);
});

test('NaN rows go to the side whose class they share', () => {
  // now NaN rows are class 0, with the low values
  const { X } = toy();
  const y = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0, 0]);
  const M = matrix(10, 2, X);
  const bins = applyBins(fitBins(M), M);
  const scratch = new HistScratch(10, 2, 3);
  const hist = new Float64Array(histLength(bins, 3));
  buildClassHist(hist, bins, feats, 2, rows, 0, 10, y, new Float64Array(10).fill(1), 2, scratch, false, false);
  const out = new SplitInfo(3);
  findClassSplit(hist, bins, feats, 2, 2, Float64Array.from([6, 4, 10]), 'gini', 1, false, scratch.lo, scratch.hi, out, new Float64Array(3), new Float64Array(3));
  assert.equal(out.feature, 1);
  assert.equal(out.nanLeft, true);
  assert.deepEqual(Array.from(out.left.subarray(0, 2)), [6, 0]);
});

test('gradient split: structure-score gain, min_child_weight respected', () => {
  const { X } = toy();
  const M = matrix(10, 2, X);
  const bins = applyBins(fitBins(M), M);
  // gradients push the two groups apart
  const g = Float64Array.from([-1, -1, -1, -1, 1, 1, 1, 1, 1, 1]);
  const h = new Float64Array(10).fill(1);
  const scratch = new HistScratch(10, 2, 2);
  const hist = new Float64Array(histLength(bins, 2));
  buildGradHist(hist, bins, feats, 2, rows, 0, 10, g, h, scratch);
  const out = new SplitInfo(2);
  const lambda = 1;
  findGradSplit(hist, bins, feats, 2, 2, 10, { lambda, minChildWeight: 1, minGain: 0 }, out);
  assert.equal(out.feature, 1);
  assert.equal(out.nanLeft, false);
  const want = 16 / (4 + lambda) + 36 / (6 + lambda) - 4 / (10 + lambda);
  assert.ok(Math.abs(out.gain - want) < 1e-12);
  assert.deepEqual(Array.from(out.left), [-4, 4]);
  findGradSplit(hist, bins, feats, 2, 2, 10, { lambda, minChildWeight: 6, minGain: 0 }, out);
  assert.equal(out.feature, -1, 'two sides of hessian >= 6 cannot come out of a total of 10');
});
