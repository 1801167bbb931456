import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../features/matrix.js';
import { Rng } from '../../util/rng.js';
import { applyBins, fitBins } from './binning.js';
import { GradientCriterion, ImpurityCriterion } from './criteria.js';
import { GrowWorkspace, growTree } from './learner.js';
import { leafOf, leafOfBinned, type TreeArrays } from './tree-arrays.js';

function noisy(n: number, seed: number): { X: Matrix; y: Int32Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * 3);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const a = rng.normal();
    const b = rng.next() < 0.05 ? NaN : rng.normal();
    data[r * 3] = a;
    data[r * 3 + 1] = b;
    data[r * 3 + 2] = rng.int(5);
    y[r] = (a > 0.3 ? 1 : 0) + (b > 0 ? 1 : 0);
  }
  return { X: matrix(n, 3, data), y };
}

function depthOf(t: TreeArrays, node = 0): number {
  return t.feature[node] < 0 ? 0 : 1 + Math.max(depthOf(t, t.left[node]), depthOf(t, t.right[node]));
}

const all = Int32Array.from([0, 1, 2]);

test('raw thresholds and bin codes send every training row to the same leaf', () => {
  const { X, y } = noisy(800, 1);
  const bins = applyBins(fitBins(X, { maxBins: 40 }), X);
  const idx = Int32Array.from({ length: 800 }, (_, i) => i);
  const crit = new ImpurityCriterion(y, new Float64Array(800).fill(1), 3, 'gini', 1);
  const t = growTree(bins, idx, 800, all, crit, { maxDepth: Infinity, maxLeaves: Infinity, minSamplesSplit: 2, featuresPerNode: 3 }, new Rng(1), new GrowWorkspace(bins, 4));
  assert.ok(t.feature.length > 20);
  for (let r = 0; r < 800; r++) assert.equal(leafOfBinned(t, 0, bins, r), leafOf(t, 0, X.data, r * 3), `row ${r}`);
  // grown to purity: a row's leaf gives its class probability 1, unless rows of two classes share
  // every bin code (40 bins cannot tell some neighbours apart)
  let pure = 0;
  for (let r = 0; r < 800; r++) if (t.value[leafOf(t, 0, X.data, r * 3) * 3 + y[r]] === 1) pure++;
  assert.ok(pure >= 790, `${pure} of 800 rows in pure leaves`);
});

test('max_depth and max_leaves limit the tree; best-first keeps the biggest gains', () => {
  const { X, y } = noisy(1000, 2);
  const bins = applyBins(fitBins(X), X);
  const ws = new GrowWorkspace(bins, 4);
  const grow = (maxDepth: number, maxLeaves: number): TreeArrays => {
    const idx = Int32Array.from({ length: 1000 }, (_, i) => i);
    const crit = new ImpurityCriterion(y, new Float64Array(1000).fill(1), 3, 'gini', 1);
    return growTree(bins, idx, 1000, all, crit, { maxDepth, maxLeaves, minSamplesSplit: 2, featuresPerNode: 3 }, new Rng(1), ws);
  };
  assert.equal(depthOf(grow(3, Infinity)), 3);
  const t = grow(Infinity, 5);
  assert.equal(t.feature.filter((f) => f < 0).length, 5);
  // each split made gains at least as much as any split that was left unmade... the four made
  // splits are the four largest gains of the unlimited tree's top levels, so their sum beats any
  // other choice of four; check the weaker, exact property: gains are what the full tree starts with
  const full = grow(Infinity, Infinity);
  assert.equal(t.gain[0], full.gain[0]);
  assert.equal(t.feature[0], full.feature[0]);
});

test('per-node feature draws are seeded: same seed, same tree; another seed, another tree', () => {
  const { X, y } = noisy(600, 3);
  const bins = applyBins(fitBins(X), X);
  const grow = (seed: number): TreeArrays => {
    const idx = Int32Array.from({ length: 600 }, (_, i) => i);
    const crit = new ImpurityCriterion(y, new Float64Array(600).fill(1), 3, 'gini', 1);
    return growTree(bins, idx, 600, all, crit, { maxDepth: Infinity, maxLeaves: Infinity, minSamplesSplit: 2, featuresPerNode: 1 }, new Rng(seed), new GrowWorkspace(bins, 4));
  };
  assert.deepEqual(grow(5), grow(5));
  assert.notDeepEqual(grow(5).feature, grow(6).feature);
});

test('gradient trees: Newton leaf values and min_child_weight', () => {
  const n = 400;
  const data = Float64Array.from({ length: n }, (_, i) => i);
  const X = matrix(n, 1, data);
  const bins = applyBins(fitBins(X), X);
  const g = Float64Array.from({ length: n }, (_, i) => (i < 100 ? -2 : 1));
  const h = new Float64Array(n).fill(1);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const params = { lambda: 1, minChildWeight: 1, minGain: 0, learningRate: 0.5 };
  const t = growTree(bins, idx, n, Int32Array.of(0), new GradientCriterion(g, h, params), { maxDepth: 1, maxLeaves: Infinity, minSamplesSplit: 2, featuresPerNode: 1 }, new Rng(1), new GrowWorkspace(bins, 2));
  assert.equal(t.feature[0], 0);
  assert.equal(t.threshold[0], 99.5);
  assert.equal(t.value[t.left[0]], (-0.5 * -200) / (100 + 1));
  assert.equal(t.value[t.right[0]], (-0.5 * 300) / (300 + 1));
  const idx2 = Int32Array.from({ length: n }, (_, i) => i);
  const stump = growTree(bins, idx2, n, Int32Array.of(0), new GradientCriterion(g, h, { ...params, minChildWeight: 201 }), { maxDepth: 1, maxLeaves: Infinity, minSamplesSplit: 2, featuresPerNode: 1 }, new Rng(1), new GrowWorkspace(bins, 2));
  assert.equal(stump.feature.length, 1, 'no split leaves 201 rows of hessian on each side of 400');
});
