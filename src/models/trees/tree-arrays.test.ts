import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { TreeBuilder, addTreeOutputs, concatTrees, firstTrees, gainImportances, leafOf, type TreeArrays } from './tree-arrays.js';

/**
 *            x0 <= 1 (NaN right)
 *          /                    \
 *     [1, 0]              x1 <= 10 (NaN left)
 *                          /          \
 *                     [0, 1]        [0.5, 0.5]
 */
function handTree(): TreeArrays {
  const b = new TreeBuilder(2, 2);
  const root = b.addLeaf(10);
  const a = b.addLeaf(4);
  const c = b.addLeaf(6);
  b.split(root, 0, 1, 0, false, 3, a, c);
  const d = b.addLeaf(3);
  const e = b.addLeaf(3);
  b.split(c, 1, 10, 0, true, 1, d, e);
  b.value.set([1, 0], a * 2);
  b.value.set([0, 1], d * 2);
  b.value.set([0.5, 0.5], e * 2);
  return b.finish();
}

test('traversal: thresholds inclusive on the left, NaN by the node flag', () => {
  const t = handTree();
  assert.equal(t.feature.length, 5, 'the builder grew past its initial capacity and trimmed back');
  const X = matrix(5, 2, Float64Array.from([1, 0, 1.5, 10, 1.5, 11, NaN, 0, 2, NaN]));
  const leaves = [0, 1, 2, 3, 4].map((r) => leafOf(t, 0, X.data, r * 2));
  assert.deepEqual(leaves, [1, 3, 4, 3, 3]);
  const out = new Float64Array(10);
  addTreeOutputs(t, X, out, 2, 0.5);
  assert.deepEqual(Array.from(out), [0.5, 0, 0, 0.5, 0.25, 0.25, 0, 0.5, 0, 0.5]);
});

test('concatenated trees keep their own roots and children; firstTrees cuts cleanly', () => {
  const t = handTree();
  const f = concatTrees([t, t, t]);
  assert.deepEqual(Array.from(f.roots), [0, 5, 10]);
  assert.equal(f.left[5], 6);
  assert.equal(f.right[7], 9);
  const X = matrix(1, 2, Float64Array.from([2, 11]));
  const out = new Float64Array(2);
  addTreeOutputs(f, X, out, 2);
  assert.deepEqual(Array.from(out), [1.5, 1.5]);
  const two = firstTrees(f, 2);
  assert.equal(two.roots.length, 2);
  assert.equal(two.feature.length, 10);
});

test('one-value trees add to column tree % outputs (a boosting round)', () => {
  const b = new TreeBuilder(1);
  b.value[b.addLeaf(1)] = 2;
  const leaf = b.finish();
  const rounds = concatTrees([leaf, leaf, leaf, leaf, leaf, leaf]);
  const out = new Float64Array(3);
  addTreeOutputs(rounds, matrix(1, 1), out, 3);
  assert.deepEqual(Array.from(out), [4, 4, 4]);
});

test('gain importances sum to 1 and follow the gains', () => {
  const imp = gainImportances(handTree(), 3);
  assert.deepEqual(Array.from(imp), [0.75, 0.25, 0]);
  const b = new TreeBuilder(1);
  b.addLeaf(1);
  assert.deepEqual(Array.from(gainImportances(b.finish(), 2)), [0, 0], 'a stump with no split has no importances');
});
