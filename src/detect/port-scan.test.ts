import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowTable, probe, type FlowSpec } from './flow-fixtures.js';
import { createRuleEngine } from './run-rules.js';
import type { RulesConfigInput } from './rules-config.js';

const ONLY_SCANS: RulesConfigInput = {
  bruteForce: { enabled: false },
  flood: { enabled: false },
  spoofing: { enabled: false },
  ttlHops: { enabled: false },
};

function run(flows: FlowSpec[], cfg: RulesConfigInput = {}) {
  const engine = createRuleEngine({ ...ONLY_SCANS, ...cfg }, { geoip: null });
  engine.observe(flowTable(flows));
  return engine.finish();
}

test('vertical scan: 11 distinct ports within 60 s is a finding, with exact evidence', () => {
  const flows = Array.from({ length: 11 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 1000 + i, i * 5));
  const { findings } = run(flows);
  const scans = findings.filter((f) => f.ruleId === 'port-scan.vertical');
  assert.equal(scans.length, 1);
  const f = scans[0];
  assert.equal(f.srcIp, '10.1.1.1');
  assert.deepEqual(f.targets.ips, ['10.2.2.2']);
  assert.equal(f.targets.portCount, 11);
  assert.deepEqual([...f.targets.ports].sort((a, b) => a - b), Array.from({ length: 11 }, (_, i) => 1000 + i));
  assert.equal(f.count, 11);
  assert.equal(f.firstSeen, '2017-07-07T12:00:00.000Z');
  assert.equal(f.lastSeen, '2017-07-07T12:00:50.000Z');
  assert.equal(f.evidence.distinctPorts, 11);
  assert.equal(f.evidence.durationSeconds, 50);
  assert.equal(f.evidence.failedShare, 1);
  assert.equal(f.evidence.synShare, 1);
  assert.equal(f.evidence.rstShare, 1);
  assert.equal(f.evidence.threshold, 10);
  assert.deepEqual(f.rows, Array.from({ length: 11 }, (_, i) => i));
  assert.equal(f.severity, 2);
  assert.equal(f.category, 'reconnaissance');
  assert.match(f.reason, /10\.1\.1\.1 probed 11 distinct ports on 10\.2\.2\.2/);
});

test('vertical scan: exactly 10 ports is not a scan ("more than 10")', () => {
  const flows = Array.from({ length: 10 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 1000 + i, i));
  assert.equal(run(flows).findings.length, 0);
});

test('vertical scan: the same port again does not count twice', () => {
  const flows = Array.from({ length: 30 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 1000 + (i % 10), i));
  assert.equal(run(flows).findings.length, 0);
});

test('vertical scan: 11 ports spread so that no 60 s window holds more than 10 is not a scan', () => {
  // one port every 6.5 s: ports 0..9 fit in 58.5 s, port 10 comes 65 s after port 0
  const flows = Array.from({ length: 11 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 1000 + i, i * 6.5));
  assert.equal(run(flows).findings.length, 0);
  // window edge: the 11th port exactly 60 s after the first is still inside the window
  const edge = Array.from({ length: 11 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 1000 + i, i * 6));
  assert.equal(run(edge).findings.length, 1);
});

test('vertical scan: ports on different hosts do not add up', () => {
  const flows = Array.from({ length: 20 }, (_, i) => probe('10.1.1.1', `10.2.2.${i % 2}`, 1000 + Math.floor(i / 2), i));
  assert.equal(run(flows).findings.length, 0);
});

test('vertical scan: one finding per scan, a new one after a quiet window, flows in any order', () => {
  const first = Array.from({ length: 15 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 2000 + i, i));
  const second = Array.from({ length: 12 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 3000 + i, 500 + i));
  const shuffled = [...second, ...first].reverse();
  const scans = run(shuffled).findings;
  assert.equal(scans.length, 2);
  const [a, b] = [...scans].sort((x, y) => (x.firstSeen as string).localeCompare(y.firstSeen as string));
  assert.equal(a.targets.portCount, 15);
  assert.equal(b.targets.portCount, 12);
  assert.equal(b.firstSeen, '2017-07-07T12:08:20.000Z');
});

test('vertical scan: flows arriving in batches are one stream (rows numbered across batches)', () => {
  const flows = Array.from({ length: 12 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 1000 + i, i));
  const engine = createRuleEngine(ONLY_SCANS, { geoip: null });
  engine.observe(flowTable(flows.slice(0, 6)));
  engine.observe(flowTable(flows.slice(6)));
  const { findings } = engine.finish();
  assert.equal(findings.length, 1);
  assert.equal(findings[0].count, 12);
  assert.deepEqual(findings[0].rows, Array.from({ length: 12 }, (_, i) => i));
});

