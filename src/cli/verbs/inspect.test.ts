/** `netsentinel inspect`: its help says what it shows for each kind of file; a baseline's features. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'ns-inspect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 24 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('inspect --help says what it shows for a model and for a baseline, with an example of each', () => {
  const r = run(['inspect', '--help']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Usage: netsentinel inspect FILE \[options\]$/m);
  assert.match(r.out, /A model \(train, search, compare: \.nsm\): the estimator and its options/);
  assert.match(r.out, /A baseline \(baseline: \.nsb\): when and by which netsentinel it was made/);
  const examples = r.out.slice(r.out.indexOf('Examples:'));
  assert.match(examples, /netsentinel inspect \S+\.nsm/);
  assert.match(examples, /netsentinel inspect \S+\.nsb/);
});

test('inspect BASELINE --features lists the features its detectors read, in text and --json', () => {
  const b = join(dir, 'b.nsb');
  const fit = run(['baseline', join(root, 'samples', 'loopback', 'normal.csv'), '-o', b, '-q', '--detectors', 'isolation-forest']);
  assert.equal(fit.code, 0, fit.err);
  const text = run(['inspect', b, '--features']);
  assert.equal(text.code, 0, text.err);
  const j = run(['inspect', b, '--features', '--json']);
  const names = (JSON.parse(j.out) as { featureNames: string[] }).featureNames;
  assert.ok(names.length > 3, j.out);
  assert.match(text.out, /^ {2}features$/m);
  for (const [i, n] of names.entries()) assert.ok(text.out.includes(`${String(i).padStart(4)}  ${n}\n`) || text.out.endsWith(`${String(i).padStart(4)}  ${n}`), n);
  // without --features, neither lists them
  assert.doesNotMatch(run(['inspect', b]).out, /^ {2}features$/m);
});

test('inspect MODEL shows its validation figures in a line a person reads, not the ROC curve as JSON', () => {
  // a labelled CSV of two overlapping classes: train --test and --cv both record validation
  const rows = ['a,b,label'];
  for (let i = 0; i < 400; i++) rows.push(`${(Math.sin(i) * 3 + (i % 2) * 2).toFixed(3)},${(Math.cos(i * 1.7) * 2).toFixed(3)},${i % 2 ? 'attack' : 'normal'}`);
  const csv = join(dir, 'labelled.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  // a separate test file (the training file itself is refused as --test)
  writeFileSync(join(dir, 'test.csv'), rows.slice(0, 201).join('\n') + '\n');
  const m = join(dir, 'tree.nsm');
  const fit = run(['train', csv, '--model', 'decision-tree', '--test', join(dir, 'test.csv'), '--cv', '3', '--label', 'label', '-o', m, '-q']);
  assert.equal(fit.code, 0, fit.err);
  const text = run(['inspect', m]);
  assert.equal(text.code, 0, text.err);
  const lines = text.out.split('\n');
  assert.ok(lines.every((l) => l.length < 300), `a line of ${Math.max(...lines.map((l) => l.length))} characters:\n${text.out.slice(0, 2000)}`);
  assert.doesNotMatch(text.out, /"roc"|"fpr"|"confusion"/);
  assert.match(text.out, /^ {2}validation {2}separate test data: .*test\.csv \(200 rows, accuracy \d\.\d{4}, macro-F1 \d\.\d{4}/m);
  assert.match(text.out, /^ {14}3-fold cross-validation: accuracy \d\.\d{4} ± \d\.\d{4}, macro-F1/m);
  // the curve and the matrix stay in --json (the service's model card draws them)
  const j = JSON.parse(run(['inspect', m, '--json']).out) as { training: { validation: { heldOut: { roc: unknown; confusion: unknown } } } };
  assert.ok(j.training.validation.heldOut.roc && j.training.validation.heldOut.confusion);
});
