import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowTable, type FlowSpec } from '../detect/flow-fixtures.js';
import { createRuleEngine } from '../detect/run-rules.js';
import { formatIntelSummary } from '../intel/intel-evidence.js';
import { findingGroupsBySource, groupFindings, groupedReasons } from './finding-groups.js';
import type { Finding } from '../detect/finding.js';
import { captureFindings } from '../testing/packet-findings.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const only = { portScan: { enabled: false }, hostSweep: { enabled: false }, bruteForce: { enabled: false }, flood: { enabled: false } };
const flow = (src: string, dst: string, t: number): FlowSpec => ({ src, dst, t, dport: 80 });

function findings(flows: FlowSpec[]) {
  const engine = createRuleEngine(only, { geoip: null });
  engine.observe(flowTable(flows));
  return engine.finish().findings.filter((f) => f.ruleId === 'spoofing.bogon-source');
}

test('a finding of one flow to one host says "1 flow" and "1 host", in its reason and its group summary', () => {
  const [one] = findings([flow('2001:db8::9', '2a00:1450:4001::68', 0)]);
  assert.equal(one.count, 1);
  assert.match(one.reason, /sent 1 flow to 1 host over /);
  assert.doesNotMatch(one.reason, /\(s\)/);
  const [g] = groupFindings([one]);
  assert.match(g.summary, /, 1 flow$/);
  assert.doesNotMatch(g.summary, /1 flows/);
});

test('a forged source\'s line names the host it sent to as its target, not as if it were the source', () => {
  // seen on a capture: under source 2001:db8:1:2::4e2a:0, "…on a wire: host 2001:db8:1:2::4e2a:1, …"
  // (the target here is a real address: documentation space to documentation space is a lab, no finding)
  const [one] = findings([flow('2001:db8:1:2::4e2a:0', '2a00:1450:4001::68', 0)]);
  const [g] = groupFindings([one]);
  assert.match(g.summary, /^Source address that cannot be on a wire: target host 2a00:1450:4001::68, .*, 1 flow$/);
  assert.doesNotMatch(g.summary, /: host /);
});

test('more than one keeps the plural', () => {
  const [two] = findings([flow('240.0.0.9', '10.0.0.2', 0), flow('240.0.0.9', '10.0.0.3', 1)]);
  assert.match(two.reason, /sent 2 flows to 2 hosts over /);
  const [g] = groupFindings([two]);
  assert.match(g.summary, /: 2 target hosts, .*, 2 flows$/);
});

test('the intel summary line agrees with its count', () => {
  assert.match(formatIntelSummary({ looked: 1, withEvidence: 0, statuses: {}, reasons: {} }), /^intel: 1 source looked up, /);
  assert.match(formatIntelSummary({ looked: 3, withEvidence: 0, statuses: {}, reasons: {} }), /^intel: 3 sources looked up, /);
  // counts in text read with thousands separators
  assert.equal(
    formatIntelSummary({ looked: 12345, withEvidence: 1200, statuses: { feeds: { listed: 1200, 'not-listed': 11145 } }, reasons: {} }),
    'intel: 12,345 sources looked up, 1,200 with evidence; feeds: 1,200 listed, 11,145 not-listed',
  );
});

test('a packet detector\'s group counts what the detector counted (ARP packets, half-open handshakes), not flows', { skip: skipWithoutShared('pcaps', 'arppoison.pcapng') }, async () => {
  const arp = (await captureFindings(sharedPath('pcaps', 'arppoison.pcapng')!)).findings.filter((f) => f.ruleId === 'arp.gateway-poisoning');
  assert.equal(arp.length, 1);
  const [g] = groupFindings(arp);
  assert.deepEqual(g.counted, ['ARP packet', 'ARP packets']);
  assert.match(g.summary, /, [\d,]+ ARP packets?$/);
  assert.doesNotMatch(g.summary, /flows?$/);
  const syn = (await captureFindings(sharedPath('pcaps', 'synscan.pcapng')!)).findings.filter((f) => f.ruleId === 'packet.syn-scan');
  assert.ok(syn.length >= 1);
  assert.match(groupFindings(syn)[0].summary, /, [\d,]+ half-open handshakes?$/);
  // a flow rule's group still counts flows
  const [flowGroup] = groupFindings(findings([flow('240.0.0.9', '10.0.0.2', 0), flow('240.0.0.9', '10.0.0.3', 1)]));
  assert.deepEqual(flowGroup.counted, ['flow', 'flows']);
});

