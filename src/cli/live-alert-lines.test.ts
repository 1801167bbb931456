// What `capture` prints for a finding: an "opened" line when its threshold is crossed (text, or a
// finding_opened record with --json, so alert counters count it once) and its closing alert line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../detect/finding.js';
import { floodSendersAlertInput, makeAlert } from '../analysis/alerts.js';
import type { IpRow } from '../report/analysis-result.js';
import { liveAlertLines } from './live-alert-lines.js';

const scan = (targets: number): Finding => ({
  ruleId: 'packet.syn-scan',
  title: 'SYN scan (handshakes never completed)',
  category: 'reconnaissance',
  severity: 2,
  srcIp: '10.0.0.2',
  targets: { ips: ['10.0.0.1'], ipCount: 1, ports: [1, 2], portCount: targets, countsCapped: false },
  firstSeen: '2026-12-03T18:00:00.000Z',
  lastSeen: '2026-12-03T18:00:01.000Z',
  count: targets,
  evidence: { halfOpenTargets: targets },
  rows: [],
  reason: `10.0.0.2 sent SYNs to ${targets} (host, port) targets`,
});

test('text: "opened:" when the threshold is crossed, then the closing line; each counted', () => {
  const out: string[] = [];
  const lines = liveAlertLines((l) => out.push(l), false, false);
  lines.onOpened([scan(21)]);
  lines.onFindings([scan(150)]);
  assert.equal(out.length, 2);
  assert.match(out[0], /^2026-12-03T18:00:00\.000000\+0000 {2}severity 2 {2}opened: SYN scan \(handshakes never completed\) {2}10\.0\.0\.2 → 10\.0\.0\.1 .*- 10\.0\.0\.2 sent SYNs to 21 /);
  assert.match(out[1], /^2026-12-03T18:00:00\.000000\+0000 {2}severity 2 {2}SYN scan \(handshakes never completed\) {2}10\.0\.0\.2 → 10\.0\.0\.1 .*- 10\.0\.0\.2 sent SYNs to 150 /);
  assert.deepEqual(lines.counts, { flows: 0, findings: 1, sources: 0, opened: 1, folded: 0 });
});

test('--json: the opened record is event_type finding_opened; the closing one is the alert', () => {
  const out: string[] = [];
  const lines = liveAlertLines((l) => out.push(l), true, false);
  lines.onOpened([scan(21)]);
  lines.onFindings([scan(150)]);
  const [opened, closed] = out.map((l) => JSON.parse(l) as { event_type: string; src_ip: string; netsentinel: { rule: string; evidence: { halfOpenTargets: number } } });
  assert.equal(opened.event_type, 'finding_opened');
  assert.equal(opened.netsentinel.evidence.halfOpenTargets, 21);
  assert.equal(closed.event_type, 'alert');
  assert.equal(closed.netsentinel.evidence.halfOpenTargets, 150);
  assert.equal(opened.src_ip, '10.0.0.2');
});

const bogon = (i: number, target = '10.0.0.5'): Finding => ({
  ruleId: 'spoofing.bogon-source',
  title: 'Source address that cannot be on a wire',
  category: 'spoofing',
  severity: 2,
  srcIp: `240.0.${i >> 8}.${i & 255}`,
  targets: { ips: [target], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
  firstSeen: '2026-12-03T18:00:00.000Z',
  lastSeen: '2026-12-03T18:00:00.000Z',
  count: 1,
  evidence: { range: 'reserved (240.0.0.0/4)' },
  rows: [],
  reason: `240.0.${i >> 8}.${i & 255} is reserved`,
});

test('a flood from forged sources: the first 20 bogon sources towards a host printed, one line for the rest, then only other hosts\' and rules\' findings', () => {
  const out: string[] = [];
  const lines = liveAlertLines((l) => out.push(l), false, false);
  lines.onOpened(Array.from({ length: 1000 }, (_, i) => bogon(i)));
  assert.equal(out.length, 21, 'twenty openings and the line saying the rest are folded');
  assert.match(out[20], /^more than 20 sources that cannot be on a wire towards 10\.0\.0\.5 \(forged addresses, a flood from random sources\): the rest are folded into one finding at the end$/);
  // their episodes close: the first twenty close as they opened, the rest stay folded
  lines.onFindings(Array.from({ length: 1000 }, (_, i) => bogon(i)));
  assert.equal(out.length, 41);
  // another host, and another rule, are printed as before
  lines.onOpened([bogon(5, '10.0.0.6'), scan(30)]);
  assert.equal(out.length, 43);
  assert.deepEqual(lines.counts, { flows: 0, findings: 20, sources: 0, opened: 22, folded: 1960 });
  // --json prints no extra line: only EVE records
  const js: string[] = [];
  const j = liveAlertLines((l) => js.push(l), true, false);
  j.onOpened(Array.from({ length: 30 }, (_, i) => bogon(i)));
  assert.equal(js.length, 20);
  for (const l of js) assert.equal(JSON.parse(l).event_type, 'finding_opened');
});

test("risky sources: a window's alerts printed as they come; the end's whole-capture ones not again; a flood's folded senders alert is a source line", () => {
  const out: string[] = [];
  const lines = liveAlertLines((l) => out.push(l), false, false, true);
  const source = (ip: string, t: string) => makeAlert({ timeMs: Date.parse(t), srcIp: ip, srcPort: null, destIp: null, destPort: null, proto: null, signature: 'netsentinel: risky source', source: 'risk:ip', category: 'Anomalous traffic', severity: 1, netsentinel: { risk: 0.999, reasons: ['201 of 201 flows above the flow risk threshold'] } }, '', 0);
  const sender = (ip: string): IpRow => ({ ip, risk: 0.995, flows: 1, peakFlowRisk: 0.995, meanFlowRisk: 0.995, riskyFlows: 1, decidedBy: 'peak', detectorsFired: {}, attackClasses: {}, rules: [], firstSeen: '2026-12-03T18:00:00.000Z', lastSeen: '2026-12-03T18:00:00.000Z', reasons: ['a forged sender'], floodSender: true });
  const folded = makeAlert(floodSendersAlertInput('10.0.0.1', [sender('203.0.113.1'), sender('203.0.113.2')], 10), '', 0);
  const windowed = source('10.0.0.2', '2026-12-03T18:00:00Z');
  (windowed.input.netsentinel as Record<string, unknown>).window = { start: '2026-12-03T18:00:00.000Z', seconds: 300 };
  lines.onSourceAlerts([windowed, folded]);
  assert.equal(out.length, 2, out.join('\n'));
  assert.match(out[0], /risky source in the 300 s from 18:00:00 {2}10\.0\.0\.2 {2}risk 0\.999/);
  assert.match(out[1], /10\.0\.0\.1/, 'the flooded host named');
  // the end: analyze's risky sources over the whole capture (for -o and the store) are not printed again
  void lines.sink.alerts!([source('10.0.0.2', '2026-12-03T17:00:00Z')]);
  assert.equal(out.length, 2);
  assert.deepEqual(lines.counts, { flows: 0, findings: 0, sources: 2, opened: 0, folded: 0 });
  // without windows (--source-window 0) the end's are the ones printed, the folded one too (it was counted as a flow and not shown)
  const end: string[] = [];
  const atEnd = liveAlertLines((l) => end.push(l), false, false);
  void atEnd.sink.alerts!([source('10.0.0.2', '2026-12-03T17:00:00Z'), folded]);
  assert.equal(end.length, 2, end.join('\n'));
  assert.equal(atEnd.counts.sources, 2);
});
