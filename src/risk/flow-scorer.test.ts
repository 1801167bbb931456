import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { takeTableRows } from '../flows/table.js';
import { predictTable } from '../models/trained-model.js';
import { fitBaseline } from './baseline.js';
import { calibrate } from './calibration.js';
import { createFlowScorer, type ScoredBatch } from './flow-scorer.js';

test(
  'scoring CIC flows in batches (reused feature memory) gives exactly the straightforward per-detector scores',
  { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') },
  async () => {
    const dir = sharedPath('datasets', 'cicids2017-sample')!;
    const benign = await readDataset([`${dir}/BENIGN_2500.csv`]);
    const attacks = await readDataset([`${dir}/Portscan_2500.csv`]);
    const b = await fitBaseline(benign, { seed: 42, threads: 1 });
    const scorer = createFlowScorer(b, undefined, {});
    const t = takeTableRows(attacks, Int32Array.from({ length: 1200 }, (_, i) => i * 2));
    const whole = scorer.score(t);
    // batches of 50 then one of 1,000 rows: each reuses (and the larger one grows) the scratch memory
    const parts: ScoredBatch[] = [];
    for (let s = 0; s < 200; s += 50) parts.push(scorer.score(takeTableRows(t, Int32Array.from({ length: 50 }, (_, i) => s + i))));
    parts.push(scorer.score(takeTableRows(t, Int32Array.from({ length: 1000 }, (_, i) => 200 + i))));
    for (const name of scorer.detectors) {
      const joined = Float64Array.from(parts.flatMap((p) => [...p.raw.get(name)!]));
      assert.deepEqual(joined, whole.raw.get(name), `${name}: batched raw scores`);
    }
    assert.deepEqual(Float64Array.from(parts.flatMap((p) => [...p.risk])), whole.risk);
    // the straightforward path: each detector's own predictTable, then its calibration
    for (const d of b.detectors) {
      const name = d.model.estimator.name;
      const s = predictTable(d.model, t).score!;
      assert.deepEqual(whole.raw.get(name), s, `${name}: raw`);
      assert.deepEqual(whole.p.get(name), Float64Array.from(s, (x) => calibrate(d.calibration, x)), `${name}: p`);
    }
    // a port scan is not normal traffic: measured 1,200 of 1,200 above risk 0.9 (seed 42)
    const high = whole.risk.filter((r) => r > 0.9).length;
    assert.ok(high >= 0.95 * t.rowCount, `${high} of ${t.rowCount} scan flows above risk 0.9`);
  },
);

test(
  'a batch larger than the scorer\'s slice (4,096 rows) scores exactly as each detector\'s own predictTable of the whole batch',
  { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') },
  async () => {
    const dir = sharedPath('datasets', 'cicids2017-sample')!;
    const benign = await readDataset([`${dir}/BENIGN_2500.csv`]);
    const b = await fitBaseline(takeTableRows(benign, Int32Array.from({ length: 1500 }, (_, i) => i)), { seed: 7, threads: 1 });
    const scorer = createFlowScorer(b, undefined, {});
    // 9,000 rows (two full slices and a part) from several captures' flows
    const all = await readDataset([`${dir}/Portscan_2500.csv`, `${dir}/DDoS_2500.csv`, `${dir}/SSH-Patator_2500.csv`, `${dir}/BENIGN_2500.csv`]);
    assert.ok(all.rowCount >= 9000);
    const t = takeTableRows(all, Int32Array.from({ length: 9000 }, (_, i) => (i * 7919) % all.rowCount));
    const whole = scorer.score(t);
    for (const d of b.detectors) {
      const name = d.model.estimator.name;
      const s = predictTable(d.model, t).score!;
      assert.equal(s.length, 9000);
      assert.deepEqual(whole.raw.get(name), s, `${name}: raw scores of the sliced batch`);
      assert.deepEqual(whole.p.get(name), Float64Array.from(s, (x) => calibrate(d.calibration, x)), `${name}: p`);
    }
    // and the same rows in small batches give the same risks (slices and scratch memory leave no trace)
    const parts: number[] = [];
    for (let s = 0; s < 9000; s += 1000) parts.push(...scorer.score(takeTableRows(t, Int32Array.from({ length: 1000 }, (_, i) => s + i))).risk);
    assert.deepEqual(Float64Array.from(parts), whole.risk);
  },
);
