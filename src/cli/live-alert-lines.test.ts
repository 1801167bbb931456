// What `capture` prints for a finding: an "opened" line when its threshold is crossed (text, or a
// finding_opened record with --json, so alert counters count it once) and its closing alert line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../detect/finding.js';
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
  assert.deepEqual(lines.counts, { flows: 0, findings: 1, sources: 0, opened: 1 });
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
