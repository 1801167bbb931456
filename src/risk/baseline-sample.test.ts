/**
 * The detectors that keep rows to score with (one-class SVM, LOF, DBSCAN) fit on a seeded random
 * sample of at most sampleRows of the baseline's fitting rows; the others on all of them. On
 * NSL-KDD (10,759 normal rows to fit): the sample is the size asked for, the same for the same
 * seed, the SVM keeps about ν of it as support vectors, and it still tells KDDTest+'s attacks from
 * normal traffic nearly as well as the SVM fitted on every row (measured: ROC-AUC 0.909 on a
 * 2,000-row sample, 0.918 on all rows; 137 against 575 support vectors). The CLI says which
 * detector was fitted on a sample, in text and JSON.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { fitBaseline } from './baseline.js';
import { binaryTruthOrUndefined } from './labels.js';
import { predictTable } from '../models/trained-model.js';
import { rocAuc } from '../evaluate/roc.js';
import { loadNslKdd } from '../testing/datasets.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const skip = skipWithoutShared('datasets/nsl-kdd');
const dir = mkdtempSync(join(tmpdir(), 'ns-baseline-sample-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface SvmState {
  supportCount: number;
  supportVectors: Float64Array;
}

test('one-class SVM fitted on a 2,000-row sample: the sample asked for, reproducible, and nearly the detection of all rows', { skip }, async () => {
  const data = (await loadNslKdd())!;
  const detectors = ['isolation-forest', 'one-class-svm'];
  const sampled = await fitBaseline(data.train, { detectors, sampleRows: 2000, seed: 42, threads: 1 });
  const again = await fitBaseline(data.train, { detectors, sampleRows: 2000, seed: 42, threads: 1 });
  const all = await fitBaseline(data.train, { detectors, sampleRows: 0, seed: 42, threads: 1 });
  const svm = (b: typeof sampled) => b.detectors.find((d) => d.model.estimator.name === 'one-class-svm')!.model;
  const forest = (b: typeof sampled) => b.detectors.find((d) => d.model.estimator.name === 'isolation-forest')!.model;
  assert.equal(sampled.fitRows, 10_759, 'NSL-KDD 20 %: normal rows less the 20 % held out');
  assert.equal(svm(sampled).training.rows, 2000);
  assert.equal(forest(sampled).training.rows, sampled.fitRows, 'the forest is not a row-keeping detector');
  assert.equal(svm(all).training.rows, all.fitRows, 'sampleRows 0: every row');
  const state = (b: typeof sampled) => svm(b).estimator.state as SvmState;
  assert.ok(state(sampled).supportCount <= 0.1 * 2000 + 20, `about ν = 5 % of the sample: ${state(sampled).supportCount}`);
  assert.ok(state(all).supportCount > 3 * state(sampled).supportCount, `${state(all).supportCount} support vectors from all rows`);
  assert.deepEqual(state(again).supportVectors, state(sampled).supportVectors, 'the same seed, the same sample');
  // detection on the test set: the sampled SVM's scores as good as the full one's, to within 0.03
  const truth = binaryTruthOrUndefined(data.test)!;
  const aucOf = (b: typeof sampled) => rocAuc(truth, predictTable(svm(b), data.test).score!);
  const aSampled = aucOf(sampled);
  const aAll = aucOf(all);
  assert.ok(aSampled > 0.88, `ROC-AUC on a 2,000-row sample: ${aSampled.toFixed(4)}`);
  assert.ok(aSampled > aAll - 0.03, `sampled ${aSampled.toFixed(4)} against all rows ${aAll.toFixed(4)}`);
  // under the default (10,000) a 10,759-row baseline's SVM sees 10,000 rows
  const byDefault = await fitBaseline(data.train, { detectors: ['one-class-svm'], seed: 42, threads: 1 });
  assert.equal(byDefault.detectors[0].model.training.rows, 10_000);
});

test('baseline says which detector was fitted on a sample (text and --json)', { skip }, () => {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const train = sharedPath('datasets', 'nsl-kdd', 'KDDTrain+_20Percent.txt') as string;
  const run = (extra: string[]) => spawnSync(process.execPath, [main, 'baseline', train, '--detectors', 'isolation-forest,one-class-svm', '-o', join(dir, 'b.nsb'), '-q', ...extra], { encoding: 'utf8' });
  const text = run(['--sample-rows', '3000']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /one-class-svm +\d+ features, fitted in [\d.]+ m?s on a random sample of 3,000 of the 10,759 rows \(--sample-rows\)/);
  assert.doesNotMatch(text.stdout, /isolation-forest .*sample/);
  const json = run(['--sample-rows', '0', '--json']);
  assert.equal(json.status, 0, json.stderr);
  const detectors = (JSON.parse(json.stdout) as { detectors: { name: string; rows: number }[] }).detectors;
  assert.deepEqual(detectors.map((d) => [d.name, d.rows]), [['isolation-forest', 10_759], ['one-class-svm', 10_759]]);
});
