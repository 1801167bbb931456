/**
 * The fused statistic's calibration cached in the baseline (made once by `baseline`, so analyze
 * need not score the reference rows each run) gives exactly the risks of calibrating again, and
 * is not used when the weights differ from the ones it was made for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve, join } from 'node:path';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline } from './baseline.js';
import { createFlowScorer } from './flow-scorer.js';

test('cached fused calibration: same risks as calibrating again; ignored for other weights', async () => {
  const sample = resolve('samples', 'loopback');
  const b = await fitBaseline(await readDataset([join(sample, 'normal.csv')]), { seed: 3, threads: 1 });
  assert.ok(b.fusedCalibration, 'the baseline carries it');
  const t = await readDataset([join(sample, 'traffic.csv')]);
  const stripped = { ...b, fusedCalibration: undefined };
  assert.deepEqual(createFlowScorer(b, undefined, { rules: 1 }).score(t).risk, createFlowScorer(stripped, undefined, { rules: 1 }).score(t).risk);
  // other weights: the cache must not be used (a wrong calibration would show as different risks)
  const heavy = { detectors: { autoencoder: 3 }, rules: 1 };
  assert.deepEqual(createFlowScorer(b, undefined, heavy).score(t).risk, createFlowScorer(stripped, undefined, heavy).score(t).risk);
  assert.notDeepEqual(createFlowScorer(b, undefined, heavy).score(t).risk, createFlowScorer(b, undefined, { rules: 1 }).score(t).risk);
});
