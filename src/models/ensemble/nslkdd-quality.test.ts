/**
 * Quality floors for the ensembles on NSL-KDD (train KDDTrain+_20Percent, test KDDTest+, target
 * family), through the same trainModel/evaluateModel path as `compare`. Figures measured when
 * these floors were set (seed 42): bagging of 10 trees macro-F1 0.547, normal-vs-attack AUC 0.895
 * (one tree alone: 0.570 / 0.819); soft vote of a tree and logistic regression macro-F1 0.567,
 * one-vs-rest AUC 0.912, binary AUC 0.911, above both members' AUCs (tree 0.735 / 0.819, logistic
 * regression 0.902 / 0.899). The floors sit a little below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNslKdd } from '../../testing/datasets.js';
import { skipWithoutShared } from '../../testing/shared-data.js';
import { trainModel } from '../trained-model.js';
import { evaluateModel } from '../../evaluate/evaluate-model.js';

const skip = skipWithoutShared('datasets', 'nsl-kdd');

test('bagging of decision trees on NSL-KDD', { skip }, async () => {
  const data = (await loadNslKdd())!;
  const m = await trainModel(data.train, { model: 'bagging', target: 'family', seed: 42, threads: 2 });
  const s = evaluateModel(m, data.test, { how: 'KDDTest+', target: 'family' }).summary;
  assert.ok(s.macroF1 >= 0.52, `macro-F1 ${s.macroF1.toFixed(4)} < 0.52`);
  assert.ok(s.binaryRocAuc! >= 0.87, `binary AUC ${s.binaryRocAuc!.toFixed(4)} < 0.87`);
});

test('soft vote of a tree and logistic regression on NSL-KDD', { skip }, async () => {
  const data = (await loadNslKdd())!;
  const m = await trainModel(data.train, {
    model: 'voting',
    params: { estimators: 'decision-tree+logistic-regression' },
    target: 'family',
    seed: 42,
    threads: 2,
  });
  const s = evaluateModel(m, data.test, { how: 'KDDTest+', target: 'family' }).summary;
  assert.ok(s.macroF1 >= 0.54, `macro-F1 ${s.macroF1.toFixed(4)} < 0.54`);
  assert.ok(s.rocAucOvr! >= 0.905, `one-vs-rest AUC ${s.rocAucOvr!.toFixed(4)} < 0.905`);
  assert.ok(s.binaryRocAuc! >= 0.9, `binary AUC ${s.binaryRocAuc!.toFixed(4)} < 0.90`);
});
