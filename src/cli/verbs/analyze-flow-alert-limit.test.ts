/**
 * `netsentinel analyze` with the per-source flow-alert limit (src/analysis/flow-alert-limit.ts),
 * as a user runs it: on by default (10 per source per 60 s), off with 0, set by flag or config
 * file; every risky flow written, suppressed or left out and the counts adding up, overall and per
 * source; said in the text, summary.json, the risky-source alerts and the report. On the CIC-IDS2017
 * port scan, every (source, minute) is checked against flows_scored.csv: its first 10 risky flows
 * in input order have an alert, the rest none.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../../testing/shared-data.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const traffic = join(root, 'samples', 'loopback', 'traffic.csv');
const dir = mkdtempSync(join(tmpdir(), 'ns-alert-limit-'));

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const json = (args: string[]): any => {
  const r = run([...args, '--json', '-q', '--threads', '1']);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
};
interface Eve {
  src_ip: string;
  timestamp: string;
  alert: { signature: string };
  netsentinel: Record<string, any>;
}
const eve = (folder: string): Eve[] =>
  readFileSync(join(dir, folder, 'alerts.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Eve);
const flowAlertsOf = (list: Eve[]): Eve[] => list.filter((a) => a.alert.signature.startsWith('netsentinel: risky flow'));

/** summary.json's alert counts add up: written + suppressed + left out = risky flows, overall and per risky source */
function assertAddsUp(s: any): void {
  const a = s.alerts;
  assert.equal(a.flowAlerts + a.flowAlertsSuppressed + (a.flowAlertsLeftOut ?? 0), s.riskyFlows, 'written + suppressed + left out = risky flows');
  assert.equal(a.written, a.flowAlerts + s.findings + s.riskyIps.length, 'every finding and risky source has its alert');
  for (const r of s.riskyIps) assert.equal(r.flowAlerts.written + r.flowAlerts.suppressed + r.flowAlerts.leftOut, r.riskyFlows, r.ip);
}

before(() => {
  const b = run(['baseline', join(root, 'samples', 'loopback', 'normal.csv'), '-o', 'loop.nsb', '-q', '--threads', '1']);
  assert.equal(b.code, 0, b.err);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the limit on the loopback sample: on by default, said in the text, summary.json, the source alerts and the report; 0 turns it off', () => {
  const on = json(['analyze', traffic, '-b', 'loop.nsb', '-o', 'on', '--store', 'on.db']);
  const off = json(['analyze', traffic, '-b', 'loop.nsb', '-o', 'off', '--store', 'none', '--flow-alerts-per-source', '0']);
  // off: every risky flow has its alert and nothing about a limit is said
  assert.equal(flowAlertsOf(eve('off')).length, off.riskyFlows);
  for (const k of ['flowAlerts', 'flowAlertsPerSource', 'flowAlertsSuppressed']) assert.equal(off.alerts[k], undefined, k);
  assert.equal(off.riskyIps[0].flowAlerts, undefined);
  // on: the scan (151 risky flows) and the brute force (40) in one minute each get 10 alerts
  assert.equal(on.riskyFlows, off.riskyFlows);
  assert.equal(on.alerts.flowAlertsPerSource, 10);
  assert.equal(on.alerts.flowAlertWindowSeconds, 60);
  const scanner = on.riskyIps.find((r: any) => r.ip === '127.0.0.66');
  assert.deepEqual(scanner.flowAlerts, { written: 10, suppressed: scanner.riskyFlows - 10, leftOut: 0 });
  assert.ok(scanner.riskyFlows > 100, `${scanner.riskyFlows} risky flows of the scanner`);
  assert.equal(on.alerts.suppressedSources, 2);
  assertAddsUp(on);
  const alerts = eve('on');
  assert.equal(flowAlertsOf(alerts).length, on.alerts.flowAlerts);
  assert.equal(flowAlertsOf(alerts).filter((a) => a.src_ip === '127.0.0.66').length, 10);
  assert.equal(alerts.length, on.alerts.written);
  assert.equal(on.alerts.stored, on.alerts.written, 'the store holds what alerts.jsonl holds');
  // the risky-source alert says how many of its flows were folded into it
  const src = alerts.find((a) => a.alert.signature === 'netsentinel: risky source' && a.src_ip === '127.0.0.66')!;
  assert.deepEqual(src.netsentinel.flowAlerts, scanner.flowAlerts);
  assert.equal(src.netsentinel.riskyFlows, scanner.riskyFlows);
  // the same in summary.json, the report and the text
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'on', 'summary.json'), 'utf8')).alerts, on.alerts);
  const html = readFileSync(join(dir, 'on', 'report.html'), 'utf8');
  assert.match(html, new RegExp(`Flow alerts limited per source.</b> ${on.alerts.flowAlertsSuppressed} of ${on.riskyFlows} risky flows \\(from 2 sources\\) were folded into per-source limits: at most 10 flow alerts per source per 60 s of flow time`));
  assert.match(html, new RegExp(`<td class="num">${scanner.riskyFlows}<br><span class="meta">10 alerted, ${scanner.riskyFlows - 10} folded</span>`));
  assert.doesNotMatch(readFileSync(join(dir, 'off', 'report.html'), 'utf8'), /Flow alerts limited|folded/);
  const text = run(['analyze', traffic, '-b', 'loop.nsb', '-o', 'text', '--store', 'none', '--no-report', '-q', '--threads', '1']);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, new RegExp(`^ {2}${on.alerts.flowAlertsSuppressed} of ${on.riskyFlows} risky flows folded into per-source limits \\(10 flow alerts per source per 60 s, reached by 2 sources; --flow-alerts-per-source, --flow-alert-window; 0 = no limit\\)`, 'm'));
  assert.doesNotMatch(text.err, /warning/, 'folding is the intended behaviour, not a warning');
  // flows_scored.csv lists every flow with its risk and reasons, limit or not
  assert.equal(readFileSync(join(dir, 'on', 'flows_scored.csv'), 'utf8'), readFileSync(join(dir, 'off', 'flows_scored.csv'), 'utf8'));
});