test('vertical scan: failedOnly counts only attempts without data', () => {
  const flows = Array.from({ length: 12 }, (_, i) => ({ ...probe('10.1.1.1', '10.2.2.2', 1000 + i, i), fwdBytes: i < 6 ? 0 : 500, bwdBytes: i < 6 ? 0 : 500, rst: 0 }));
  assert.equal(run(flows).findings.length, 1);
  assert.equal(run(flows, { portScan: { failedOnly: true } }).findings.length, 0);
});

test('vertical scan: ICMP flows (port 0 in CICFlowMeter) are not ports', () => {
  const flows = Array.from({ length: 12 }, (_, i) => ({ ...probe('10.1.1.1', '10.2.2.2', i, i), proto: 1 }));
  assert.equal(run(flows).findings.length, 0);
});

test('horizontal sweep: one port, more than 20 hosts, failed attempts only by default', () => {
  const sweep = Array.from({ length: 25 }, (_, i) => probe('10.1.1.1', `10.9.0.${i + 1}`, 445, i));
  const { findings } = run(sweep);
  const f = findings.find((x) => x.ruleId === 'port-scan.horizontal');
  assert.ok(f, 'sweep found');
  assert.equal(f.srcIp, '10.1.1.1');
  assert.equal(f.targets.ipCount, 25);
  assert.deepEqual(f.targets.ports, [445]);
  assert.equal(f.evidence.distinctHosts, 25);
  assert.equal(f.evidence.port, 445);
  assert.equal(f.evidence.protocol, 6);
  assert.equal(f.targets.ips.length, 20, 'host sample bounded by limits.sampleSize');
  assert.match(f.reason, /25 distinct hosts on TCP port 445/);
  // a browser fetching from 25 web servers (answered, with data) is not a sweep
  const browsing = Array.from({ length: 25 }, (_, i) => ({ src: '10.1.1.1', dst: `93.184.0.${i + 1}`, dport: 443, t: i, fwdBytes: 800, bwdBytes: 40000 }));
  assert.equal(run(browsing).findings.filter((x) => x.ruleId === 'port-scan.horizontal').length, 0);
});

test("port counts in the vertical scan reason are written with thousands separators, as the other findings' counts", () => {
  // a 1,000-port scan read "probed 1001 distinct ports" beside "1,000 half-open handshakes"
  const flows = Array.from({ length: 1001 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 1 + i, i * 0.01));
  const scan = run(flows).findings.find((f) => f.ruleId === 'port-scan.vertical');
  assert.match(scan?.reason ?? '', /^10\.1\.1\.1 probed 1,001 distinct ports on 10\.2\.2\.2 /);
});

test('a vertical scan whose attempts never opened with a SYN yet were reset says they were probes outside any connection (ACK, Window, Maimon scans)', () => {
  // nmap -sA: one bare ACK to each port, answered by a RST; and five ordinary connections among them
  const ack = Array.from({ length: 100 }, (_, i) => ({ ...probe('10.1.1.1', '10.2.2.2', 1 + i, i * 0.01), syn: 0 }));
  const talk = Array.from({ length: 5 }, (_, i) => ({ src: '10.1.1.1', dst: '10.2.2.2', dport: 8080, t: 0.5 + i, fwdPkts: 5, bwdPkts: 4, fwdBytes: 7, bwdBytes: 7, syn: 2, rst: 0 }));
  const scan = run([...ack, ...talk]).findings.find((f) => f.ruleId === 'port-scan.vertical');
  assert.ok(scan);
  assert.equal(scan.evidence.probesWithoutHandshake, true);
  assert.match(scan.reason, /; only 4\.8% opened with a SYN, and 95\.2% were answered by a reset: probes outside any connection, as an ACK, Window or Maimon scan \(nmap -sA, -sW, -sM/);
  // a SYN scan's attempts (a SYN each) and a UDP scan's (neither flag) are not
  for (const flows of [Array.from({ length: 40 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 1 + i, i * 0.01)), Array.from({ length: 40 }, (_, i) => ({ ...probe('10.1.1.1', '10.2.2.2', 1 + i, i * 0.01), proto: 17, syn: 0, rst: 0 }))]) {
    const other = run(flows).findings.find((f) => f.ruleId === 'port-scan.vertical');
    assert.ok(other);
    assert.equal(other.evidence.probesWithoutHandshake, undefined);
    assert.doesNotMatch(other.reason, /outside any connection/);
  }
});
