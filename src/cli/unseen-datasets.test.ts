/**
 * Flow files as users bring them, end to end through the CLI: columns in another order and a note
 * column the model never saw, a file with a header and no rows, rows without a label. Each found
 * by QA on datasets the team had not seen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CIC_FEATURES } from '../sources/cicflowmeter.js';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-unseen-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { code: number; out: string; err: string } {
  const env = { ...process.env };
  delete env.NETSENTINEL_STORE;
  delete env.NETSENTINEL_CONFIG;
  const r = spawnSync(process.execPath, [main, ...args, '-q'], { encoding: 'utf8', cwd: dir, env, maxBuffer: 1 << 24 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const HEADER = ['Src IP', 'Dst Port', 'Protocol', ...CIC_FEATURES, 'Label'];

/** Row i of a two-class CICFlowMeter file: DDoS flows are short and small, BENIGN ones long. */
function row(i: number, label: string): Record<string, string> {
  const attack = label !== 'BENIGN' && label !== '';
  const cells: Record<string, string> = { 'Src IP': `10.0.0.${i % 9}`, 'Dst Port': '80', Protocol: '6', Label: label };
  CIC_FEATURES.forEach((f, k) => (cells[f] = String(attack ? (k % 7) + (i % 3) : 1000 + k * 13 + (i % 5) * 17)));
  return cells;
}

function csv(name: string, header: readonly string[], rows: Record<string, string>[]): string {
  const quote = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  writeFileSync(join(dir, name), [header.map(quote).join(','), ...rows.map((r) => header.map((h) => quote(r[h] ?? '')).join(','))].join('\n') + '\n');
  return join(dir, name);
}

const labels = (n: number): string[] => Array.from({ length: n }, (_, i) => (i % 2 ? 'DDoS' : 'BENIGN'));
const train = csv('train.csv', HEADER, labels(40).map((l, i) => row(i, l)));

test('a model predicts and evaluates a file whose columns come in another order, with a text column it never saw', () => {
  const model = join(dir, 'dt.nsm');
  assert.equal(run(['train', train, '-m', 'decision-tree', '-o', model]).code, 0);
  const shuffled = [...HEADER].reverse();
  shuffled.splice(5, 0, 'analyst note');
  const rows = labels(10).map((l, i) => ({ ...row(i + 100, l), 'analyst note': i % 2 ? 'seen, twice' : 'ok' }));
  const test_ = csv('test-reordered.csv', shuffled, rows);
  const p = run(['predict', model, test_, '--keep', 'analyst note']);
  assert.equal(p.code, 0, p.err);
  const lines = p.out.trim().split('\n');
  assert.equal(lines.length, 11);
  assert.equal(lines[0], 'file,line,prediction,probability,score,analyst note');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[2]), labels(10));
  assert.ok(lines[2].endsWith(',"seen, twice"'), lines[2]);
  const e = run(['evaluate', model, test_, '--json']);
  assert.equal(e.code, 0, e.err);
  assert.equal(JSON.parse(e.out).summary.accuracy, 1);
});

test('evaluate on a file with a header and no rows is an error, not accuracy 0 and exit 0', () => {
  const model = join(dir, 'dt0.nsm');
  assert.equal(run(['train', train, '-m', 'decision-tree', '-o', model]).code, 0);
  const empty = csv('header-only.csv', HEADER, []);
  const e = run(['evaluate', model, empty, '--fail-below', '0.9']);
  assert.equal(e.code, 2, e.err);
  assert.equal(e.out, '');
  assert.equal(e.err, `netsentinel: ${empty}: no rows to evaluate on (a header and no flow records)\n`);
  const one = csv('one-row.csv', HEADER, [row(1, 'DDoS')]);
  const e1 = run(['evaluate', model, one]);
  assert.equal(e1.code, 0, e1.err);
  assert.equal(e1.out.split('\n')[0], `Evaluation on 1 row (test data: ${one})`);
  const t = run(['train', empty, '-m', 'decision-tree', '-o', join(dir, 'x.nsm')]);
  assert.equal(t.code, 2);
  assert.equal(t.err, `netsentinel: ${empty}: no rows to train on (a header and no flow records)\n`);
});

