/**
 * Scoring's speed work must not move a single bit: every raw score, p, evidence, risk and z of
 * every CIC sample flow, scored in batches of 50, 1,000 and all 25,127 (the stream's and analyze's
 * sizes), hashed and compared with the digests the scorer gave before that work.
 *
 * How the digests were made: main at fe34e1d (before the scoring-speed branch), same baseline
 * (BENIGN_2500.csv, seed 42, one thread), same batches, same hashing (per batch: each detector's
 * raw then p bytes in the scorer's order, then evidence, risk, z). A change that is meant to alter
 * scores (a new model, another calibration) updates them and says why in its commit; a change for
 * speed only must leave them.
 *
 * Beside it, the log transform against its straightforward form (sign(x)·log1p(|x|) of every
 * cell, then fill and scale), cell by cell on the real columns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { takeTableRows, type NumericColumn } from '../flows/table.js';
import { fitBaseline } from './baseline.js';
import { createFlowScorer } from './flow-scorer.js';
import { fitPipeline, transformTable, type NumericInputState } from '../features/pipeline.js';

// changed on purpose (6 Dec): calibration.ts uses its table up to the highest calibration score
// and the exponential tail only beyond it (the p's of scores in the top 5 % and beyond, and with
// them evidence, risk and z; the raw scores are the same bits)
const DIGESTS: Record<string, string> = {
  '50': 'df46b465d1fe267ecf027049a5f1b234594c5ebd8986025cfb96d2174ff23607',
  '1000': '85792896854206ca4dcba53c955ed7fef0248045af7be972ba9e17921f0e821a',
  all: '4586df2c87fa0c02701a2734295ab5f59573c1a40ef1e3a271fdcc7322782e63',
};

const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv');

test('scores, p-values and risks of every CIC sample flow are the bits scoring gave before its speed work', { skip }, async () => {
  const dir = sharedPath('datasets', 'cicids2017-sample')!;
  const benign = await readDataset([`${dir}/BENIGN_2500.csv`]);
  const sample = await readDataset([dir]);
  const baseline = await fitBaseline(benign, { seed: 42, threads: 1 });
  const scorer = createFlowScorer(baseline, undefined, {});
  const n = sample.rowCount;
  assert.equal(n, 25127, 'the CIC sample the digests were made on');
  const bytes = (a: Float64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (const [key, size] of [['50', 50], ['1000', 1000], ['all', n]] as const) {
    const h = createHash('sha256');
    for (let s = 0; s < n; s += size) {
      const r = scorer.score(takeTableRows(sample, Int32Array.from({ length: Math.min(size, n - s) }, (_, i) => s + i)));
      for (const name of scorer.detectors) {
        h.update(bytes(r.raw.get(name)!));
        h.update(bytes(r.p.get(name)!));
      }
      h.update(bytes(r.evidence));
      h.update(bytes(r.risk));
      h.update(bytes(r.z));
    }
    assert.equal(h.digest('hex'), DIGESTS[key], `batches of ${key}`);
  }
});

test('the log transform gives, cell by cell, sign(x)·log1p(|x|) filled and scaled, on real CIC columns', { skip }, async () => {
  const dir = sharedPath('datasets', 'cicids2017-sample')!;
  const t = await readDataset([dir]);
  const state = fitPipeline(t, { scaling: 'standard', categorical: 'onehot', log: true });
  const X = transformTable(state, t);
  let zeros = 0;
  let small = 0;
  state.inputs.forEach((inp, j) => {
    if (inp.kind !== 'numeric') return;
    const num = inp as NumericInputState;
    const col = t.columns.find((c) => c.name === inp.name) as NumericColumn;
    const o = state.outputSource.indexOf(j);
    for (let r = 0; r < t.rowCount; r++) {
      let v = col.values[r];
      if (v === 0) zeros++;
      else if (v > 0 && v < 1024 && Number.isInteger(v)) small++;
      if (v === v && v !== Infinity && v !== -Infinity) v = v < 0 ? -Math.log1p(-v) : Math.log1p(v);
      if (v !== v) v = num.fill;
      else if (v === Infinity) v = num.posInf;
      else if (v === -Infinity) v = num.negInf;
      const want = (v - num.center) / num.scale;
      const got = X.data[r * X.cols + o];
      if (!Object.is(got, want)) assert.fail(`row ${r}, column "${inp.name}": ${got} instead of ${want} (value ${col.values[r]})`);
    }
  });
  // the table's fast paths were exercised, not only the general one
  assert.ok(zeros > 1000 && small > 1000, `${zeros} zero and ${small} small whole cells`);
});
