/**
 * A user's mistakes on the command line, end to end in a fresh working folder: each is one line on
 * stderr naming what was wrong, exit 2, and nothing left behind (no empty store, no empty output
 * folder). The default store is in the per-user data folder (XDG_DATA_HOME, set per run here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const normal = join(root, 'samples', 'loopback', 'normal.csv');

/** the per-user data folder (XDG_DATA_HOME) of a run in `cwd`: beside it, so the default store is never the real user's */
const dataOf = (cwd: string): string => `${cwd}.data`;
const defaultStoreOf = (cwd: string): string => join(dataOf(cwd), 'netsentinel', 'netsentinel.db');

function run(cwd: string, args: string[], more: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: dataOf(cwd), ...more };
  delete env.NETSENTINEL_STORE;
  delete env.NETSENTINEL_CONFIG;
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd, env, maxBuffer: 1 << 24 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** the error: exactly one line, no stack */
function oneLine(err: string): string {
  const lines = err.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${err}`);
  assert.doesNotMatch(err, /^\s+at /m);
  return lines[0];
}

const base = mkdtempSync(join(tmpdir(), 'ns-mistakes-'));
const baseline = join(base, 'b.nsb');
test.before(() => {
  const r = run(base, ['baseline', normal, '-o', baseline, '-q']);
  assert.equal(r.code, 0, r.err);
});
test.after(() => rmSync(base, { recursive: true, force: true }));

test('analyze on bad input with the default store leaves no netsentinel.db and no output folder behind', () => {
  const cases: { args: string[]; names: string }[] = [
    { args: ['notes.txt', '-b', baseline], names: 'notes.txt' },
    { args: ['missing.pcap', '-b', baseline], names: 'missing.pcap' },
    { args: ['missing.csv'], names: 'missing.csv' },
    { args: ['notes.txt', '-b', baseline, '-o', 'deep/er/out'], names: 'notes.txt' },
  ];
  for (const c of cases) {
    const cwd = mkdtempSync(join(base, 'cwd-'));
    writeFileSync(join(cwd, 'notes.txt'), 'hello world\nthis is no flow file\n');
    const r = run(cwd, ['analyze', ...c.args, '-q']);
    assert.equal(r.code, 2, `${c.args.join(' ')}: ${r.err}`);
    const line = oneLine(r.err);
    assert.match(line, /^netsentinel: /);
    assert.ok(line.includes(c.names), `the error names ${c.names}: ${line}`);
    assert.deepEqual(readdirSync(cwd), ['notes.txt'], `${c.args.join(' ')}: nothing left behind`);
    assert.equal(existsSync(defaultStoreOf(cwd)), false, `${c.args.join(' ')}: no empty default store`);
  }
});

test('a good run makes the default store in the per-user data folder, not in the folder it ran in, and the outputs; a failing one keeps a folder that was there', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const ok = run(cwd, ['analyze', join(root, 'samples', 'loopback', 'traffic.csv'), '-b', baseline, '-q', '--no-report']);
  assert.equal(ok.code, 0, ok.err);
  // before, ./netsentinel.db: a stray store in every folder analyze was run in
  assert.deepEqual(readdirSync(cwd).sort(), ['netsentinel-output']);
  assert.ok(existsSync(defaultStoreOf(cwd)), 'the store is $XDG_DATA_HOME/netsentinel/netsentinel.db');
  mkdirSync(join(cwd, 'mine'));
  writeFileSync(join(cwd, 'notes.txt'), 'hello world\n');
  const bad = run(cwd, ['analyze', 'notes.txt', '-b', baseline, '-o', 'mine', '-q']);
  assert.equal(bad.code, 2);
  assert.deepEqual(readdirSync(cwd).sort(), ['mine', 'netsentinel-output', 'notes.txt']);
});

test('the verbs meet in the default store from any folder: analyze --respond in one, respond, decisions and config show in another', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const elsewhere = mkdtempSync(join(base, 'cwd-'));
  const data = { XDG_DATA_HOME: dataOf(cwd) };
  const a = run(cwd, ['analyze', join(root, 'samples', 'loopback', 'traffic.csv'), '-b', baseline, '-q', '--no-report', '-o', 'out', '--respond']);
  assert.equal(a.code, 0, a.err);
  // the sample's attackers are on loopback, never banned: a decision by hand beside the run's
  const added = run(cwd, ['decisions', 'add', '203.0.113.7', '--duration', '1h', '--json'], data);
  assert.equal(added.code, 0, added.err);
  const listed = run(elsewhere, ['decisions', 'list', '--json'], data);
  assert.equal(listed.code, 0, listed.err);
  const list = (JSON.parse(listed.out) as { decisions: { value: string }[] }).decisions;
  assert.deepEqual(list.map((d) => d.value), ['203.0.113.7'], `decisions list from another folder sees the decision: ${listed.out}`);
  const again = run(elsewhere, ['respond', join(cwd, 'out'), '--json'], data);
  assert.equal(again.code, 0, again.err);
  const shown = run(elsewhere, ['config', 'show', '--json'], data);
  assert.equal((JSON.parse(shown.out).analysis as { key: string; value: unknown }[]).find((x) => x.key === 'store')?.value, defaultStoreOf(cwd));
  assert.deepEqual(readdirSync(elsewhere), [], 'nothing written where they ran');
  // the help of every verb with a store prints that default
  assert.match(run(elsewhere, ['analyze', '--help'], data).out, new RegExp(defaultStoreOf(cwd).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
});

test('a ./netsentinel.db (the default store before) is named once on stderr when the default store is used, not read', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  writeFileSync(join(cwd, 'netsentinel.db'), '');
  const r = run(cwd, ['decisions', 'list', '--json']);
  assert.match(r.err, /^netsentinel: warning: \.\/netsentinel\.db is the store netsentinel used by default before; the default is now \S+netsentinel\.db .*Give --store netsentinel\.db to use the old one$/m);
  const named = run(cwd, ['decisions', 'list', '--json', '--store', 'other.db']);
  assert.doesNotMatch(named.err, /used by default before/);
});

test('an analyze output folder given as traffic: one line saying these are its outputs; flows beside them are read, the rest named on stderr', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const ok = run(cwd, ['analyze', join(root, 'samples', 'loopback', 'traffic.csv'), '-b', baseline, '-q', '--store', 'none', '-o', 'out']);
  assert.equal(ok.code, 0, ok.err);
  writeFileSync(join(cwd, 'out', 'blocked_ips.txt'), ''); // as respond leaves it when nothing was banned
  const again = run(cwd, ['analyze', 'out', '-b', baseline, '-q', '--store', 'none', '-o', 'out2']);
  assert.equal(again.code, 2, again.err);
  assert.equal(oneLine(again.err), "netsentinel: out: no flow files in this folder: blocked_ips.txt, flows_scored.csv, risky_ips.csv, risky_ips.txt are netsentinel's own outputs, not flow records; name the flows or captures that were analysed");
  writeFileSync(join(cwd, 'out', 'traffic.csv'), readFileSync(join(root, 'samples', 'loopback', 'traffic.csv')));
  writeFileSync(join(cwd, 'out', 'notes.txt'), '');
  const mixed = run(cwd, ['analyze', 'out', '-b', baseline, '-q', '--store', 'none', '-o', 'out2', '--json']);
  assert.equal(mixed.code, 0, mixed.err);
  const said = mixed.err.split('\n').filter((l) => l.startsWith('netsentinel: warning: skipped '));
  assert.deepEqual(said.sort(), [
    "netsentinel: warning: skipped out/blocked_ips.txt: netsentinel's own output, not flow records",
    "netsentinel: warning: skipped out/flows_scored.csv: netsentinel's own output, not flow records",
    'netsentinel: warning: skipped out/notes.txt: the file is empty',
    "netsentinel: warning: skipped out/risky_ips.csv: netsentinel's own output, not flow records",
    "netsentinel: warning: skipped out/risky_ips.txt: netsentinel's own output, not flow records",
  ]);
});

test('a model or baseline file given as traffic is named as what it is', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  for (const args of [['baseline', baseline, '-o', 'x.nsb'], ['analyze', baseline, '-b', baseline]]) {
    const r = run(cwd, [...args, '-q']);
    assert.equal(r.code, 2, r.err);
    assert.match(oneLine(r.err), /^netsentinel: .*b\.nsb: this is a netsentinel model or baseline file, not traffic \('netsentinel inspect .*b\.nsb' shows it\)/);
  }
  assert.deepEqual(readdirSync(cwd), []);
});

test('a text file that is no flow export: its one column counted in the singular', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  writeFileSync(join(cwd, 'notes.txt'), 'hello world\nthis is no flow file\n');
  const r = run(cwd, ['analyze', 'notes.txt', '-b', baseline, '-q']);
  assert.equal(r.code, 2);
  assert.match(oneLine(r.err), /notes\.txt: the baseline needs columns? ".*"( and \d+ more)?, which this input lacks \(it has 1 feature column, e\.g\. "hello world"\); fit a baseline on normal flows of this kind/);
});

test('a typo in a verb or a model name gets the name probably meant', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const verb = run(cwd, ['anlyze', 'x.csv']);
  assert.equal(verb.code, 2);
  assert.match(oneLine(verb.err), /^netsentinel: unknown verb "anlyze"; did you mean analyze\?; verbs: analyze, /);
  assert.doesNotMatch(run(cwd, ['zzzzzzz']).err, /did you mean/);
  assert.match(oneLine(run(cwd, ['report', 'out']).err), /^netsentinel: unknown verb "report"; the report is written by analyze \(report\.html in its --out folder/);
  writeFileSync(join(cwd, 'd.csv'), 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n');
  const model = run(cwd, ['train', 'd.csv', '--label', 'label', '--model', 'decisiontree', '-o', 'm.nsm', '-q']);
  assert.equal(model.code, 2);
  assert.match(oneLine(model.err), /^netsentinel: unknown model "decisiontree"; did you mean decision-tree\?; known models: /);
  assert.deepEqual(readdirSync(cwd), ['d.csv']);
});

test('predict and evaluate with DATA and MODEL swapped say the order', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  writeFileSync(join(cwd, 'd.csv'), 'a,b,label\n' + Array.from({ length: 40 }, (_, i) => `${i},${i % 7},${i % 2 ? 'x' : 'y'}`).join('\n') + '\n');
  const t = run(cwd, ['train', 'd.csv', '--label', 'label', '--model', 'decision-tree', '-o', 'm.nsm', '-q']);
  assert.equal(t.code, 0, t.err);
  for (const verb of ['predict', 'evaluate']) {
    const r = run(cwd, [verb, 'd.csv', 'm.nsm', '-q']);
    assert.equal(r.code, 2, r.err);
    assert.equal(oneLine(r.err), `netsentinel: ${verb}: the model file comes first: netsentinel ${verb} m.nsm d.csv (d.csv is not a model file; m.nsm is)`);
  }
  // no model among them: the plain message
  assert.match(oneLine(run(cwd, ['predict', 'd.csv', 'd.csv', '-q']).err), /^netsentinel: d\.csv is not a netsentinel model file/);
});

test('respond: a file instead of the analysis folder, and a store under a regular file, each one line', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  writeFileSync(join(cwd, 'notes.txt'), 'hello\n');
  const file = run(cwd, ['respond', 'notes.txt', '-q']);
  assert.equal(file.code, 2);
  assert.equal(oneLine(file.err), 'netsentinel: respond: notes.txt is a file; give the --out folder of a finished analyze (the folder holding summary.json)');
  mkdirSync(join(cwd, 'out'));
  writeFileSync(join(cwd, 'out', 'summary.json'), JSON.stringify({ riskyIps: [], findings: [] }));
  const store = run(cwd, ['respond', 'out', '--store', 'notes.txt/x.db', '-q']);
  assert.equal(store.code, 2, store.err);
  assert.match(oneLine(store.err), /^netsentinel: cannot open the \w+ database notes\.txt\/x\.db: ENOTDIR: .*notes\.txt is a file, not a folder$/);
});

test('config show checks every section it lists: a bad value is one line naming the file and key, exit 2', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  writeFileSync(join(cwd, 'intel.yaml'), 'intel:\n  timeoutSeconds: soon\n');
  writeFileSync(join(cwd, 'respond.yaml'), 'respond:\n  suppress: often\n');
  writeFileSync(join(cwd, 'good.yaml'), 'intel:\n  timeoutSeconds: 3\n');
  const intel = run(cwd, ['config', 'show', '--config', 'intel.yaml']);
  assert.equal(intel.code, 2);
  assert.equal(oneLine(intel.err), 'netsentinel: intel.yaml: intel.timeoutSeconds must be a number > 0, got "soon"');
  const respond = run(cwd, ['config', 'show', '--config', 'respond.yaml']);
  assert.equal(respond.code, 2);
  assert.match(oneLine(respond.err), /^netsentinel: respond\.yaml: respond\.suppress: "often" is not a duration/);
  const good = run(cwd, ['config', 'show', '--config', 'good.yaml']);
  assert.equal(good.code, 0, good.err);
  assert.match(good.out, /^intel\.timeoutSeconds\s+3\s+file: good\.yaml$/m);
  const folder = run(cwd, ['config', 'show', '--config', '.']);
  assert.equal(folder.code, 2);
  assert.match(oneLine(folder.err), /^netsentinel: cannot read the configuration .*: EISDIR: it is a folder, not a file$/);
});

test('baseline --json gives its times in seconds to the millisecond, as train does', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const r = run(cwd, ['baseline', normal, '-o', 'b.nsb', '--json', '-q', '--detectors', 'isolation-forest']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { seconds: number; detectors: { seconds: number }[] };
  for (const s of [doc.seconds, ...doc.detectors.map((d) => d.seconds)]) {
    assert.ok(Number.isFinite(s) && s >= 0);
    assert.equal(Math.round(s * 1000) / 1000, s, `${s} has more than three decimals`);
  }
});

test('--help says what --json prints: JSON lines for the verbs whose results are rows, one document elsewhere', () => {
  for (const verb of ['flows', 'predict']) {
    const h = run(base, [verb, '--help']);
    assert.equal(h.code, 0);
    assert.match(h.out, /^\s+--json\s+the \w+ as JSON lines on stdout or --output/m, verb);
    assert.doesNotMatch(h.out, /--json\s+print one JSON document/, verb);
  }
  assert.match(run(base, ['analyze', '--help']).out, /^\s+--json\s+print one JSON document on stdout instead of text$/m);
});

test('an empty pipe says no input arrived, not that a file is empty', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const env = { ...process.env };
  delete env.NETSENTINEL_STORE;
  const r = spawnSync(process.execPath, [main, 'flows', '-', '-o', 'f.csv'], { encoding: 'utf8', cwd, env, input: '' });
  assert.equal(r.status, 2, r.stderr);
  const line = oneLine(r.stderr);
  assert.match(line, /no input arrived/);
  assert.doesNotMatch(line, /file is empty/);
  assert.deepEqual(readdirSync(cwd), [], 'no output file');
});

test('a classifier trained on other flows than the baseline: said as that, not "this input lacks" a column the input has', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  // a classifier on columns of its own; the input has them, the (loopback, Zeek) baseline does not
  const rows = Array.from({ length: 60 }, (_, i) => `${i % 9},${(i * 7) % 11},${i % 2 ? 'attack' : 'normal'}`);
  writeFileSync(join(cwd, 'other.csv'), 'alpha,beta,label\n' + rows.join('\n') + '\n');
  const t = run(cwd, ['train', 'other.csv', '--label', 'label', '--model', 'decision-tree', '-o', 'other.nsm', '-q']);
  assert.equal(t.code, 0, t.err);
  const r = run(cwd, ['analyze', 'other.csv', '-b', baseline, '-m', 'other.nsm', '-o', 'out', '-q']);
  assert.equal(r.code, 2, r.err);
  const line = oneLine(r.err);
  assert.doesNotMatch(line, /this input lacks/);
  assert.match(line, /^netsentinel: the classifier \(--model\) needs columns "alpha" and "beta", which the baseline's flows lack: the classifier was trained on other\.csv, the baseline fitted on \S*normal\.csv; give a classifier and a baseline made from the same kind of flows$/);
  assert.deepEqual(readdirSync(cwd).sort(), ['other.csv', 'other.nsm']);
});

const kddAndCic = skipWithoutShared('datasets', 'nsl-kdd', 'KDDTest-21.txt') || skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv');
test('flows of another kind than the baseline (NSL-KDD against CIC-IDS2017): the baseline needs the columns, and says which kinds', { skip: kddAndCic }, () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const b = run(cwd, ['baseline', sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv')!, '--detectors', 'isolation-forest', '-o', 'cic.nsb', '-q']);
  assert.equal(b.code, 0, b.err);
  const r = run(cwd, ['analyze', sharedPath('datasets', 'nsl-kdd', 'KDDTest-21.txt')!, '-b', 'cic.nsb', '-o', 'out', '-q']);
  assert.equal(r.code, 2, r.err);
  assert.match(
    oneLine(r.err),
    /KDDTest-21\.txt: the baseline needs column "Dst Port" and \d+ more, which this input lacks \(it has 41 feature columns, e\.g\. "duration", .*\): the baseline was fitted on cicflowmeter flows, this input holds nsl-kdd flows; fit a baseline on normal flows of this kind/,
  );
  assert.deepEqual(readdirSync(cwd), ['cic.nsb']);
});

test('--test naming training data (the same file, a link, a file of the training folder) is refused: no evaluation of learned rows as "separate test data"', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const rows = Array.from({ length: 60 }, (_, i) => `${i % 9},${(i * 7) % 11},${i % 2 ? 'attack' : 'normal'}`);
  mkdirSync(join(cwd, 'data'));
  writeFileSync(join(cwd, 'data', 'a.csv'), 'alpha,beta,label\n' + rows.join('\n') + '\n');
  writeFileSync(join(cwd, 'data', 'b.csv'), 'alpha,beta,label\n' + rows.reverse().join('\n') + '\n');
  const label = ['--label', 'label', '-q'];
  const train = run(cwd, ['train', 'data/a.csv', '--test', 'data/a.csv', '--model', 'decision-tree', '-o', 'm.nsm', ...label]);
  assert.equal(train.code, 2, train.err);
  assert.equal(
    oneLine(train.err),
    'netsentinel: train: the test file data/a.csv is also training data: figures on rows the model learned say nothing about new traffic; ' +
      'give --test a file not among the training data, or hold part of the training data out with --split 0.25, or cross-validate with --cv 5',
  );
  const folder = run(cwd, ['compare', 'data', '--test', './data/../data/b.csv', '--models', 'decision-tree', ...label]);
  assert.equal(folder.code, 2, folder.err);
  assert.match(oneLine(folder.err), /^netsentinel: compare: the test file \.\/data\/\.\.\/data\/b\.csv is also training data \(as data\/b\.csv\): /);
  const search = run(cwd, ['search', 'data/*.csv', '--test', 'data/b.csv', '--model', 'decision-tree', '-g', 'max_depth=2,3', '-o', 's.nsm', ...label]);
  assert.equal(search.code, 2, search.err);
  assert.match(oneLine(search.err), /^netsentinel: search: the test file data\/b\.csv is also training data: /);
  assert.deepEqual(readdirSync(cwd), ['data']);
  // a separate file is taken
  const ok = run(cwd, ['train', 'data/a.csv', '--test', 'data/b.csv', '--model', 'decision-tree', '-o', 'm.nsm', ...label]);
  assert.equal(ok.code, 0, ok.err);
});

test('a baseline that does not exist is named a baseline, with how to make one', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const r = run(cwd, ['analyze', normal, '-b', 'office.nsb', '-q']);
  assert.equal(r.code, 2, r.err);
  assert.equal(oneLine(r.err), "netsentinel: baseline file office.nsb does not exist; make one from normal traffic with 'netsentinel baseline NORMAL-FLOWS -o office.nsb'");
  // a model file keeps its own word
  assert.equal(oneLine(run(cwd, ['predict', 'gbdt.nsm', normal, '-q']).err), 'netsentinel: model file gbdt.nsm does not exist');
  assert.deepEqual(readdirSync(cwd), []);
});

test('JSON where flow files go (flows --json output, a summary.json) is said as JSON, with what reads it; in a folder it is passed over', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  writeFileSync(join(cwd, 'flows.jsonl'), '{"Src IP": "10.0.0.1", "Dst Port": 22}\n{"Src IP": "10.0.0.2", "Dst Port": 80}\n');
  writeFileSync(join(cwd, 'summary.txt'), '{\n  "flows": 2,\n  "sources": 1\n}\n');
  const lines = run(cwd, ['analyze', 'flows.jsonl', '-b', baseline, '-q']);
  assert.equal(lines.code, 2, lines.err);
  assert.equal(
    oneLine(lines.err),
    'netsentinel: flows.jsonl: JSON lines, not a table of flows: files are read as CSV flow exports (NSL-KDD, CICFlowMeter, UNSW-NB15, any CSV with a header), ' +
      "Zeek conn.log (TSV or JSON) and packet captures; score JSON flows with 'netsentinel score -b BASELINE --flow-file FILE', or write flows as CSV ('netsentinel flows CAPTURE -o flows.csv')",
  );
  assert.match(oneLine(run(cwd, ['baseline', 'summary.txt', '-o', 'x.nsb', '-q']).err), /^netsentinel: summary\.txt: a JSON document, not a table of flows: /);
  // beside flows in a folder: one warning, the flows read
  mkdirSync(join(cwd, 'day'));
  writeFileSync(join(cwd, 'day', 'notes.txt'), '{"note": "exported by the SIEM"}\n');
  writeFileSync(join(cwd, 'day', 'conn.csv'), readFileSync(normal));
  const folder = run(cwd, ['analyze', 'day', '-b', baseline, '-o', 'out', '--store', 'none', '-q']);
  assert.equal(folder.code, 0, folder.err);
  assert.match(folder.err, /day\/notes\.txt.*a JSON document, not a table of flows/);
  // the JSON flows themselves are scored by `score`
  const score = run(cwd, ['score', '-b', baseline, '--flow-file', 'flows.jsonl', '-q']);
  assert.doesNotMatch(score.err, /not a table of flows/);
});

test('a baseline given to predict as its model says which verbs take it (predict has no --baseline)', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const r = run(cwd, ['predict', baseline, normal, '-q']);
  assert.equal(r.code, 2, r.err);
  assert.match(oneLine(r.err), /b\.nsb is a baseline \(detectors of normal traffic\), not a model: it judges traffic through analyze, score or stream --baseline \(-b\); a model comes from 'netsentinel train'$/);
});

test('a model trained on NSL-KDD given CIC-IDS2017 flows: predict and evaluate say which kinds differ', { skip: kddAndCic }, () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const t = run(cwd, ['train', sharedPath('datasets', 'nsl-kdd', 'KDDTest-21.txt')!, '--model', 'decision-tree', '-o', 'kdd.nsm', '-q']);
  assert.equal(t.code, 0, t.err);
  const cic = sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv')!;
  for (const verb of ['predict', 'evaluate']) {
    const r = run(cwd, [verb, 'kdd.nsm', cic, '-q']);
    assert.equal(r.code, 2, r.err);
    assert.match(
      r.err.trim().split('\n').at(-1)!,
      /BENIGN_2500\.csv: the model needs column "duration", which this input lacks \(it has \d+ feature columns, .*\): the model was trained on nsl-kdd flows, this input holds cicflowmeter flows; use a model trained on flows of this kind$/,
    );
  }
});

test('exit 1 from --fail-on / --fail-below says on stderr what reached the threshold; stdout stays the results', () => {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  const traffic = join(root, 'samples', 'loopback', 'traffic.csv');
  const a = run(cwd, ['analyze', traffic, '-b', baseline, '-o', 'out', '--store', 'none', '--fail-on', '0.9999', '--json', '-q']);
  assert.equal(a.code, 1, a.err);
  JSON.parse(a.out);
  assert.match(oneLine(a.err), /^netsentinel: 2 sources reach --fail-on 0\.9999 \(127\.0\.0\.\d+ risk 1\.000000, 127\.0\.0\.\d+ risk 1\.000000\): exit 1$/);
  // below the threshold: exit 0, nothing said
  const calm = run(cwd, ['analyze', normal, '-b', baseline, '-o', 'out2', '--store', 'none', '--fail-on', '1', '-q']);
  assert.equal(calm.code, 0, calm.err);
  assert.doesNotMatch(calm.err, /fail-on/);
  const rows = Array.from({ length: 60 }, (_, i) => `${i % 9},${(i * 7) % 11},${i % 3 ? 'attack' : 'normal'}`);
  writeFileSync(join(cwd, 'a.csv'), 'alpha,beta,label\n' + rows.join('\n') + '\n');
  writeFileSync(join(cwd, 'b.csv'), 'alpha,beta,label\n' + rows.map((r) => r.replace(/attack$|normal$/, (l) => (l === 'attack' ? 'normal' : 'attack'))).join('\n') + '\n');
  assert.equal(run(cwd, ['train', 'a.csv', '--label', 'label', '--model', 'decision-tree', '-o', 'm.nsm', '-q']).code, 0);
  const e = run(cwd, ['evaluate', 'm.nsm', 'b.csv', '--label', 'label', '--fail-below', '0.9', '-q']);
  assert.equal(e.code, 1, e.err);
  assert.match(oneLine(e.err), /^netsentinel: accuracy 0\.\d{4} is below --fail-below 0\.9: exit 1$/);
});
