/**
 * End to end: the real command, spawned as a user runs it, on a small slice of NSL-KDD.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../../testing/shared-data.js';
import { loadTrainedModel } from '../../models/trained-model.js';
import { rejoinKeyValues } from './search.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const skip = skipWithoutShared('datasets/nsl-kdd/KDDTrain+_20Percent.txt');
const dir = mkdtempSync(join(tmpdir(), 'ns-compare-'));

/** The first lines of the real files: every family but U2R is present in training. */
function slices(): { train: string; test: string } {
  const train = join(dir, 'train.txt');
  const testFile = join(dir, 'test.txt');
  if (!existsSync(train)) {
    const lines = (p: string, n: number): string => readFileSync(p, 'utf8').split('\n').slice(0, n).join('\n') + '\n';
    writeFileSync(train, lines(sharedPath('datasets/nsl-kdd/KDDTrain+_20Percent.txt')!, 1500));
    writeFileSync(testFile, lines(sharedPath('datasets/nsl-kdd/KDDTest+.txt')!, 600));
  }
  return { train, test: testFile };
}

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('compare --test --json: one row per model, every figure, sorted, exit 0', { skip }, () => {
  const { train, test: testFile } = slices();
  const r = run(['compare', train, '--test', testFile, '--models', 'decision-tree,logistic-regression', '--vote', '--json', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const lb = JSON.parse(r.stdout);
  assert.equal(lb.mode, 'test');
  assert.equal(lb.target, 'family');
  assert.equal(lb.trainRows, 1500);
  assert.equal(lb.testRows, 600);
  assert.deepEqual(lb.rows.map((x: { model: string }) => x.model).sort(), ['decision-tree', 'logistic-regression', 'vote']);
  for (const row of lb.rows) {
    assert.equal(row.status, 'ok', row.error);
    for (const k of ['accuracy', 'macroF1', 'rocAucOvr', 'binaryRocAuc']) assert.ok(row[k] > 0.3 && row[k] <= 1, `${row.model} ${k} = ${row[k]}`);
    assert.ok(row.recall.Normal > 0.5, `${row.model} recall of Normal ${row.recall.Normal}`);
    assert.ok(row.fitSeconds >= 0 && row.predictSeconds >= 0);
  }
  assert.deepEqual(lb.rows.map((x: { rank: number }) => x.rank), [1, 2, 3]);
  assert.ok(lb.rows[0].macroF1 >= lb.rows[1].macroF1 && lb.rows[1].macroF1 >= lb.rows[2].macroF1);
});

test('compare --cv with --out: a text leaderboard with mean ± std, and loadable model files', { skip }, () => {
  const { train } = slices();
  const out = join(dir, 'models');
  const r = run(['compare', train, '--cv', '3', '-m', 'decision-tree,bagging', '--param', 'bagging.n_estimators=3', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /stratified 3-fold cross-validation/);
  assert.match(r.stdout, /^\s*#\s+model\s+accuracy\s+macro-F1/m);
  assert.match(r.stdout, /decision-tree\s+0\.\d{4}±0\.\d{4}/);
  assert.match(r.stderr, /\[2\/2\] bagging: macro-F1/, 'progress per model on stderr');
  return loadTrainedModel(join(out, 'bagging.nsm')).then((m) => {
    assert.equal(m.estimator.name, 'bagging');
    assert.equal((m.estimator.options as { n_estimators: number }).n_estimators, 3);
    const cv = m.training.validation?.crossValidation as { k: number; macroF1: { mean: number } };
    assert.equal(cv.k, 3);
    assert.ok(cv.macroF1.mean > 0.3);
  });
});

test('compare: bad input exits 2 with one line', { skip }, () => {
  const { train, test: testFile } = slices();
  for (const args of [
    ['compare', train, '--test', testFile, '--models', 'no-such-model'],
    ['compare', train, '--models', 'decision-tree'],
    ['compare', train, '--cv', '3', '--models', 'isolation-forest'],
    ['compare', train, '--cv', '3', '--models', 'decision-tree', '--param', 'decision-tree.max_depth=-2'],
    ['compare', join(dir, 'missing.txt'), '--cv', '3'],
  ]) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^netsentinel: /);
    assert.equal(r.stdout, '');
  }
});

test('KEY=VALUE lists get their commas back', () => {
  // what the shared parser makes of: --param mlp.hiddenLayerSizes=[64,32] --param voting.estimators=a+b,rf.n=3
  assert.deepEqual(rejoinKeyValues('compare', 'param', ['mlp.hiddenLayerSizes=[64', '32]', 'voting.estimators=a', 'b', 'rf.n=3']), [
    { key: 'mlp.hiddenLayerSizes', value: '[64,32]' },
    { key: 'voting.estimators', value: 'a,b' },
    { key: 'rf.n', value: '3' },
  ]);
});
