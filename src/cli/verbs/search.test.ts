/**
 * End to end: `netsentinel search` spawned on a small slice of NSL-KDD, and the --grid syntax.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../../testing/shared-data.js';
import { loadTrainedModel } from '../../models/trained-model.js';
import { parseGrid } from './search.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const skip = skipWithoutShared('datasets/nsl-kdd/KDDTrain+_20Percent.txt');
const dir = mkdtempSync(join(tmpdir(), 'ns-search-'));

function slice(): string {
  const p = join(dir, 'train.txt');
  writeFileSync(p, readFileSync(sharedPath('datasets/nsl-kdd/KDDTrain+_20Percent.txt')!, 'utf8').split('\n').slice(0, 1500).join('\n') + '\n');
  return p;
}

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--grid values: commas split values, brackets keep JSON lists whole, numbers are numbers', () => {
  // what the shared list parser hands over for: -g max_depth=2,4 -g "hiddenLayerSizes=[64,32],[16]" -g criterion=gini
  assert.deepEqual(parseGrid(['max_depth=2', '4', 'hiddenLayerSizes=[64', '32]', '[16]', 'criterion=gini']), [
    { name: 'max_depth', values: [2, 4] },
    { name: 'hiddenLayerSizes', values: [[64, 32], [16]] },
    { name: 'criterion', values: ['gini'] },
  ]);
});

test('search --json: every candidate scored, best refitted and saved with the search inside', { skip }, async () => {
  const train = slice();
  const out = join(dir, 'best.nsm');
  const r = run(['search', train, '-m', 'decision-tree', '-g', 'max_depth=1,6', '-g', 'criterion=gini,entropy', '--random', '3', '--cv', '3', '-o', out, '--json', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.model, out);
  assert.equal(doc.search.mode, 'random');
  assert.equal(doc.search.gridSize, 4);
  assert.equal(doc.search.candidates.length, 3);
  for (const c of doc.search.candidates) {
    assert.equal(c.status, 'ok');
    assert.equal(c.folds.length, 3);
    assert.ok(c.mean > 0 && c.mean <= 1 && c.std >= 0);
  }
  const means = doc.search.candidates.map((c: { mean: number }) => c.mean);
  assert.deepEqual(means, [...means].sort((a: number, b: number) => b - a), 'ranked best first');
  const m = await loadTrainedModel(out);
  const saved = m.training.validation?.search as { best: { params: Record<string, unknown> }; candidates: unknown[] };
  assert.deepEqual(saved.best.params, doc.search.best.params);
  assert.equal(saved.candidates.length, 3);
  assert.equal((m.estimator.options as { max_depth: number }).max_depth, doc.search.best.params.max_depth, 'the saved model is the best candidate');
});

test('search text output ranks the candidates and names the file', { skip }, () => {
  const train = slice();
  const r = run(['search', train, '-m', 'decision-tree', '-g', 'max_depth=1,6', '--cv', '2', '-o', join(dir, 'b.nsm')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Grid search for decision-tree: 2 candidates/);
  assert.match(r.stdout, /^\s*1\s+0\.\d{4} ± 0\.\d{4}\s+\S+\s+max_depth=6$/m, r.stdout);
  assert.match(r.stdout, /saved → /);
  assert.match(r.stderr, /\[2\/2\] max_depth=6: 0\.\d{4} ± /);
});

test('search: bad input exits 2 with one line', { skip }, () => {
  const train = slice();
  for (const args of [
    ['search', train, '-m', 'decision-tree'],
    ['search', train, '-m', 'decision-tree', '-g', 'bogus=1,2'],
    ['search', train, '-m', 'decision-tree', '-g', 'max_depth=0,2'],
    ['search', train, '-m', 'nope', '-g', 'max_depth=2'],
  ]) {
    const r = run([...args, '-o', join(dir, 'never.nsm')]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^netsentinel: /);
  }
});
