/**
 * The imputation warnings: a line per column, at most 20 then one sum; columns with no value in any
 * row share one line when there are several (a file in another format's names lacks dozens).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellCountWarnings } from './cell-warnings.js';

const col = (column: string, missing: number, infinite = 0, negative = 0) => ({ column, missing, infinite, negative });

test('columns with no value in any row share one line, the first 8 named; the others keep a line each', () => {
  const empty = Array.from({ length: 11 }, (_, i) => col(`gone ${i}`, 600));
  const lines = cellCountWarnings([col('Flow Bytes/s', 80, 40), ...empty, col('Flow Packets/s', 0, 80)], 600);
  assert.deepEqual(lines, [
    '11 columns hold no value in any of the 600 rows (absent from the input, or empty), every cell imputed with the training median: "gone 0", "gone 1", "gone 2", "gone 3", "gone 4", "gone 5", "gone 6", "gone 7" and 3 more',
    'column "Flow Bytes/s": 80 missing (empty or NaN) imputed with the training median; 40 infinite imputed with the training maximum/minimum (of 600 rows)',
    'column "Flow Packets/s": 80 infinite imputed with the training maximum/minimum (of 600 rows)',
  ]);
});

test('one column with no value keeps its own line; a column also holding infinities is not "no value"', () => {
  assert.deepEqual(cellCountWarnings([col('a', 5)], 5), ['column "a": 5 missing (empty or NaN) imputed with the training median (of 5 rows)']);
  const lines = cellCountWarnings([col('a', 5), col('b', 4, 1)], 5);
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^column "a": 5 missing/);
  assert.match(lines[1], /^column "b": 4 missing .*; 1 infinite/);
});

test('over 20 columns with some cells missing: 20 named, the rest summed', () => {
  const lines = cellCountWarnings(Array.from({ length: 25 }, (_, i) => col(`c${i}`, 1)), 10);
  assert.equal(lines.length, 21);
  assert.equal(lines[20], '5 more columns: 5 missing, 0 infinite, 0 negative cells');
});