test('the limit from flags and the config file, with the cap behind it; bad values named', () => {
  const flags = json(['analyze', traffic, '-b', 'loop.nsb', '-o', 'three', '--store', 'none', '--no-report', '--flow-alerts-per-source', '3', '--flow-alert-window', '0']);
  assert.equal(flags.alerts.flowAlertsPerSource, 3);
  assert.equal(flags.alerts.flowAlertWindowSeconds, 0);
  for (const r of flags.riskyIps) assert.ok(r.flowAlerts.written <= 3, r.ip);
  assertAddsUp(flags);
  writeFileSync(join(dir, 'limit.yaml'), 'alerts:\n  flowAlertsPerSource: 4\n  flowAlertWindowSeconds: 30\n');
  const cfg = json(['analyze', traffic, '-b', 'loop.nsb', '-o', 'cfg', '--store', 'none', '--no-report', '-c', 'limit.yaml']);
  assert.equal(cfg.alerts.flowAlertsPerSource, 4);
  assert.equal(cfg.alerts.flowAlertWindowSeconds, 30);
  assertAddsUp(cfg);
  // a flag wins over the file
  const flagWins = json(['analyze', traffic, '-b', 'loop.nsb', '-o', 'cfg2', '--store', 'none', '--no-report', '-c', 'limit.yaml', '--flow-alerts-per-source', '0']);
  assert.equal(flagWins.alerts.flowAlertsPerSource, undefined);
  assert.equal(flagWins.alerts.written, flagWins.riskyFlows + flagWins.findings + flagWins.riskyIps.length);

  // the cap counts only what the limit let through, and says so
  const both = run(['analyze', traffic, '-b', 'loop.nsb', '-o', 'both', '--store', 'none', '--json', '-q', '--threads', '1', '--max-flow-alerts', '15']);
  assert.equal(both.code, 0, both.err);
  const b = JSON.parse(both.out);
  assert.equal(b.alerts.flowAlerts, 15);
  assert.equal(b.alerts.maxFlowAlerts, 15);
  const through = b.riskyFlows - b.alerts.flowAlertsSuppressed;
  assert.equal(b.alerts.flowAlertsLeftOut, through - 15);
  assert.ok(b.alerts.flowAlertsLeftOut > 0);
  assertAddsUp(b);
  assert.match(both.err, new RegExp(`warning: ${b.alerts.flowAlertsLeftOut} of ${through} risky flows within the per-source limits got no alert: the cap of 15 flow alerts`));
  assert.match(readFileSync(join(dir, 'both', 'report.html'), 'utf8'), new RegExp(`Flow alerts capped.</b> ${b.alerts.flowAlertsLeftOut} of the ${through} risky flows within the per-source limits got no alert`));

  for (const [yaml, msg] of [
    ['alerts:\n  flowAlertsPerSource: -1\n', /bad\.yaml: alerts\.flowAlertsPerSource must be a whole number ≥ 0 \(0 = no limit\), got -1/],
    ['alerts:\n  flowAlertWindowSeconds: 1.5\n', /bad\.yaml: alerts\.flowAlertWindowSeconds must be a whole number ≥ 0 \(0 = the whole run\), got 1\.5/],
    ['alerts:\n  flowAlertsPerSrc: 3\n', /bad\.yaml: unknown key "alerts\.flowAlertsPerSrc" \(known: alerts\.maxFlowAlerts, alerts\.flowAlertsPerSource, alerts\.flowAlertsPerTarget, alerts\.flowAlertWindowSeconds\)/],
  ] as const) {
    writeFileSync(join(dir, 'bad.yaml'), yaml);
    const bad = run(['analyze', traffic, '-b', 'loop.nsb', '-o', 'bad', '--store', 'none', '-c', 'bad.yaml']);
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, msg);
    assert.doesNotMatch(bad.err, /\n\s+at /, 'no stack trace');
  }
  const badFlag = run(['analyze', traffic, '-b', 'loop.nsb', '-o', 'bad', '--store', 'none', '--flow-alerts-per-source', '-2']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.err, /--flow-alerts-per-source/);
});

const CIC = ['datasets', 'cicids2017-sample'] as const;

