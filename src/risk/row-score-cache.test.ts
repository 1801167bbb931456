import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { predictTable } from '../models/trained-model.js';
import { fitBaseline } from './baseline.js';
import { createFlowScorer } from './flow-scorer.js';
import { RowScoreCache } from './row-score-cache.js';

test(
  'repeated flows take their scores from the row cache: the same bits as scoring every row, -0 and +0 kept apart, hits counted',
  { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') },
  async () => {
    const dir = sharedPath('datasets', 'cicids2017-sample')!;
    const benign = await readDataset([`${dir}/BENIGN_2500.csv`]);
    const attacks = await readDataset([`${dir}/Portscan_2500.csv`]);
    const b = await fitBaseline(takeTableRows(benign, Int32Array.from({ length: 800 }, (_, i) => i * 3)), { seed: 42, threads: 1 });
    // 40 distinct flows, repeated in a shuffled order over batches of 50: like a capture's floods
    const pick = Int32Array.from({ length: 600 }, (_, i) => ((i * 7919) % 40) * 11);
    const t = takeTableRows(attacks, pick);
    // one repeat of row 0 with a numeric feature −0 where row 0 has +0: a different key, scored on its own
    const zeroCol = t.columns.find((c) => c.kind === 'numeric' && c.role === 'feature' && c.values[0] === 0 && !Object.is(c.values[0], -0));
    assert.ok(zeroCol && zeroCol.kind === 'numeric', 'a feature column that is 0 in row 0');
    const withNegZero = takeTableRows(t, Int32Array.from({ length: 50 }, (_, i) => i));
    const z = withNegZero.columns.find((c) => c.name === zeroCol.name)!;
    if (z.kind === 'numeric') z.values[7] = -0;
    const scorer = createFlowScorer(b, undefined, {});
    const batches: FlowTable[] = [];
    for (let s = 0; s < t.rowCount; s += 50) batches.push(takeTableRows(t, Int32Array.from({ length: 50 }, (_, i) => s + i)));
    batches.push(withNegZero);
    for (const batch of batches) {
      const got = scorer.score(batch);
      for (const d of b.detectors) {
        const name = d.model.estimator.name;
        assert.deepEqual(got.raw.get(name), predictTable(d.model, batch).score!, `${name}: raw scores of a batch with repeats`);
      }
    }
    // the cache itself: the first batch (40 distinct rows, 10 repeats of them: too few hits) is
    // scored whole, every later row is a hit
    const cache = RowScoreCache.for(b.detectors.map((d) => d.model.pipeline))!;
    assert.ok(cache, 'one key serves the baseline pipelines');
    let scoredRows = 0;
    const score = (x: FlowTable): Float64Array[] => {
      scoredRows += x.rowCount;
      return b.detectors.map((d) => predictTable(d.model, x).score!);
    };
    for (const batch of batches.slice(0, -1)) cache.scoresOf(batch, score);
    assert.equal(scoredRows, 50, 'only the first batch scored');
    const last = cache.scoresOf(withNegZero, score);
    assert.equal(scoredRows, 51, 'the −0 row is not the +0 row, and it alone is scored');
    for (let j = 0; j < b.detectors.length; j++) assert.deepEqual(last[j], predictTable(b.detectors[j].model, withNegZero).score!);
  },
);

test('no row cache when the pipelines would key the same flow differently', { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') }, async () => {
  const dir = sharedPath('datasets', 'cicids2017-sample')!;
  const benign = await readDataset([`${dir}/BENIGN_2500.csv`]);
  const b = await fitBaseline(takeTableRows(benign, Int32Array.from({ length: 400 }, (_, i) => i * 5)), { seed: 1, threads: 1, detectors: ['isolation-forest', 'one-class-svm'] });
  const [p, q] = b.detectors.map((d) => d.model.pipeline);
  assert.ok(RowScoreCache.for([p, q]));
  assert.equal(RowScoreCache.for([p, { ...q, inputs: q.inputs.slice(1) }]), undefined, 'other inputs');
  assert.equal(RowScoreCache.for([]), undefined);
});

test(
  'rows that hardly repeat: the cache backs off after its probe, scores batches whole while idle, and finds repeats again after the gap',
  { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') },
  async () => {
    const dir = sharedPath('datasets', 'cicids2017-sample')!;
    const benign = await readDataset([`${dir}/BENIGN_2500.csv`]);
    const all = await readDataset([dir]);
    const b = await fitBaseline(takeTableRows(benign, Int32Array.from({ length: 600 }, (_, i) => i * 4)), { seed: 5, threads: 1 });
    const cache = RowScoreCache.for(b.detectors.map((d) => d.model.pipeline))!;
    const calls: number[] = [];
    const score = (x: FlowTable): Float64Array[] => {
      calls.push(x.rowCount);
      return b.detectors.map((d) => predictTable(d.model, x).score!);
    };
    const rows = (count: number, of: (i: number) => number): FlowTable => takeTableRows(all, Int32Array.from({ length: count }, (_, i) => of(i)));
    // 8,192 flows of the CIC sample in order: few repeat (0.7 % of the sample)
    const first = rows(8192, (i) => i);
    const got = cache.scoresOf(first, score);
    assert.deepEqual(calls, [8192], 'looked up until the probe, then scored whole');
    for (let j = 0; j < b.detectors.length; j++) assert.deepEqual(got[j], predictTable(b.detectors[j].model, first).score!);
    // idle: the first 1,000 flows again (remembered by the probe) are scored whole, as is a large
    // batch of them, until 65,536 rows went by without a lookup
    cache.scoresOf(rows(1000, (i) => i), score);
    cache.scoresOf(rows(70000, (i) => i % 1000), score);
    assert.deepEqual(calls, [8192, 1000, 70000], 'idle: no lookups');
    // the next batch is probed: its rows are found (but the few the probe's later rows pushed out
    // of their two-way sets: ~5 % of the early ones), only those are scored
    const again = rows(1000, (i) => 999 - i);
    const found = cache.scoresOf(again, score);
    const probeScored = calls.length === 3 ? 0 : calls[3];
    assert.ok(calls.length <= 4 && probeScored < 100, `after the gap, a probe finds the remembered rows (scored ${probeScored} of 1000)`);
    for (let j = 0; j < b.detectors.length; j++) assert.deepEqual(found[j], predictTable(b.detectors[j].model, again).score!);
    // and the cache is active again: a batch of those rows and of the first batch's rows 5,000 to
    // 5,999, never looked up (the probe backed off at 4,096), scores the latter
    const before = calls.length;
    cache.scoresOf(rows(2000, (i) => (i < 1000 ? i : 4000 + i)), score);
    assert.equal(calls.length, before + 1);
    assert.ok(calls[before] >= 1000 && calls[before] < 1100, `active again: the rows past the probe scored, the known found (scored ${calls[before]} of 2000)`);
  },
);