test('rows without a label: train says so in its own words, compare says so once and does not count them', () => {
  const partly = csv('partly.csv', HEADER, labels(40).map((l, i) => row(i, i === 7 ? '' : l)));
  const t = run(['train', partly, '-m', 'decision-tree', '-o', join(dir, 'p.nsm'), '--json']);
  assert.equal(t.code, 0, t.err);
  assert.equal(t.err, 'netsentinel: warning: 1 row has no value in label column "Label" and was not used for training\n');
  const c = run(['compare', partly, '--cv', '3', '-m', 'decision-tree,logistic-regression', '--json']);
  assert.equal(c.code, 0, c.err);
  assert.equal(c.err, 'netsentinel: warning: compare: 1 of 40 training rows have no value in label column "Label" and were left out\n');
  assert.equal(JSON.parse(c.out).trainRows, 39);
});

test('drift: features a file of another naming lacks are named as lacking, not measured as moved', () => {
  const few = join(dir, 'few.nsb');
  assert.equal(run(['baseline', csv('few.csv', HEADER, Array.from({ length: 60 }, (_, i) => row(i, 'BENIGN'))), '-o', few]).code, 0);
  const tooFew = run(['drift', few, join(dir, 'few.csv')]);
  assert.equal(tooFew.code, 2);
  assert.match(tooFew.err, /^netsentinel: drift: the baseline's reference sample has 12 rows, too few to measure drift against \(at least 20\); refit it/);
  const benign = Array.from({ length: 200 }, (_, i) => row(i, 'BENIGN'));
  const baseline = join(dir, 'b.nsb');
  const b = run(['baseline', csv('benign.csv', HEADER, benign), '-o', baseline]);
  assert.equal(b.code, 0, b.err);
  // the same flows, without ten statistics (as CIC-IDS2018's abbreviated files lack Fwd RST Flags, ...)
  const lacking = CIC_FEATURES.slice(30, 40);
  const flows = csv('fewer-columns.csv', HEADER.filter((h) => !lacking.includes(h)), benign);
  const d = run(['drift', baseline, flows, '--json']);
  assert.ok(d.out, d.err);
  const w = JSON.parse(d.out).windows[0];
  assert.deepEqual([...w.missing].sort(), [...lacking].sort());
  const measured = w.features.map((f: { feature: string }) => f.feature);
  for (const name of lacking) assert.ok(!measured.includes(name), `${name} is not measured`);
  assert.ok(measured.includes('Flow Duration'));
  // a warning, so --quiet (progress off) still shows it
  const q = run(['drift', baseline, flows, '-q']);
  assert.match(q.err, /^netsentinel: drift: warning: the flows lack \(or have no value in\) 10 features of the baseline, not judged: /m);
});

test('score: a flow in CICFlowMeter names that lacks features the model needs says they were imputed', () => {
  const model = join(dir, 'dt-score.nsm');
  assert.equal(run(['train', train, '-m', 'decision-tree', '-o', model]).code, 0);
  const flow: Record<string, number> = { 'Dst Port': 80, Protocol: 6 };
  CIC_FEATURES.slice(0, 30).forEach((f, k) => (flow[f] = k % 7));
  const s = run(['score', '-m', model, '--flow', JSON.stringify(flow), '--json']);
  assert.equal(s.code, 0, s.err);
  assert.equal(JSON.parse(s.out).verdict, 'attack');
  const lines = s.err.trim().split('\n');
  // the 51 features the flow lacks: one line, the first 8 named
  const lacking = CIC_FEATURES.slice(30).filter((f) => !(f in flow));
  assert.equal(
    lines[0],
    `netsentinel: warning: ${lacking.length} columns hold no value in the 1 row (absent from the input, or empty), every cell imputed with the training median: ${lacking.slice(0, 8).map((f) => `"${f}"`).join(', ')} and ${lacking.length - 8} more`,
  );
  assert.equal(lines.length, 1, s.err);
});
