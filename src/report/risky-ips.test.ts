import { test } from 'node:test';
import assert from 'node:assert/strict';
import { riskyIpsCsv, riskyIpsCsvBytes, riskyIpsTxt } from './risky-ips.js';
import type { IpRow } from './analysis-result.js';
import type { Finding } from '../detect/finding.js';
import { groupFindings } from './finding-groups.js';
import { ipRow } from '../testing/ip-rows.js';

const row = (ip: string, more: Partial<IpRow>): IpRow => ipRow(ip, more);

const finding = (srcIp: string, target: string, reason: string, at: string): Finding => ({
  ruleId: 'port-scan.vertical',
  title: 'Vertical port scan',
  category: 'reconnaissance',
  severity: 2,
  srcIp,
  targets: { ips: [target], ipCount: 1, ports: [22, 80], portCount: 2, countsCapped: false },
  firstSeen: at,
  lastSeen: at,
  count: 2,
  evidence: {},
  rows: [],
  reason,
});

test('risky_ips.csv: one line per row, cells quoted when they must be, findings grouped by rule before the other reasons', () => {
  const findings = [
    finding('10.0.0.1', '10.0.0.9', 'scan of 10.0.0.9', '2024-03-01T10:00:00.000Z'),
    finding('10.0.0.1', '10.0.0.8', 'scan of 10.0.0.8', '2024-03-01T10:05:00.000Z'),
  ];
  const rows = [
    row('10.0.0.1', {
      rules: ['port-scan.vertical'],
      detectorsFired: { autoencoder: 2, 'isolation-forest': 1 },
      attackClasses: { PortScan: 2 },
      firstSeen: '2024-03-01T10:00:00.000Z',
      lastSeen: '2024-03-01T10:05:00.000Z',
      reasons: ['scan of 10.0.0.9', 'scan of 10.0.0.8', 'said "hi", twice'],
    }),
    row('2001:db8::1', { risk: 0.99, riskyFlows: 1, decidedBy: 'peak', reasons: ['one', 'two'] }),
  ];
  assert.equal(
    riskyIpsCsv(rows, findings),
    'ip,risk,flows,risky_flows,peak_flow_risk,mean_flow_risk,decided_by,rules,detectors_fired,attack_classes,first_seen,last_seen,reasons\n' +
      '10.0.0.1,0.999988,3,0,0.500000,0.333333,combined,port-scan.vertical,autoencoder:2 isolation-forest:1,PortScan:2,2024-03-01T10:00:00.000Z,2024-03-01T10:05:00.000Z,' +
      '"Vertical port scan ×2: 2 target hosts, 2 ports each, 1 Mar 10:00–10:05, 4 flows; said ""hi"", twice"\n' +
      '2001:db8::1,0.990000,3,1,0.500000,0.333333,peak,,,,,,one; two\n',
  );
  assert.equal(riskyIpsTxt(rows), '10.0.0.1\n2001:db8::1\n');
  assert.equal(riskyIpsCsv([]), 'ip,risk,flows,risky_flows,peak_flow_risk,mean_flow_risk,decided_by,rules,detectors_fired,attack_classes,first_seen,last_seen,reasons\n');
  assert.deepEqual(riskyIpsCsvBytes(rows, findings), Buffer.from(riskyIpsCsv(rows, findings)), 'the file bytes: the text as UTF-8');
  assert.deepEqual(riskyIpsCsvBytes([]), Buffer.from(riskyIpsCsv([])));
});

test('risky_ips.csv as bytes is its text as UTF-8 with any script and lines far longer than the room first made (which grows)', () => {
  const long = (i: number) => `ünïcødé ✓ ${'x'.repeat(i * 97)} 🛰 ${'"quoted", '.repeat(i)}`;
  const rows = Array.from({ length: 40 }, (_, i) => row(`10.1.0.${i}`, { reasons: [long(i), `Ω ${i}`], rules: i % 2 ? ['a', 'b'] : [], detectorsFired: i % 3 ? { 'isolation-forest': i } : {} }));
  const bytes = riskyIpsCsvBytes(rows);
  assert.ok(bytes.length > 256 * rows.length, 'the lines outgrew the first room');
  assert.deepEqual(bytes, Buffer.from(riskyIpsCsv(rows)));
  assert.equal(bytes.toString('utf8').split('\n').length, rows.length + 2);
  // one line of three-byte characters, at every length around the first room: never cut short
  for (let n = 1; n <= 400; n += 3) {
    const one = [row('10.2.0.1', { reasons: ['✓'.repeat(n)] })];
    assert.deepEqual(riskyIpsCsvBytes(one), Buffer.from(riskyIpsCsv(one)), `${n} three-byte characters`);
  }
});

