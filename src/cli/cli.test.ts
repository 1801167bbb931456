/**
 * The command line end to end, as a user runs it: real processes, real files, exit codes, stdout
 * for results and stderr for everything else, one-line errors for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'ns-cli-'));

function run(args: string[], opts: { input?: string } = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, input: opts.input, maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const kdd = sharedPath('datasets', 'nsl-kdd');
const noKdd = skipWithoutShared('datasets', 'nsl-kdd');
let trainFile = '';
let testFile = '';
if (kdd) {
  // slices keep the test quick; every family is present in the first rows of both files
  trainFile = join(dir, 'train.txt');
  testFile = join(dir, 'test.txt');
  writeFileSync(trainFile, readFileSync(join(kdd, 'KDDTrain+_20Percent.txt'), 'utf8').split('\n').slice(0, 4000).join('\n') + '\n');
  writeFileSync(testFile, readFileSync(join(kdd, 'KDDTest+.txt'), 'utf8').split('\n').slice(0, 1500).join('\n') + '\n');
}

test('train → inspect → evaluate → predict on NSL-KDD', { skip: noKdd }, () => {
  const t = run(['train', trainFile, '--model', 'random-forest', '--param', 'n_estimators=30', '--test', testFile, '-o', 'rf.nsm']);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /Random forest → rf\.nsm/);
  assert.match(t.out, /precision\s+recall\s+f1-score\s+support/);
  assert.match(t.out, /separate test data/);
  assert.ok(!/reading|%/.test(t.out.split('\n')[0]), 'progress must not go to stdout');
  assert.ok(existsSync(join(dir, 'rf.nsm')));

  const i = run(['inspect', 'rf.nsm', '--json']);
  assert.equal(i.code, 0, i.err);
  const info = JSON.parse(i.out);
  assert.equal(info.estimator, 'random-forest');
  assert.deepEqual(info.classes, ['DoS', 'Normal', 'Probe', 'R2L', 'U2R']);
  assert.equal(info.training.rows, 4000);

  const e = run(['evaluate', 'rf.nsm', testFile, '--json']);
  assert.equal(e.code, 0, e.err);
  const ev = JSON.parse(e.out);
  assert.equal(ev.summary.rows, 1500);
  assert.ok(ev.summary.accuracy > 0.6, `accuracy ${ev.summary.accuracy}`);
  assert.equal(ev.confusion.length, ev.classes.length);
  assert.equal(run(['evaluate', 'rf.nsm', testFile, '--fail-below', '0.999']).code, 1);

  const p = run(['predict', 'rf.nsm', testFile]);
  assert.equal(p.code, 0, p.err);
  const lines = p.out.trim().split('\n');
  assert.equal(lines.length, 1 + 1500);
  assert.match(lines[0], /^file,line,prediction,probability,score/);
  const j = run(['predict', 'rf.nsm', testFile, '--output-format', 'jsonl']);
  const first = JSON.parse(j.out.split('\n')[0]);
  assert.equal(first.line, 1);
  assert.ok(['DoS', 'Normal', 'Probe', 'R2L', 'U2R'].includes(first.prediction));
  // an output that cannot be written is a one-line error naming it (below a regular file: ENOTDIR)
  const blocked = run(['predict', 'rf.nsm', testFile, '-o', 'rf.nsm/out.csv']);
  assert.equal(blocked.code, 2);
  assert.equal(blocked.err.trim(), "netsentinel: predict: cannot write rf.nsm/out.csv: ENOTDIR: rf.nsm is a file, not a folder", 'before any input is read, so no progress line');
  assert.doesNotMatch(blocked.err, /MaxListeners|at /);
  // --json, as on every verb, gives JSON: the same lines
  const jj = run(['predict', 'rf.nsm', testFile, '--json']);
  assert.equal(jj.code, 0, jj.err);
  assert.equal(jj.out, j.out);
});

test('cross-validation and a random split are labelled as such', { skip: noKdd }, () => {
  const s = run(['train', trainFile, '--model', 'decision-tree', '--split', '0.25', '--cv', '3', '-o', 'dt.nsm']);
  assert.equal(s.code, 0, s.err);
  assert.match(s.out, /random stratified split: 25 % of the training data held out/);
  assert.match(s.out, /Stratified 3-fold cross-validation on the training data/);
});

test('bad input: one line, exit 2, the place named', { skip: noKdd }, () => {
  const missing = run(['train', 'nope.csv']);
  assert.equal(missing.code, 2);
  assert.equal(missing.err.trim().split('\n').length, 1, missing.err);
  assert.match(missing.err, /^netsentinel: .*nope\.csv/);

  const ragged = join(dir, 'ragged.txt');
  const rows = readFileSync(trainFile, 'utf8').split('\n').slice(0, 50);
  rows[20] = rows[20].split(',').slice(0, 30).join(',');
  writeFileSync(ragged, rows.join('\n') + '\n');
  const r = run(['train', ragged, '-q']);
  assert.equal(r.code, 2);
  assert.match(r.err, /ragged\.txt line 21/);
  assert.ok(!/\n\s+at /.test(r.err), 'no stack trace for a user mistake');

  writeFileSync(join(dir, 'broken.nsm'), Buffer.concat([readFileSync(join(dir, 'rf.nsm')).subarray(0, 500)]));
  const b = run(['predict', 'broken.nsm', testFile]);
  assert.equal(b.code, 2);
  assert.match(b.err, /broken\.nsm is damaged/);

  assert.equal(run(['frobnicate']).code, 2);
  const opt = run(['train', trainFile, '--no-such-option']);
  assert.equal(opt.code, 2);
  assert.match(opt.err, /see 'netsentinel train --help'/);
});

test('--help on every verb shows defaults and an example', () => {
  const top = run(['--help']);
  assert.equal(top.code, 0);
  for (const verb of ['analyze', 'baseline', 'train', 'evaluate', 'predict', 'inspect', 'cluster']) {
    const h = run([verb, '--help']);
    assert.equal(h.code, 0, verb);
    assert.match(h.out, new RegExp(`^netsentinel ${verb}: `), verb);
    assert.match(h.out, /Examples:\n {2}netsentinel /, verb);
  }
  assert.match(run(['--version']).out, /^netsentinel \d+\.\d+\.\d+/);
  // --help-model answers without DATA, as its own help text promises
  const hm = run(['train', '--model', 'gradient-boosting', '--help-model']);
  assert.equal(hm.code, 0, hm.err);
  assert.match(hm.out, /split_criterion\s+"newton"/);
  assert.equal(run(['train', '--model', 'gradient-boosting']).code, 2, 'DATA is still required for training');
});

test('analyze the shipped loopback sample: the scanner and the brute forcer, no duplicate alerts', () => {
  const sample = join(root, 'samples', 'loopback');
  const b = run(['baseline', join(sample, 'normal.csv'), '-o', 'loop.nsb', '-q']);
  assert.equal(b.code, 0, b.err);
  const a = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'out', '--store', 'alerts.db', '--json', '-q']);
  assert.equal(a.code, 0, a.err);
  const s = JSON.parse(a.out);
  const risky = s.riskyIps.map((r: { ip: string }) => r.ip);
  assert.ok(risky.includes('127.0.0.66'), `scanner missing from ${risky}`);
  assert.ok(risky.includes('127.0.0.77'), `brute forcer missing from ${risky}`);
  assert.ok(s.findingsByRule['port-scan.vertical'] >= 1);
  assert.ok(s.findingsByRule['brute-force'] >= 1);
  for (const f of ['flows_scored.csv', 'risky_ips.csv', 'risky_ips.txt', 'alerts.jsonl', 'report.html', 'summary.json', 'risk_scores.png']) {
    assert.ok(existsSync(join(dir, 'out', f)), `${f} was not written`);
  }
  const alert = JSON.parse(readFileSync(join(dir, 'out', 'alerts.jsonl'), 'utf8').split('\n')[0]);
  assert.equal(alert.event_type, 'alert');
  assert.ok(alert.alert.signature && alert.alert.severity >= 1 && alert.alert.severity <= 3);
  assert.ok(typeof alert.netsentinel.risk === 'number');
  assert.ok(s.alerts.stored > 0);
  const again = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'out2', '--store', 'alerts.db', '--json', '-q', '--no-report']);
  const s2 = JSON.parse(again.out);
  assert.equal(s2.alerts.stored, 0, 'the same input added alerts again');
  assert.equal(s2.alerts.duplicates, s.alerts.written);
  const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
  assert.match(html, /127\.0\.0\.66/);
  assert.ok(!/<script/i.test(html) && !/https?:\/\/(?!db-ip\.com)/.test(html.replace(/<a href="https:\/\/db-ip\.com">/, '')), 'report must be self-contained');
  assert.equal(run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'out3', '--store', 'none', '--no-report', '--fail-on', '0.99', '-q']).code, 1);
});

test('analyze without a baseline says it is weaker', () => {
  const sample = join(root, 'samples', 'loopback', 'traffic.csv');
  const a = run(['analyze', sample, '-o', 'out-self', '--store', 'none', '--no-report', '--param-free'].filter((x) => x !== '--param-free'));
  assert.equal(a.code, 0, a.err);
  assert.match(a.err, /NO BASELINE/);
  assert.match(a.out, /SELF-FITTED/);
});

test('a baseline given as a model, and a verb given its first argument only, say what to do', () => {
  const sample = join(root, 'samples', 'loopback');
  assert.equal(run(['baseline', join(sample, 'normal.csv'), '-o', 'swap.nsb', '-q']).code, 0);
  const swapped = run(['analyze', join(sample, 'traffic.csv'), '-m', 'swap.nsb', '-o', 'out-swap', '--store', 'none', '-q']);
  assert.equal(swapped.code, 2);
  assert.match(swapped.err, /^netsentinel: swap\.nsb is a baseline .*--baseline/);
  assert.equal(swapped.err.trim().split('\n').length, 1, swapped.err);
  for (const verb of ['predict', 'evaluate']) {
    const r = run([verb, 'swap.nsb']);
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`^netsentinel: ${verb}: missing DATA \\(`), r.err);
  }
  assert.match(run(['predict']).err, /missing MODEL and DATA/);
});

const noCic = skipWithoutShared('datasets', 'cicids2017-sample', 'Botnet_736.csv');
test('predict echoes a CICFlowMeter Timestamp as the input wrote it, not as epoch milliseconds', { skip: noCic }, () => {
  const cic = (n: string) => readFileSync(sharedPath('datasets', 'cicids2017-sample', n) as string, 'utf8').split('\n');
  const bot = cic('Botnet_736.csv');
  const rows = [...bot.slice(0, 101), ...cic('BENIGN_2500.csv').slice(1, 101)];
  rows[1] = rows[1].replace(/,2017-07-07 13:39:36\.267908,/, ',,'); // a missing time stays empty
  writeFileSync(join(dir, 'cic.csv'), rows.join('\n') + '\n');
  assert.equal(run(['train', 'cic.csv', '--model', 'decision-tree', '-o', 'cic-dt.nsm', '-q']).code, 0);
  const csv = run(['predict', 'cic-dt.nsm', 'cic.csv', '-q']);
  assert.equal(csv.code, 0, csv.err);
  const lines = csv.out.trim().split('\n');
  const col = lines[0].split(',').indexOf('Timestamp');
  assert.ok(col > 0, lines[0]);
  assert.equal(lines[1].split(',')[col], '');
  assert.equal(lines[2].split(',')[col], '2017-07-07 13:39:46.349992', lines[2]);
  const json = run(['predict', 'cic-dt.nsm', 'cic.csv', '-q', '--json']).out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(json[0].Timestamp, null);
  assert.equal(json[1].Timestamp, '2017-07-07 13:39:46.349992');
});

test('train on data without labels names both ways out: --label for a CSV, a detector for unlabelled traffic', () => {
  const sample = join(root, 'samples', 'loopback', 'normal.csv');
  const r = run(['train', sample, '-o', 'nolabel.nsm', '-q']);
  assert.equal(r.code, 2);
  assert.match(r.err, /no labels to learn a classifier .*--label COLUMN.*--model isolation-forest/);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  writeFileSync(join(dir, 'labelled.csv'), 'bytes,proto,Label\n' + Array.from({ length: 20 }, (_, i) => `${i},tcp,${i % 2 ? 'attack' : 'normal'}`).join('\n') + '\n');
  assert.match(run(['train', 'labelled.csv', '-o', 'l.nsm', '-q']).err, /--label Label,/);
  assert.equal(run(['train', 'labelled.csv', '--label', 'Label', '-o', 'l.nsm', '-q']).code, 0);
  assert.equal(run(['train', sample, '--model', 'isolation-forest', '-o', 'iso.nsm', '-q']).code, 0);
});

test('no flows at all: analyze writes its outputs without a chart or a warning; baseline says the input is too small', () => {
  const sample = join(root, 'samples', 'loopback');
  writeFileSync(join(dir, 'no-flows.csv'), readFileSync(join(sample, 'traffic.csv'), 'utf8').split('\n')[0] + '\n');
  assert.equal(run(['baseline', join(sample, 'normal.csv'), '-o', 'empty-case.nsb', '-q']).code, 0);
  const a = run(['analyze', 'no-flows.csv', '-b', 'empty-case.nsb', '-o', 'out-none', '--store', 'none', '-q']);
  assert.equal(a.code, 0, a.err);
  assert.equal(a.err, '', 'nothing to warn about');
  assert.ok(existsSync(join(dir, 'out-none', 'report.html')));
  assert.ok(!existsSync(join(dir, 'out-none', 'risk_scores.png')));
  const b = run(['baseline', 'no-flows.csv', '-o', 'none.nsb', '-q']);
  assert.equal(b.code, 2);
  assert.match(b.err, /^netsentinel: baseline: no-flows\.csv gave 0 flows; /);
  assert.doesNotMatch(b.err, /analyze without --baseline/);
});

test("predict echoes a Zeek conn.log's ts as Zeek wrote it (epoch seconds), not as epoch milliseconds", () => {
  const head = '#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_bytes\tresp_bytes\tconn_state\n';
  const rows = Array.from({ length: 30 }, (_, i) => `${1733346000 + i}.00000${i % 10}\tC${i}\t10.0.0.1\t${40000 + i}\t10.0.0.2\t${20 + i}\ttcp\t0.${i}\t${i}\t${2 * i}\tSF\n`);
  writeFileSync(join(dir, 'conn.log'), head + rows.join(''));
  assert.equal(run(['train', 'conn.log', '--model', 'isolation-forest', '-o', 'conn-iso.nsm', '-q']).code, 0);
  const csv = run(['predict', 'conn-iso.nsm', 'conn.log', '-q']);
  assert.equal(csv.code, 0, csv.err);
  const lines = csv.out.trim().split('\n');
  const col = lines[0].split(',').indexOf('ts');
  assert.equal(lines[2].split(',')[col], '1733346001.000001', lines[2]);
  const json = JSON.parse(run(['predict', 'conn-iso.nsm', 'conn.log', '-q', '--json']).out.split('\n')[3]);
  assert.equal(json.ts, 1733346003.000003);
  // and one source is "1 source" in analyze's summary
  const a = run(['analyze', 'conn.log', '-o', 'out-conn', '--store', 'none', '--no-report', '-q']);
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /^Analysed 30 flows from 1 source in /);
});

test('evaluate on unlabelled flows says there is nothing to measure against, and points to predict', () => {
  const sample = join(root, 'samples', 'loopback', 'normal.csv');
  assert.equal(run(['train', sample, '--model', 'isolation-forest', '-o', 'unl.nsm', '-q']).code, 0);
  const r = run(['evaluate', 'unl.nsm', sample, '-q']);
  assert.equal(r.code, 2);
  assert.match(r.err, /^netsentinel: evaluate: .*normal\.csv: no labels to measure unl\.nsm against .*netsentinel predict unl\.nsm /);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
});
