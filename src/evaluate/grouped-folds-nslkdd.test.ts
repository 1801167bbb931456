/**
 * Grouped folds on real data: NSL-KDD's training file with `--cv-group attack` (search, train --cv,
 * compare --cv). Each held-out fold
 * holds attack names its model never saw, so the score is far below the plain stratified one
 * (measured with a decision tree, 3 folds: plain macro-F1 ≈ 0.85, grouped ≈ 0.3), and every
 * attack name sits in exactly one fold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../models/all.js';
import { loadNslKdd } from '../testing/datasets.js';
import { skipWithoutShared } from '../testing/shared-data.js';
import { getColumn, type CategoricalColumn } from '../flows/table.js';
import { encodeTarget, targetColumn } from '../features/pipeline.js';
import { groupedStratifiedFoldOf } from './cross-validation.js';
import { searchParams } from './search.js';
import { crossValidateModel } from './cross-validate-model.js';
import { runLeaderboard } from './leaderboard.js';

const skip = skipWithoutShared('datasets', 'nsl-kdd');

test('NSL-KDD grouped by attack name: unseen attacks score far lower, and no attack name spans two folds', { skip }, async () => {
  const { train } = (await loadNslKdd())!;
  const base = { train: { model: 'decision-tree', seed: 42, threads: 1 }, grid: [{ name: 'max_depth', values: [null] }], k: 3 };
  const plain = await searchParams(train, base);
  const grouped = await searchParams(train, { ...base, group: 'attack' });
  assert.ok(plain.best.mean > 0.75, `plain macro-F1 ${plain.best.mean}`);
  assert.ok(grouped.best.mean < plain.best.mean - 0.3, `grouped ${grouped.best.mean} vs plain ${plain.best.mean}`);

  const attack = getColumn(train, 'attack') as CategoricalColumn;
  const { y } = encodeTarget(targetColumn(train));
  const fold = groupedStratifiedFoldOf(y, attack.codes, 3, 42);
  const foldOf = new Map<number, Set<number>>();
  for (let i = 0; i < fold.length; i++) {
    const set = foldOf.get(attack.codes[i]) ?? new Set<number>();
    set.add(fold[i]);
    foldOf.set(attack.codes[i], set);
  }
  const normal = attack.dictionary.indexOf('normal');
  for (const [code, folds] of foldOf) {
    if (code === normal) assert.equal(folds.size, 3, 'normal rows are spread over every fold');
    else assert.equal(folds.size, 1, `attack "${attack.dictionary[code]}" split across folds`);
  }
});

test('train --cv, compare --cv and search agree on the grouped figure: same folds, same pooled predictions', { skip }, async () => {
  const { train } = (await loadNslKdd())!;
  const recipe = { model: 'decision-tree', seed: 42, threads: 1 };
  const cv = await crossValidateModel(train, recipe, 3, undefined, 'attack');
  const lb = await runLeaderboard(train, { entries: [{ model: 'decision-tree', params: {} }], train: { seed: 42, threads: 1 }, cv: 3, cvGroup: 'attack' });
  const s = await searchParams(train, { train: recipe, grid: [{ name: 'max_depth', values: [null] }], k: 3, group: 'attack' });
  assert.equal(cv.summary.group, 'attack');
  assert.equal(lb.group, 'attack');
  assert.ok(cv.summary.macroF1.mean < 0.5, `grouped macro-F1 ${cv.summary.macroF1.mean}`);
  assert.equal(lb.rows[0].macroF1, cv.summary.macroF1.mean);
  assert.equal(lb.rows[0].accuracy, cv.summary.accuracy.mean);
  assert.equal(s.best.mean, cv.summary.macroF1.mean);
});