test('a group spanning new year writes the years (those not this year); within a year it does not', () => {
  const thisYear = new Date().getUTCFullYear();
  const f = (first: string, last: string): Finding => ({ ...finding('10.0.0.2', '10.0.0.9', 'r', first), lastSeen: last });
  const [across] = groupFindings([f('2023-12-31T23:00:00.000Z', '2024-01-01T01:30:00.000Z')]);
  assert.equal(across.summary, 'Vertical port scan: target host 10.0.0.9, 2 ports, 31 Dec 2023 23:00 – 1 Jan 2024 01:30, 2 flows');
  const [intoNow] = groupFindings([f(`${thisYear - 1}-12-31T23:00:00.000Z`, `${thisYear}-01-02T01:30:00.000Z`)]);
  assert.equal(intoNow.summary, `Vertical port scan: target host 10.0.0.9, 2 ports, 31 Dec ${thisYear - 1} 23:00 – 2 Jan 01:30, 2 flows`);
  const [within] = groupFindings([f('2023-05-01T23:00:00.000Z', '2023-05-02T01:30:00.000Z')]);
  assert.equal(within.summary, 'Vertical port scan: target host 10.0.0.9, 2 ports, 1 May 23:00 – 2 May 01:30, 2 flows');
});

test('group summaries: one shared port, a range of port counts, hosts at least when counts were capped, no times', () => {
  const f = (ip: string, targets: Partial<Finding['targets']>, first: string | null, last: string | null = first): Finding => ({
    ...finding('10.0.0.3', ip, `r ${ip}`, '2024-03-01T10:00:00.000Z'),
    targets: { ips: [ip], ipCount: 1, ports: [], portCount: 0, countsCapped: false, ...targets },
    firstSeen: first,
    lastSeen: last,
  });
  const one = (fs: Finding[]): string => groupFindings(fs)[0].summary;
  assert.equal(
    one([f('10.0.0.8', { ports: [22], portCount: 1 }, '2024-03-01T10:07:00.000Z'), f('10.0.0.9', { ports: [22], portCount: 1 }, '2024-03-01T10:02:00.000Z', '2024-03-01T10:04:00.000Z')]),
    'Vertical port scan ×2: 2 target hosts, port 22, 1 Mar 10:02–10:07, 4 flows',
  );
  assert.equal(one([f('10.0.0.8', { ports: [22], portCount: 1 }, null), f('10.0.0.9', { ports: [23], portCount: 1 }, null)]), 'Vertical port scan ×2: 2 target hosts, 1 port each, 4 flows');
  assert.equal(one([f('10.0.0.8', { ports: [22], portCount: 1 }, null), f('10.0.0.9', {}, null)]), 'Vertical port scan ×2: 2 target hosts, 1 port each, 4 flows');
  assert.equal(
    one([f('10.0.0.8', { ports: [1, 2, 3], portCount: 1200, ipCount: 3 }, '2024-03-01T10:00:00.000Z'), f('10.0.0.9', { ports: [1], portCount: 3, countsCapped: true }, '2024-03-02T09:00:00.000Z')]),
    'Vertical port scan ×2: ≥ 3 target hosts, 3–1,200 ports each, 1 Mar 10:00 – 2 Mar 09:00, 4 flows',
  );
  // one finding: its host count is exact though only a sample of its hosts is listed; capped, a lower bound
  const sample = Array.from({ length: 20 }, (_, i) => `10.0.1.${i + 1}`);
  assert.equal(one([f('10.0.1.1', { ips: sample, ipCount: 60, ports: [22], portCount: 1 }, null)]), 'Vertical port scan: 60 target hosts, port 22, 2 flows');
  assert.equal(one([f('10.0.1.1', { ips: sample, ipCount: 60, ports: [22], portCount: 1, countsCapped: true }, null)]), 'Vertical port scan: ≥ 60 target hosts, port 22, 2 flows');
});

test('groups are made once per findings list, and made again when the list has grown; callers get their own array', () => {
  const findings = [finding('10.0.0.1', '10.0.0.9', 'scan of 10.0.0.9', '2024-03-01T10:00:00.000Z'), finding('10.0.0.2', '10.0.0.9', 'scan', '2024-03-01T10:01:00.000Z')];
  const a = groupFindings(findings);
  const b = groupFindings(findings);
  assert.deepEqual(b, a);
  assert.equal(b[0], a[0], 'the same group objects, not made again');
  a.reverse();
  assert.equal(groupFindings(findings)[0].srcIp, '10.0.0.1', "one caller's reordering does not reach the next");
  findings.push(finding('10.0.0.1', '10.0.0.7', 'scan of 10.0.0.7', '2024-03-02T11:00:00.000Z'));
  const c = groupFindings(findings);
  assert.equal(c.length, 2);
  assert.equal(c[0].findings.length, 2);
  assert.equal(c[0].summary, 'Vertical port scan ×2: 2 target hosts, 2 ports each, 1 Mar 10:00 – 2 Mar 11:00, 4 flows');
  // another list with the same findings is grouped on its own
  assert.notEqual(groupFindings([...findings])[0], c[0]);
});
