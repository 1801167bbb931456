import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowTable, type FlowSpec } from '../detect/flow-fixtures.js';
import { createRuleEngine } from '../detect/run-rules.js';
import { formatIntelSummary } from '../intel/intel-evidence.js';
import { groupFindings } from './finding-groups.js';
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
  const [one] = findings([flow('2001:db8::9', '2001:db8::2', 0)]);
  assert.equal(one.count, 1);
  assert.match(one.reason, /sent 1 flow to 1 host over /);
  assert.doesNotMatch(one.reason, /\(s\)/);
  const [g] = groupFindings([one]);
  assert.match(g.summary, /, 1 flow$/);
  assert.doesNotMatch(g.summary, /1 flows/);
});

test('more than one keeps the plural', () => {
  const [two] = findings([flow('240.0.0.9', '10.0.0.2', 0), flow('240.0.0.9', '10.0.0.3', 1)]);
  assert.match(two.reason, /sent 2 flows to 2 hosts over /);
  const [g] = groupFindings([two]);
  assert.match(g.summary, /: 2 hosts, .*, 2 flows$/);
});

test('the intel summary line agrees with its count', () => {
  assert.match(formatIntelSummary({ looked: 1, withEvidence: 0, statuses: {}, reasons: {} }), /^intel: 1 source looked up, /);
  assert.match(formatIntelSummary({ looked: 3, withEvidence: 0, statuses: {}, reasons: {} }), /^intel: 3 sources looked up, /);
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
