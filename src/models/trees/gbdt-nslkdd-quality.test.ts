/**
 * Quality floor for gradient boosting (defaults) on NSL-KDD, train KDDTrain+_20Percent, test
 * KDDTest+, five families, through the real pipeline (one-hot, no scaling). Peers on the same
 * split: XGBoost hist(200) 0.770 / 0.525, scikit-learn GradientBoosting(100) 0.760 / 0.608
 * (accuracy / macro-F1). Measured with seed 42: 0.7710 / 0.5829; floors a little below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNslKdd } from '../../testing/datasets.js';
import { skipWithoutShared } from '../../testing/shared-data.js';
import { encodeTarget, fitPipeline, targetColumn, transformTable } from '../../features/pipeline.js';
import { accuracy, macroF1 } from '../../evaluate/metrics.js';
import { argmaxRows } from '../estimator.js';
import { gradientBoosting } from './gbdt.js';

const GB_ACC = 0.76;
const GB_F1 = 0.56;

test('gradient boosting (defaults) on NSL-KDD: accuracy and macro-F1 on KDDTest+', { skip: skipWithoutShared('datasets', 'nsl-kdd') }, async () => {
  const data = (await loadNslKdd())!;
  const ytr = encodeTarget(targetColumn(data.train, 'family'));
  const yte = encodeTarget(targetColumn(data.test, 'family'), ytr.classes);
  const pipeline = fitPipeline(data.train, gradientBoosting.input);
  const k = ytr.classes.length;
  const state = await gradientBoosting.fit(transformTable(pipeline, data.train), ytr.y, k, gradientBoosting.options({}), { seed: 42, threads: 2 });
  const pred = argmaxRows(gradientBoosting.predictProba(state, transformTable(pipeline, data.test)), k);
  const acc = accuracy(yte.y, pred);
  const f1 = macroF1(yte.y, pred, k);
  assert.ok(acc >= GB_ACC, `gradient boosting accuracy ${acc.toFixed(4)} < ${GB_ACC}`);
  assert.ok(f1 >= GB_F1, `gradient boosting macro-F1 ${f1.toFixed(4)} < ${GB_F1}`);
});
