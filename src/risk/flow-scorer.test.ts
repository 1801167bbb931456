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
