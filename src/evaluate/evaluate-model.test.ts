/**
 * evaluateModel on the cases that used to fail with "Only one class present in y_true": a family
 * model against --target binary / attack, a test file with one class, labels the model never saw.
 * What can be evaluated is; what cannot is said in `notes`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNslKdd } from '../testing/datasets.js';
import { skipWithoutShared } from '../testing/shared-data.js';
import { getColumn, takeTableRows, type CategoricalColumn } from '../flows/table.js';
import { trainModel, type TrainedModel } from '../models/trained-model.js';
import { evaluateModel, formatEvaluation } from './evaluate-model.js';

const noKdd = skipWithoutShared('datasets', 'nsl-kdd');
let model: TrainedModel | undefined;
async function familyModel(): Promise<{ model: TrainedModel; data: NonNullable<Awaited<ReturnType<typeof loadNslKdd>>> }> {
  const data = (await loadNslKdd())!;
  model ??= await trainModel(data.train, { model: 'decision-tree', params: {}, seed: 1, threads: 1 });
  return { model, data };
}

test('a family model evaluated with --target binary and --target attack: compared as normal vs attack, with a note', { skip: noKdd }, async () => {
  const { model, data } = await familyModel();
  assert.equal(model.target, 'family');
  for (const target of ['binary', 'attack']) {
    const e = evaluateModel(model, data.test, { how: 'test', target });
    assert.deepEqual(e.classes, ['normal', 'attack']);
    assert.equal(e.summary.rows, data.test.rowCount);
    assert.ok(e.summary.accuracy > 0.7, `accuracy ${e.summary.accuracy}`);
    assert.ok(e.summary.binaryRocAuc! > 0.75, `ROC-AUC ${e.summary.binaryRocAuc}`);
    assert.equal(e.perClass.reduce((a, c) => a + c.support, 0), data.test.rowCount);
    assert.match(e.notes[0], new RegExp(`the model predicts "family" .* which "${target}" does not use: compared as normal vs attack`));
    assert.match(formatEvaluation(e), /note: the model predicts "family"/);
  }
  // the family target itself is unchanged: five classes plus no note about a comparison
  const own = evaluateModel(model, data.test, { how: 'test' });
  assert.ok(own.classes.includes('DoS'));
  assert.ok(own.notes.every((n) => !n.includes('compared as normal vs attack')));
});

test('a one-class test file: accuracy and the per-class report, and "ROC-AUC not defined: only one class present"', { skip: noKdd }, async () => {
  const { model, data } = await familyModel();
  const fam = getColumn(data.test, 'family') as CategoricalColumn;
  const normalCode = fam.dictionary.indexOf('Normal');
  const rows: number[] = [];
  for (let r = 0; r < data.test.rowCount && rows.length < 500; r++) if (fam.codes[r] === normalCode) rows.push(r);
  const normals = takeTableRows(data.test, rows);
  const e = evaluateModel(model, normals, { how: 'normal rows only' });
  assert.equal(e.summary.rows, 500);
  assert.ok(e.summary.accuracy > 0.8 && e.summary.accuracy <= 1);
  assert.equal(e.summary.rocAucOvr, undefined);
  assert.equal(e.summary.binaryRocAuc, undefined);
  assert.ok(e.notes.some((n) => /ROC-AUC \(one-vs-rest\) not defined: only one class the model knows is present \(Normal\)/.test(n)), e.notes.join('; '));
  assert.ok(e.notes.some((n) => /normal-vs-attack ROC-AUC not defined: only one class present \(normal rows only\)/.test(n)));
  const b = evaluateModel(model, normals, { how: 'normal rows only', target: 'binary' });
  assert.ok(b.notes.some((n) => n === 'ROC-AUC not defined: only one class present (normal rows only)'));
});

test('labels the model never saw and no normal class in common: evaluated (all wrong), ROC-AUC said to be undefined', { skip: noKdd }, async () => {
  const data = (await loadNslKdd())!;
  // a model of attack names trained on DoS rows only: the test's other attacks are unseen
  const fam = getColumn(data.train, 'family') as CategoricalColumn;
  const dos = fam.dictionary.indexOf('DoS');
  const rows: number[] = [];
  for (let r = 0; r < data.train.rowCount; r++) if (fam.codes[r] === dos) rows.push(r);
  const m = await trainModel(takeTableRows(data.train, rows), { model: 'decision-tree', params: {}, target: 'attack', seed: 1, threads: 1 });
  const tfam = getColumn(data.test, 'family') as CategoricalColumn;
  const probe = tfam.dictionary.indexOf('Probe');
  const probes: number[] = [];
  for (let r = 0; r < data.test.rowCount; r++) if (tfam.codes[r] === probe) probes.push(r);
  const e = evaluateModel(m, takeTableRows(data.test, probes), { how: 'probes' });
  assert.equal(e.summary.accuracy, 0);
  assert.ok(e.unseenClasses.length > 0);
  assert.ok(e.notes.some((n) => /ROC-AUC \(one-vs-rest\) not defined: no test row has a class the model knows/.test(n)), e.notes.join('; '));
});