test('a group\'s time span read off ISO text is the span Date gives, for every form of time text', async () => {
  const { span, spanOfDates } = await import('./finding-groups.js');
  const { Rng } = await import('../util/rng.js');
  const rng = new Rng(7);
  const now = Date.UTC(new Date().getUTCFullYear(), 5, 1);
  // times around year ends, this year and others, within a day and across days
  const bases = [Date.UTC(2017, 6, 3, 12, 20), Date.UTC(2023, 11, 31, 23, 59, 59, 999), now, now - 200 * 86_400_000, Date.UTC(2000, 1, 28, 23, 0)];
  let checked = 0;
  for (const base of bases) {
    for (let i = 0; i < 400; i++) {
      const a = base + Math.floor(rng.next() * 3 * 86_400_000) - 86_400_000;
      const b = a + (i % 3 === 0 ? 0 : Math.floor(rng.next() * (i % 2 ? 3_600_000 : 40 * 86_400_000)));
      const forms = [
        (t: number): string => new Date(t).toISOString(),
        (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        (t: number): string => new Date(t).toISOString().replace('Z', '123Z'), // microseconds
        (t: number): string => new Date(t + 7_200_000).toISOString().replace('Z', '+02:00'),
      ];
      for (const fa of forms) {
        for (const fb of forms) {
          const [x, y] = [fa(a), fb(b)];
          assert.equal(span(x, y), spanOfDates(new Date(x), new Date(y)), `${x} – ${y}`);
          checked++;
        }
      }
    }
  }
  // text no Date reads the same way, or at all
  for (const [x, y] of [['2023-02-30T10:00:00Z', '2023-03-01T10:00:00Z'], ['2023-13-01T10:00:00Z', '2023-13-01T11:00:00Z'], ['garbage', '2023-01-01T00:00:00Z'], ['2023-01-01T24:00:00Z', '2023-01-02T00:30:00Z']]) {
    assert.equal(span(x, y), spanOfDates(new Date(x), new Date(y)), `${x} – ${y}`);
  }
  assert.equal(checked, bases.length * 400 * 16);
});

test('a source\'s reasons grouped: its groups\' lines, then the reasons no finding gave, in order, with few findings (compared one by one) and many (a Set)', () => {
  const finding = (ruleId: string, reason: string): Finding => ({
    ruleId,
    title: ruleId,
    category: 'reconnaissance',
    severity: 2,
    srcIp: '10.0.0.1',
    targets: { ips: ['10.0.0.2'], ipCount: 1, ports: [80], portCount: 1, countsCapped: false },
    firstSeen: null,
    lastSeen: null,
    count: 1,
    evidence: {},
    rows: [],
    reason,
  });
  // the plain reading: every group's line, then each reason that is not some finding's reason
  const reference = (reasons: readonly string[], fs: readonly Finding[]): string[] => {
    const groups = findingGroupsBySource(fs).get('10.0.0.1') ?? [];
    return [...groups.map((g) => g.summary), ...reasons.filter((r) => !fs.some((f) => f.reason === r))];
  };
  for (const n of [1, 2, 8, 9, 30]) {
    const fs = Array.from({ length: n }, (_, i) => finding(i % 3 === 0 ? 'port-scan.vertical' : 'flood.syn', `finding ${i}`));
    // the row's reasons: some findings' (equal text, not the same string), others of its own, a repeat
    const reasons = [`finding ${n - 1}`.slice(0), 'detectors fired: autoencoder on 2 flows', `finding ${Math.floor(n / 2)}`, 'own', 'own'];
    const got = groupedReasons(reasons, findingGroupsBySource(fs).get('10.0.0.1')!);
    assert.deepEqual(got, reference(reasons, fs), `${n} findings`);
    assert.deepEqual(got.slice(-3), ['detectors fired: autoencoder on 2 flows', 'own', 'own'], `${n} findings: the own reasons kept, repeats too`);
  }
  assert.deepEqual(groupedReasons(['a', 'b'], []), ['a', 'b'], 'no groups: the reasons as they are');
});
