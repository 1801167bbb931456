import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertChartRenders } from './chart-fixtures.js';
import { featureImportanceSpec } from './feature-importance.js';

test('feature importance: the top N by value, largest first, negatives flagged, NaN left out', async () => {
  const names = Array.from({ length: 40 }, (_, i) => `Feature ${i}`);
  const values = names.map((_, i) => (i === 7 ? NaN : i === 3 ? -0.5 : (i * 37) % 41));
  const spec = featureImportanceSpec(names, values, 10);
  const { rows, svg } = await assertChartRenders('feature-importance', spec, 'Feature importance');
  assert.equal(rows.length, 10);
  const shown = rows.map((r) => r.value as number);
  assert.deepEqual(shown, [...shown].sort((a, b) => b - a));
  assert.equal(shown[0], 40, 'the largest value (i = 10: 370 mod 41 = 40) comes first');
  assert.match(svg, /top 10 of 40 features/);
  assert.match(svg, /1 feature without a finite value left out/);
  const all = featureImportanceSpec(names.slice(0, 5), [0.1, -0.2, 0.3, 0, 0.05], 20);
  const rowsAll = (all as unknown as { data: { values: { feature: string; negative: boolean }[] } }).data.values;
  assert.deepEqual(rowsAll.map((r) => r.feature), ['Feature 2', 'Feature 0', 'Feature 4', 'Feature 3', 'Feature 1']);
  assert.deepEqual(rowsAll.map((r) => r.negative), [false, false, false, false, true]);
});

test('feature importance: counts in the notes have thousands separators (a wide one-hot model)', () => {
  const names = Array.from({ length: 2500 }, (_, i) => `f${i}`);
  const values = names.map((_, i) => (i < 1200 ? NaN : i));
  const text = JSON.stringify(featureImportanceSpec(names, values, 10));
  assert.match(text, /top 10 of 2,500 features/);
  assert.match(text, /1,200 features without a finite value left out/);
});

test('feature importance: bad input is a user error', () => {
  assert.throws(() => featureImportanceSpec(['a'], [1, 2]), /1 names but 2 values/);
  assert.throws(() => featureImportanceSpec(['a'], [1], 0), /'top' parameter/);
});
