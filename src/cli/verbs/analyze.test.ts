/**
 * `netsentinel analyze` as a user runs it (real processes, files, exit codes) for what issue 9
 * asked of it: the flow-alert cap stated wherever it bites, outputs that are whole or absent,
 * signals, and one store run per analysis.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const sample = join(root, 'samples', 'loopback');
const dir = mkdtempSync(join(tmpdir(), 'ns-analyze-'));

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

before(() => {
  const b = run(['baseline', join(sample, 'normal.csv'), '-o', 'loop.nsb', '-q', '--threads', '1']);
  assert.equal(b.code, 0, b.err);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the flow-alert cap: stated in the summary, on stderr (even with -q), in the text and the report; findings and sources never dropped', () => {
  const full = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'full', '--store', 'none', '--json', '-q', '--threads', '1']);
  assert.equal(full.code, 0, full.err);
  const f = JSON.parse(full.out);
  assert.ok(f.riskyFlows > 5, `the sample should have risky flows (${f.riskyFlows})`);
  assert.equal(f.alerts.flowAlertsLeftOut, undefined, 'nothing left out under the default cap');
  assert.doesNotMatch(full.err, /got no alert/);

  const capped = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'capped', '--store', 'cap.db', '--json', '-q', '--threads', '1', '--max-flow-alerts', '3']);
  assert.equal(capped.code, 0, capped.err);
  const c = JSON.parse(capped.out);
  assert.equal(c.alerts.maxFlowAlerts, 3);
  assert.equal(c.alerts.flowAlertsLeftOut, f.riskyFlows - 3);
  assert.match(capped.err, new RegExp(`warning: ${c.alerts.flowAlertsLeftOut} of ${f.riskyFlows} risky flows got no alert: the cap of 3 flow alerts`));
  const lines = readFileSync(join(dir, 'capped', 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const by = (src: string): number => lines.filter((a) => a.netsentinel.rule === undefined && a.alert.signature.startsWith(src)).length;
  assert.equal(by('netsentinel: risky flow'), 3);
  assert.equal(lines.filter((a) => a.netsentinel.rule !== undefined).length, c.findings, 'every finding has its alert');
  assert.equal(by('netsentinel: risky source'), c.riskyIps.length, 'every risky source has its alert');
  assert.equal(c.alerts.written, 3 + c.findings + c.riskyIps.length);
  assert.equal(c.alerts.stored, c.alerts.written);
  const summary = JSON.parse(readFileSync(join(dir, 'capped', 'summary.json'), 'utf8'));
  assert.equal(summary.alerts.flowAlertsLeftOut, c.alerts.flowAlertsLeftOut);
  assert.match(readFileSync(join(dir, 'capped', 'report.html'), 'utf8'), new RegExp(`Flow alerts capped.</b> ${c.alerts.flowAlertsLeftOut} of ${f.riskyFlows} risky flows got no alert`));

  const text = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'capped-text', '--store', 'none', '--no-report', '-q', '--threads', '1', '--max-flow-alerts', '3']);
  assert.match(text.out, /risky flows got no alert: the cap of 3 flow alerts/);

  // from the configuration file, and 0 = no cap
  writeFileSync(join(dir, 'cap.yaml'), 'alerts:\n  maxFlowAlerts: 2\n');
  const cfg = JSON.parse(run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'cfg', '--store', 'none', '--no-report', '--json', '-q', '--threads', '1', '-c', 'cap.yaml']).out);
  assert.equal(cfg.alerts.flowAlertsLeftOut, f.riskyFlows - 2);
  const none = JSON.parse(run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'nocap', '--store', 'none', '--no-report', '--json', '-q', '--threads', '1', '-c', 'cap.yaml', '--max-flow-alerts', '0']).out);
  assert.equal(none.alerts.flowAlertsLeftOut, undefined);
  assert.equal(none.alerts.written, f.alerts.written);
  writeFileSync(join(dir, 'bad.yaml'), 'alerts:\n  maxFlowAlerts: -4\n');
  const bad = run(['analyze', join(sample, 'traffic.csv'), '-b', 'loop.nsb', '-o', 'bad', '--store', 'none', '-c', 'bad.yaml']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /bad\.yaml: alerts\.maxFlowAlerts must be a whole number ≥ 0/);
});
