import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { assertChartRenders } from './chart-fixtures.js';
import { confusionMatrixSpec } from './confusion-matrix.js';

const names = ['normal', 'dos', 'probe', 'r2l', 'u2r'];
const counts = [
  [9000, 300, 20, 5, 1],
  [200, 7000, 100, 0, 0],
  [50, 60, 2000, 10, 0],
  [100, 0, 5, 800, 3],
  [10, 0, 0, 20, 40],
];

test('confusion matrix: one cell per pair, shares per true class, empty cells unlabelled', async () => {
  const spec = confusionMatrixSpec(counts, names);
  const { rows, svg } = await assertChartRenders('confusion-matrix', spec, 'Confusion matrix');
  assert.equal(rows.length, 25);
  const cell = (a: string, p: string) => rows.find((r) => r.actual === a && r.predicted === p) as Record<string, unknown>;
  assert.equal(cell('u2r', 'u2r').count, 40);
  assert.ok(Math.abs((cell('u2r', 'u2r').share as number) - 40 / 70) < 1e-12);
  assert.equal(cell('dos', 'r2l').label, '');
  assert.equal(cell('normal', 'normal').label, '9,000');
  // accuracy = trace / total = 18840 / 19724
  assert.match(svg, /19,724 rows, accuracy 95\.5%/);
  for (const n of names) assert.ok(svg.includes(`>${n}<`), `axis label ${n}`);
});

test('confusion matrix: a Matrix works like nested arrays; a wrong shape is a user error', () => {
  const flat = matrix(5, 5, Float64Array.from(counts.flat()));
  assert.deepEqual(confusionMatrixSpec(flat, names), confusionMatrixSpec(counts, names));
  assert.throws(() => confusionMatrixSpec(counts, names.slice(0, 4)), UserError);
  assert.throws(() => confusionMatrixSpec(matrix(2, 3), ['a', 'b']), /2x3/);
});

test('confusion matrix: many classes use compact counts so they fit small cells', () => {
  const k = 15;
  const m = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 8333 : 0)));
  const spec = confusionMatrixSpec(m, Array.from({ length: k }, (_, i) => `class ${i}`));
  const rows = (spec as unknown as { data: { values: { label: string }[] } }).data.values;
  assert.equal(rows[0].label, '8.3k');
});