test('CIC-IDS2017 port scan against a BENIGN baseline: 10 alerts per source-minute instead of one per flow, exactly the first 10 of each minute in input order', { skip: skipWithoutShared(...CIC, 'Portscan_2500.csv'), timeout: 300_000 }, () => {
  const benign = sharedPath(...CIC, 'BENIGN_2500.csv')!;
  const scan = sharedPath(...CIC, 'Portscan_2500.csv')!;
  const b = run(['baseline', benign, '-o', 'cic.nsb', '-q', '--threads', '1']);
  assert.equal(b.code, 0, b.err);
  const on = json(['analyze', scan, '-b', 'cic.nsb', '-o', 'cic-on', '--store', 'none']);
  const off = json(['analyze', scan, '-b', 'cic.nsb', '-o', 'cic-off', '--store', 'none', '--flow-alerts-per-source', '0']);
  // without the limit: one alert per risky flow (the seed's behaviour)
  assert.ok(off.riskyFlows > 2000, `${off.riskyFlows} risky flows`);
  assert.equal(flowAlertsOf(eve('cic-off')).length, off.riskyFlows);
  assert.equal(off.alerts.written, off.riskyFlows + off.findings + off.riskyIps.length);
  // with it: the scanner's flows fold into 10 a minute; findings and risky sources all kept
  assert.equal(on.riskyFlows, off.riskyFlows);
  assert.equal(on.findings, off.findings);
  assert.deepEqual(on.riskyIps.map((r: any) => r.ip), off.riskyIps.map((r: any) => r.ip));
  assertAddsUp(on);
  assert.equal(on.alerts.flowAlertsLeftOut, undefined);
  assert.ok(on.alerts.written * 10 < off.alerts.written, `${on.alerts.written} alerts instead of ${off.alerts.written}`);

  // the rule, checked flow by flow from flows_scored.csv (every flow, in input order, with its time and risk)
  const [head, ...rows] = readFileSync(join(dir, 'cic-on', 'flows_scored.csv'), 'utf8').trim().split('\n');
  const col = (name: string): number => head.split(',').indexOf(name);
  const [iLine, iTime, iSrc, iRisk] = [col('line'), col('time'), col('src_ip'), col('risk')];
  const expected = new Set<string>();
  const perWindow = new Map<string, number>();
  let windowsOverLimit = 0;
  for (const row of rows) {
    const c = row.split(',');
    if (!(Number(c[iRisk]) >= on.thresholds.flow)) continue;
    const key = `${c[iSrc]} ${Math.floor(Date.parse(c[iTime]) / 60_000)}`;
    const n = (perWindow.get(key) ?? 0) + 1;
    perWindow.set(key, n);
    if (n <= 10) expected.add(c[iLine]);
    if (n === 11) windowsOverLimit++;
  }
  assert.ok(windowsOverLimit >= 5, `${windowsOverLimit} source-minutes over the limit`);
  const alerted = flowAlertsOf(eve('cic-on'));
  assert.deepEqual(alerted.map((a) => String(a.netsentinel.line)).sort(), [...expected].sort());
  assert.equal(alerted.length, on.alerts.flowAlerts);
  assert.equal(on.riskyFlows - expected.size, on.alerts.flowAlertsSuppressed);
  assert.equal(readFileSync(join(dir, 'cic-on', 'flows_scored.csv'), 'utf8'), readFileSync(join(dir, 'cic-off', 'flows_scored.csv'), 'utf8'), 'every flow still listed, with its risk and reasons');

  // batch boundaries change nothing: the same flow alerts, byte for byte, from batches of 7 rows. (With rule evidence in
  // the risk, a flow's risk itself depends on the batch it is in: the rules' p is that of its source as of the batch's
  // end. So this compares the detectors' risk alone, at a lower threshold where the scanner's flows are risky.)
  writeFileSync(join(dir, 'norules.yaml'), 'weights:\n  rules: 0\n');
  const flowLines = (folder: string): string[] => readFileSync(join(dir, folder, 'alerts.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"netsentinel: risky flow'));
  const whole = json(['analyze', scan, '-b', 'cic.nsb', '-o', 'cic-whole', '--store', 'none', '--no-report', '-c', 'norules.yaml', '--flow-threshold', '0.95']);
  const small = json(['analyze', scan, '-b', 'cic.nsb', '-o', 'cic-small', '--store', 'none', '--no-report', '-c', 'norules.yaml', '--flow-threshold', '0.95', '--batch-rows', '7']);
  assert.equal(readFileSync(join(dir, 'cic-small', 'flows_scored.csv'), 'utf8'), readFileSync(join(dir, 'cic-whole', 'flows_scored.csv'), 'utf8'), 'the same risks');
  assert.ok(whole.alerts.flowAlertsSuppressed > 1000, `${whole.alerts.flowAlertsSuppressed} suppressed`);
  assert.equal(small.alerts.flowAlertsSuppressed, whole.alerts.flowAlertsSuppressed);
  assert.deepEqual(flowLines('cic-small'), flowLines('cic-whole'));
  assert.equal(flowLines('cic-whole').length, whole.alerts.flowAlerts);
});
