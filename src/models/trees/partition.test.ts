import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../features/matrix.js';
import { applyBins, fitBins } from './binning.js';
import { partitionRows } from './partition.js';

test('partition is stable on both sides and sends NaN by the flag', () => {
  const values = [5, NaN, 1, 7, 2, NaN, 9, 0];
  const M = matrix(8, 1, Float64Array.from(values));
  const bins = applyBins(fitBins(M), M);
  // codes: 0→0, 1→1, 2→2, 5→3, 7→4, 9→5; split at code <= 2 (x <= 2.x)
  const idx = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 99]);
  const mid = partitionRows(idx, 0, 8, bins, 0, 2, false, new Int32Array(8));
  assert.equal(mid, 3);
  assert.deepEqual(Array.from(idx), [2, 4, 7, 0, 1, 3, 5, 6, 99]);
  const idx2 = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
  const mid2 = partitionRows(idx2, 2, 8, bins, 0, 2, true, new Int32Array(8));
  assert.equal(mid2, 6);
  assert.deepEqual(Array.from(idx2), [0, 1, 2, 4, 5, 7, 3, 6]);
});
