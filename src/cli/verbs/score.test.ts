/**
 * `netsentinel score` as seed 002's `traffic anomaly|normal` and `ids attack|benign`: a flow as
 * JSON, JSON lines on stdin or --field flags, judged by a baseline (the shipped loopback sample's
 * normal traffic) and by a classifier trained here on a small labelled CSV; bad input as one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../util/rng.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'ns-score-'));

function run(args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: dir, encoding: 'utf8', input, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const normalFlow = { ts: '2026-11-21T06:57:53.619Z', uid: 'C1', 'id.orig_h': '127.0.0.10', 'id.orig_p': 54530, 'id.resp_h': '127.0.0.1', 'id.resp_p': 18053, proto: 'udp', service: 'dns', duration: 0.001, orig_bytes: 46, resp_bytes: 187, conn_state: 'SF' };
const scanFlow = { ...normalFlow, 'id.orig_h': '127.0.0.66', 'id.resp_p': 22, proto: 'tcp', service: 'ssh', duration: 0, orig_bytes: 0, resp_bytes: 0, conn_state: 'REJ' };

test('traffic: a baseline calls a flow anomaly or normal, with reasons; JSON lines on stdin; --fail-on', () => {
  const b = run(['baseline', join(root, 'samples', 'loopback', 'normal.csv'), '-o', 'office.nsb', '-q']);
  assert.equal(b.code, 0, b.err);
  const n = run(['score', '-b', 'office.nsb', '--flow', JSON.stringify(normalFlow), '--json']);
  assert.equal(n.code, 0, n.err);
  const nv = JSON.parse(n.out);
  assert.equal(nv.verdict, 'normal');
  assert.ok(nv.risk < 0.95, `risk ${nv.risk}`);
  assert.deepEqual(Object.keys(nv.detectors), ['isolation-forest', 'autoencoder', 'one-class-svm']);
  const a = run(['score', '-b', 'office.nsb', '--flow', JSON.stringify(scanFlow)]);
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /^ANOMALY {2}risk 0\.99\d+ \(anomaly at ≥ 0\.95\)/);
  assert.match(a.out, /conn_state "REJ" never seen in the baseline/);
  // both at once, as JSON lines on stdin
  const s = run(['score', '-b', 'office.nsb', '--json'], `${JSON.stringify(normalFlow)}\n${JSON.stringify(scanFlow)}\n`);
  assert.equal(s.code, 0, s.err);
  assert.deepEqual(JSON.parse(s.out).map((x: { verdict: string }) => x.verdict), ['normal', 'anomaly']);
  // the same flow as --field flags
  const f = run(['score', '-b', 'office.nsb', ...Object.entries(scanFlow).flatMap(([k, v]) => ['--field', `${k}=${v}`]), '--json']);
  assert.equal(JSON.parse(f.out).verdict, 'anomaly');
  const failed = run(['score', '-b', 'office.nsb', '--flow', JSON.stringify(scanFlow), '--fail-on', '0.99']);
  assert.equal(failed.code, 1);
  assert.match(failed.err, /^netsentinel: 1 flow reaches --fail-on 0\.99 \(flow 1 risk 0\.\d{6}\): exit 1$/m);
  assert.equal(run(['score', '-b', 'office.nsb', '--flow', JSON.stringify(normalFlow), '--fail-on', '0.99']).code, 0);
  // seed 002's ANOMALY_THRESHOLD was an MSE: refused with why, not silently used as a risk
  const seed = run(['score', '-b', 'office.nsb', '--flow', JSON.stringify(normalFlow)], undefined, { ANOMALY_THRESHOLD: '0.00076731' });
  assert.equal(seed.code, 2);
  assert.match(seed.err, /ANOMALY_THRESHOLD=0\.00076731: seed 002's ANOMALY_THRESHOLD was an autoencoder reconstruction error/);
  assert.equal(JSON.parse(run(['score', '-b', 'office.nsb', '--flow', JSON.stringify(normalFlow), '--json'], undefined, { ANOMALY_THRESHOLD: '0.5' }).out).verdict, 'anomaly');
});

test('ids: a classifier calls a flow attack or benign; with a baseline it joins the risk', () => {
  const rng = new Rng(7);
  const rows = ['port,bytes,duration,packets,label'];
  for (let i = 0; i < 600; i++) {
    const attack = i % 3 === 0;
    rows.push(attack ? `22,${Math.round(rng.next() * 40)},${(rng.next() * 0.01).toFixed(4)},${1 + Math.floor(rng.next() * 2)},attack` : `443,${2000 + Math.round(rng.next() * 8000)},${(0.5 + rng.next() * 5).toFixed(3)},${10 + Math.floor(rng.next() * 30)},normal`);
  }
  writeFileSync(join(dir, 'labelled.csv'), rows.join('\n') + '\n');
  const t = run(['train', 'labelled.csv', '--label', 'label', '--model', 'random-forest', '--param', 'n_estimators=20', '-o', 'ids.nsm', '-q']);
  assert.equal(t.code, 0, t.err);
  const atk = run(['score', '-m', 'ids.nsm', '--flow', '{"port": 22, "bytes": 12, "duration": 0.002, "packets": 1}', '--json']);
  assert.equal(atk.code, 0, atk.err);
  const av = JSON.parse(atk.out);
  assert.equal(av.verdict, 'attack');
  assert.equal(av.classifier.class, 'attack');
  assert.ok(av.classifier.probability > 0.8);
  const ben = run(['score', '-m', 'ids.nsm', '--flow', '{"port": 443, "bytes": 5000, "duration": 2.5, "packets": 20}']);
  assert.match(ben.out, /^BENIGN\n {2}classifier: benign \(normal, p /);
  // baseline of the normal rows + the classifier: anomaly and attack together
  writeFileSync(join(dir, 'normal.csv'), [rows[0], ...rows.slice(1).filter((r) => r.endsWith('normal'))].join('\n') + '\n');
  const b = run(['baseline', 'normal.csv', '--label', 'label', '-o', 'n.nsb', '-q']);
  assert.equal(b.code, 0, b.err);
  const both = JSON.parse(run(['score', '-b', 'n.nsb', '-m', 'ids.nsm', '--flow', '{"port": 22, "bytes": 12, "duration": 0.002, "packets": 1, "label": ""}', '--json']).out);
  assert.equal(both.verdict, 'anomaly');
  assert.equal(both.classifier.attack, true);
});

test('bad input: one line naming the flow, the key or the missing column', () => {
  const bad = run(['score', '-b', 'office.nsb', '--flow', '{"port": 22,']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^netsentinel: --flow: not valid JSON: /);
  assert.equal(bad.err.trim().split('\n').length, 1);
  assert.match(run(['score', '-b', 'office.nsb', '--flow', '{"port": {"x": 1}}']).err, /--flow: flow 1, key "port": a value must be a number, string, boolean or null, got an object/);
  assert.match(run(['score', '-b', 'office.nsb', '--flow', '{"proto": "tcp"}']).err, /^netsentinel: --flow: the baseline needs columns? "/);
  assert.match(run(['score', '--flow', '{}']).err, /give a baseline \(-b, for anomaly \| normal\) or a classifier/);
  assert.match(run(['score', '-b', 'office.nsb', '--flow-file', 'missing.json']).err, /cannot read missing\.json: no such file/);
});
