import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertChartRenders } from './chart-fixtures.js';
import { trainingLossSpec } from './training-loss.js';

test('training loss: one line per series, steps from 1, final values in the subtitle', async () => {
  const train = Array.from({ length: 30 }, (_, i) => Math.exp(-i / 5) + 0.05);
  const val = Array.from({ length: 30 }, (_, i) => Math.exp(-i / 5) + 0.1 + 0.002 * i);
  val[4] = NaN;
  const spec = trainingLossSpec([
    { name: 'train', values: train },
    { name: 'validation', values: val },
  ]);
  const { rows, svg } = await assertChartRenders('training-loss', spec, 'Training loss');
  assert.equal(rows.filter((r) => r.series === 'train').length, 30);
  assert.equal(rows.filter((r) => r.series === 'validation').length, 29);
  assert.equal(rows[0].step, 1);
  assert.ok(!rows.some((r) => r.series === 'validation' && r.step === 5), 'the NaN step is left out');
  assert.ok(svg.includes(`final: train ${Number(train[29].toPrecision(4))}, validation ${Number(val[29].toPrecision(4))}`));
  assert.match(svg, /1 non-finite value left out/);
  assert.ok(svg.includes('>Epoch<') && svg.includes('>Loss<'));
});

test('training loss: per-batch series are cut to 2,000 points; log scale drops non-positive values', async () => {
  const long = Array.from({ length: 50_000 }, (_, i) => Math.exp(-i / 9000) + ((i * 7919) % 13) / 100);
  long[10] = 0;
  const spec = trainingLossSpec([{ name: 'batch', values: long }], { xTitle: 'Batch', logY: true });
  const { rows, svg } = await assertChartRenders('training-loss-long', spec, 'Training loss');
  assert.equal(rows.length, 2000);
  assert.equal(rows[1999].step, 50_000);
  assert.match(svg, /1 non-finite or non-positive value left out/);
  assert.throws(() => trainingLossSpec([]), /no series/);
});
