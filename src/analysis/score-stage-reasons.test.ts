/**
 * Risky rows whose detector inputs repeat within a batch take their reasons from the first such row
 * (score-stage.ts sameReasons): every row's reasons must be those it gets scored alone, also where
 * two rows share a key but not their text (two categories the baseline never saw are one key).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { flowFields } from '../flows/flow-fields.js';
import { fitBaseline } from '../risk/baseline.js';
import { createScoreStage } from './score-stage.js';

test('repeated risky rows take the reasons they get alone, unseen categories told apart', { skip: skipWithoutShared('datasets', 'nsl-kdd', 'KDDTrain+_20Percent.txt') }, async () => {
  const all = await readDataset([sharedPath('datasets', 'nsl-kdd', 'KDDTrain+_20Percent.txt')!]);
  const label = all.columns.find((c) => c.role === 'label' && c.kind === 'categorical' && c.dictionary.includes('normal'));
  assert.ok(label && label.kind === 'categorical', 'a label column with "normal"');
  const normal: number[] = [];
  const attack: number[] = [];
  for (let r = 0; r < all.rowCount; r++) (label.dictionary[label.codes[r]] === 'normal' ? normal : attack).push(r);
  const baseline = await fitBaseline(takeTableRows(all, normal.slice(0, 600)), { seed: 3, threads: 1 });
  // 30 attack flows, each four times in a shuffled order
  const picks = Int32Array.from({ length: 120 }, (_, i) => attack[((i * 17) % 30) * 7]);
  const base = takeTableRows(all, picks);
  // a categorical input: rows 0 and 60 (the same flow) get categories the baseline never saw, two different ones
  const cat = base.columns.find((c) => c.kind === 'categorical' && c.role === 'feature' && baseline.detectors[0].model.pipeline.inputs.some((i) => i.name === c.name));
  assert.ok(cat && cat.kind === 'categorical', 'a categorical feature the detectors read');
  const dictionary = [...cat.dictionary, 'never-seen-one', 'never-seen-two'];
  const codes = cat.codes.slice();
  assert.equal(picks[0], picks[60], 'rows 0 and 60 are the same flow');
  codes[0] = dictionary.length - 2;
  codes[60] = dictionary.length - 1;
  const batch: FlowTable = { ...base, columns: base.columns.map((c) => (c === cat ? { ...cat, codes, dictionary } : c)) };
  const stage = createScoreStage({ baseline, flowThreshold: 0.9 });
  const got = stage.score(batch, flowFields(batch), new Float64Array(batch.rowCount), 0);
  const alone = createScoreStage({ baseline, flowThreshold: 0.9 });
  let risky = 0;
  for (let r = 0; r < batch.rowCount; r++) {
    const one = takeTableRows(batch, [r]);
    const want = alone.score(one, flowFields(one), new Float64Array(1), 0);
    assert.equal(got.risk[r], want.risk[0], `row ${r}: risk`);
    assert.deepEqual(got.reasons[r], want.reasons[0], `row ${r}: reasons`);
    if (want.reasons[0]) risky++;
  }
  assert.ok(risky >= 60, `most rows risky (${risky})`);
  assert.ok(got.reasons[0]?.some((t) => t.includes('"never-seen-one" never seen')), 'row 0 names its own category');
  assert.ok(got.reasons[60]?.some((t) => t.includes('"never-seen-two" never seen')), 'row 60 names its own category');
  assert.notEqual(got.reasons[1], got.reasons[31], 'each row its own array');
});
