import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowTable, probe, type FlowSpec } from './flow-fixtures.js';
import type { GeoIp, GeoLocation } from './geoip.js';
import { createRuleEngine, type RuleEngineOptions } from './run-rules.js';
import type { RulesConfigInput } from './rules-config.js';
import { initialTtl } from './ttl-hops.js';

const ONLY: RulesConfigInput = {
  portScan: { enabled: false },
  hostSweep: { enabled: false },
  bruteForce: { enabled: false },
  flood: { enabled: false },
};

function run(flows: FlowSpec[], cfg: RulesConfigInput = {}, opts: RuleEngineOptions = { geoip: null }, ttl = false) {
  const engine = createRuleEngine({ ...ONLY, ...cfg }, opts);
  engine.observe(flowTable(flows, { ttl }));
  return engine.finish();
}

const flow = (src: string, dst = '10.0.0.2', t = 0): FlowSpec => ({ src, dst, t, dport: 80 });

test('bogon sources are findings, one per source, with the range named', () => {
  const flows = [flow('0.1.2.3'), flow('240.0.0.9', '10.0.0.2', 1), flow('240.0.0.9', '10.0.0.3', 2), flow('224.0.0.251'), flow('192.0.2.10'), flow('2001:db8::1', '2a00:1450:4001::68'), flow('10.0.0.7'), flow('8.8.8.8')];
  const { findings } = run(flows);
  const bogons = findings.filter((f) => f.ruleId === 'spoofing.bogon-source');
  assert.deepEqual(bogons.map((f) => f.srcIp).sort(), ['0.1.2.3', '192.0.2.10', '2001:db8::1', '224.0.0.251', '240.0.0.9']);
  const reserved = bogons.find((f) => f.srcIp === '240.0.0.9');
  assert.ok(reserved);
  assert.equal(reserved.count, 2);
  assert.equal(reserved.evidence.range, 'reserved (240.0.0.0/4)');
  assert.deepEqual(reserved.targets.ips, ['10.0.0.2', '10.0.0.3']);
  assert.equal(reserved.evidence.distinctTargets, 2);
  assert.match(reserved.reason, /cannot be the source/);
});

test('documentation and benchmarking space is a test lab when both ends are in it, bogus towards a real address', () => {
  // the Wireshark sample captures number their hosts from 2001:db8::/32; labs use 198.18.0.0/15
  const lab = run([flow('2001:db8:1:2::1000', '2001:db8:1:2::1002'), flow('198.18.0.5', '198.19.0.1'), flow('192.0.2.7', '203.0.113.9')]).findings;
  assert.deepEqual(lab, []);
  const wire = run([flow('2001:db8:1:2::1000', '2a00:1450:4001::68'), flow('198.18.0.5', '10.0.0.2'), flow('192.0.2.7', '8.8.8.8')]).findings;
  assert.deepEqual(wire.map((f) => `${f.ruleId} ${f.srcIp} ${f.evidence.range}`).sort(), [
    'spoofing.bogon-source 192.0.2.7 documentation TEST-NET-1 (192.0.2.0/24)',
    'spoofing.bogon-source 198.18.0.5 benchmarking (198.18.0.0/15)',
    'spoofing.bogon-source 2001:db8:1:2::1000 documentation (2001:db8::/32)',
  ]);
  // other bogons stay bogus whatever the other end: multicast to multicast is no lab
  assert.equal(run([flow('224.0.0.251', '224.0.0.251')]).findings.length, 1);
});

test('counts in the reason have thousands separators; the JSON numbers stay numbers', () => {
  // 1,200 flows from one bogon source to 1,100 hosts (10.0.x.y), one a second
  const flows = Array.from({ length: 1200 }, (_, i) => flow('240.0.0.9', `10.0.${(i % 1100) >> 8}.${(i % 1100) & 255}`, i));
  const [f] = run(flows).findings.filter((x) => x.ruleId === 'spoofing.bogon-source');
  assert.match(f.reason, /yet it sent 1,200 flows to 1,100 hosts over /);
  assert.equal(f.count, 1200);
  assert.equal(f.evidence.distinctTargets, 1100);
});

test('loopback sources are fine on a loopback capture, bogus towards another host', () => {
  const loop = run([flow('127.0.0.1', '127.0.0.1'), flow('::1', '::1')]).findings;
  assert.equal(loop.length, 0);
  const wire = run([flow('127.0.0.1', '10.0.0.2')]).findings;
  assert.deepEqual(wire.map((f) => f.ruleId), ['spoofing.bogon-source']);
  assert.equal(wire[0].evidence.range, 'loopback (127.0.0.0/8)');
});

test('private sources are spoofed only on an external sensor, and never from internal networks', () => {
  const flows = [flow('192.168.1.5'), flow('10.20.0.1'), flow('100.64.3.3'), flow('8.8.8.8')];
  const inside = run(flows);
  assert.equal(inside.findings.length, 0);
  const st = inside.status.find((s) => s.ruleId === 'spoofing.private-source');
  assert.equal(st?.state, 'off');
  const outside = run(flows, { spoofing: { externalSide: true, internalNetworks: ['10.20.0.0/16'] } }).findings;
  assert.deepEqual(outside.map((f) => f.srcIp).sort(), ['100.64.3.3', '192.168.1.5']);
  assert.ok(outside.every((f) => f.ruleId === 'spoofing.private-source'));
});

test('policy networks are findings in category policy', () => {
  const { findings } = run([flow('203.0.113.9'), flow('198.18.0.1'), flow('45.33.32.156')], { spoofing: { bogonSources: false }, geoPolicy: { networks: ['45.33.0.0/16'] } });
  assert.equal(findings.length, 1);
  assert.equal(findings[0].ruleId, 'policy.network');
  assert.equal(findings[0].category, 'policy');
  assert.equal(findings[0].evidence.networks, '45.33.0.0/16');
});

/** A GeoIP stand-in: knows 8.8.8.8 (US) and 5.6.7.8 (KP, AS 131279); nothing else. */
const fakeGeo: GeoIp = {
  description: 'test database',
  attribution: null,
  hasLocation: true,
  hasAsn: true,
  lookup(ip: string): GeoLocation | null {
    if (ip === '8.8.8.8') return { countryCode: 'US', latitude: 37.4, longitude: -122.1, city: 'Mountain View', asn: 15169, asOrganization: 'Google' };
    if (ip === '5.6.7.8') return { countryCode: 'KP', latitude: 39, longitude: 125.7, city: null, asn: 131279, asOrganization: 'Star JV' };
    return null;
  },
};

test('GeoIP: public sources without a location (the seed\'s test), countries and AS numbers by policy', () => {
  const flows = [flow('8.8.8.8'), flow('5.6.7.8'), flow('77.77.77.77'), flow('192.168.0.9'), flow('10.1.1.1')];
  const { findings, status } = run(flows, { geoPolicy: { countries: ['kp'], asns: ['AS131279' as unknown as number] } }, { geoip: fakeGeo });
  const by = (id: string) => findings.filter((f) => f.ruleId === id).map((f) => f.srcIp);
  assert.deepEqual(by('spoofing.no-geolocation'), ['77.77.77.77'], 'private addresses are never looked up');
  assert.deepEqual(by('policy.country'), ['5.6.7.8']);
  assert.deepEqual(by('policy.asn'), ['5.6.7.8']);
  const noLoc = findings.find((f) => f.ruleId === 'spoofing.no-geolocation');
  assert.equal(noLoc?.severity, 3);
  assert.equal(status.find((s) => s.ruleId === 'policy.country')?.state, 'on');
});

test('without GeoIP the GeoIP rules are off with the reason', () => {
  const { status } = run([flow('8.8.8.8')], { geoPolicy: { countries: ['KP'] } }, { geoip: { state: 'off', reason: 'GeoIP database /nope.mmdb does not exist' } });
  const noLoc = status.find((s) => s.ruleId === 'spoofing.no-geolocation');
  assert.deepEqual(noLoc, { ruleId: 'spoofing.no-geolocation', title: 'Public source with no known location', state: 'off', reason: 'GeoIP database /nope.mmdb does not exist' });
  assert.equal(status.find((s) => s.ruleId === 'policy.country')?.state, 'off');
});

test('TTL hop count: inferred initial TTL and a jump of more than 5 hops', () => {
  assert.deepEqual([1, 64, 65, 128, 129, 255].map(initialTtl), [64, 64, 128, 128, 255, 255]);
  const flows: FlowSpec[] = [
    { ...flow('203.0.113.50'), ttl: 52, t: 0 }, // 64 - 52 = 12 hops
    { ...flow('203.0.113.50'), ttl: 116, t: 5 }, // 128 - 116 = 12 hops: another OS, same distance
    { ...flow('203.0.113.50'), ttl: 60, t: 10 }, // 4 hops: 8 hops closer
    { ...flow('198.51.100.7'), ttl: 50, t: 0 },
    { ...flow('198.51.100.7'), ttl: 48, t: 1 }, // 2 hops: a route change within the limit
  ];
  const { findings, status } = run(flows, { spoofing: { bogonSources: false } }, { geoip: null }, true);
  assert.equal(status.find((s) => s.ruleId === 'spoofing.ttl-hop-change')?.state, 'on');
  assert.equal(findings.length, 1);
  const f = findings[0];
  assert.equal(f.ruleId, 'spoofing.ttl-hop-change');
  assert.equal(f.srcIp, '203.0.113.50');
  assert.equal(f.evidence.minHops, 4);
  assert.equal(f.evidence.maxHops, 12);
  assert.equal(f.evidence.hopChange, 8);
  assert.deepEqual(f.evidence.ttlsSeen, [52, 60, 116]);
  assert.deepEqual(f.rows, [0, 2]);
  assert.equal(f.count, 3);
});

test('TTL hop count: traceroute probes (small TTLs set on purpose) beside ordinary traffic are no jump', () => {
  // a Windows host pinging its gateway (TTL 128 at the sensor) and tracing a route: probes leave it
  // with TTL 1, 2, 3, ... (read as 63, 62, 61 ... hops from 64), which no route is
  const flows: FlowSpec[] = [{ ...flow('192.168.100.138'), ttl: 128, t: 0 }];
  for (let k = 1; k <= 30; k++) flows.push({ ...flow('192.168.100.138'), ttl: k, t: k });
  // the same rule still sees a real change among plausible hop counts (nmap's randomised TTLs)
  flows.push({ ...flow('172.16.0.8'), ttl: 37, t: 0 }, { ...flow('172.16.0.8'), ttl: 49, t: 1 });
  const { findings } = run(flows, { spoofing: { bogonSources: false } }, { geoip: null }, true);
  assert.deepEqual(findings.map((f) => f.srcIp), ['172.16.0.8']);
  // with the limit raised past 63 hops the probes count again, and the host is reported
  const loose = run(flows, { spoofing: { bogonSources: false }, ttlHops: { maxPathHops: 254 } }, { geoip: null }, true);
  assert.deepEqual(loose.findings.map((f) => f.srcIp).sort(), ['172.16.0.8', '192.168.100.138']);
});

test('TTL hop count: failed probes (nmap crafts them with random TTLs) beside the prober\'s own connections are no jump', () => {
  // nmap -sS from 10.88.0.66 at 0 hops: its probes left with TTLs 37 to 59 (what tcpdump showed of
  // nmap 7.93 in a namespace), each refused (SYN, RST, no payload), beside its own web requests at 64
  const flows: FlowSpec[] = [{ ...flow('10.88.0.66'), ttl: 64, t: 0 }];
  for (let k = 0; k < 23; k++) flows.push({ ...probe('10.88.0.66', '10.88.0.1', 1000 + k, 1 + k / 100), ttl: 37 + k });
  flows.push({ ...flow('10.88.0.66'), ttl: 64, t: 2 });
  const { findings } = run(flows, { spoofing: { bogonSources: false } }, { geoip: null }, true);
  assert.deepEqual(findings.map((f) => f.ruleId), []);
  // an input that cannot tell failed attempts keeps every flow, as before
  const engine = createRuleEngine({ ...ONLY, spoofing: { bogonSources: false } }, { geoip: null });
  engine.observe(flowTable(flows, { ttl: true, noFlags: true }));
  assert.deepEqual(engine.finish().findings.map((f) => f.srcIp), ['10.88.0.66']);
});

test('TTL hop count: nmap -O\'s unanswered UDP probe and its ICMP echoes (one random TTL, with data) beside the prober\'s own connections are no jump', () => {
  // what nmap 7.93 -O sent from 10.88.0.66 (0 hops) in a namespace, at TTL 50: a UDP datagram of 300
  // bytes to a closed port (answered only by an ICMP port unreachable, a flow of its own) and two
  // ICMP echoes with data, answered; reported as "another machine 14 hops away"
  const flows: FlowSpec[] = [
    { ...flow('10.88.0.66'), ttl: 64, t: 0 },
    { src: '10.88.0.66', dst: '10.88.0.1', sport: 40000, dport: 31337, proto: 17, t: 1, fwdPkts: 1, bwdPkts: 0, fwdBytes: 300, bwdBytes: 0, ttl: 50 },
    { src: '10.88.0.66', dst: '10.88.0.1', dport: 0, proto: 1, t: 1.5, fwdPkts: 2, bwdPkts: 2, fwdBytes: 270, bwdBytes: 270, ttl: 50 },
    { ...flow('10.88.0.66'), ttl: 64, t: 2 },
  ];
  assert.deepEqual(run(flows, { spoofing: { bogonSources: false } }, { geoip: null }, true).findings.map((f) => f.ruleId), []);
  // a conversation answered in kind at the other hop count is still a jump
  flows.push({ ...flow('10.88.0.66'), ttl: 50, t: 3 });
  assert.deepEqual(run(flows, { spoofing: { bogonSources: false } }, { geoip: null }, true).findings.map((f) => f.srcIp), ['10.88.0.66']);
});

test('TTL rule is off, with the reason, when the input has no TTLs', () => {
  const { status } = run([flow('8.8.8.8')]);
  const st = status.find((s) => s.ruleId === 'spoofing.ttl-hop-change');
  assert.equal(st?.state, 'off');
  assert.match(st?.state === 'off' ? st.reason : '', /needs the TTL/);
});

test('an IPv4-mapped source is an IPv4 client in a flow file (dual-stack logs), a bogon in a capture', () => {
  const flows = [flow('::ffff:8.8.8.8'), flow('::ffff:8.8.8.8', '10.0.0.3', 1), flow('240.0.0.9')];
  const file = createRuleEngine(ONLY, { geoip: null });
  file.observe(flowTable(flows));
  const fromFile = file.finish();
  assert.deepEqual(fromFile.findings.filter((f) => f.ruleId === 'spoofing.bogon-source').map((f) => f.srcIp), ['240.0.0.9']);
  assert.ok(fromFile.inputNotes.some((n) => n.includes('IPv4-mapped')), fromFile.inputNotes.join(' | '));
  // a capture's table (exact packet times): what was on the wire, flagged
  const capture = createRuleEngine(ONLY, { geoip: null });
  capture.observe({ ...flowTable(flows), exactTimes: true });
  const bogons = capture.finish().findings.filter((f) => f.ruleId === 'spoofing.bogon-source');
  assert.deepEqual(bogons.map((f) => f.srcIp).sort(), ['240.0.0.9', '::ffff:8.8.8.8']);
  assert.match(bogons.find((f) => f.srcIp === '::ffff:8.8.8.8')!.reason, /IPv4-mapped/);
});

test('a host without an address yet: 0.0.0.0 and :: to the broadcast or multicast groups are fine (DHCP, DAD, MLD); to a host they are bogus', () => {
  // seen on a namespace's capture as an interface came up: ":: → ff02::16" (an MLD report) was a
  // "source address that cannot be on a wire"; DHCP discover (0.0.0.0 → 255.255.255.255) the same
  const fine = run([
    { src: '0.0.0.0', dst: '255.255.255.255', t: 0, sport: 68, dport: 67, proto: 17 },
    { src: '::', dst: 'ff02::16', t: 1, dport: 0, proto: 58 },
    { src: '::', dst: 'ff02::1:ff00:1', t: 2, dport: 0, proto: 58 },
    { src: '0.0.0.0', dst: '224.0.0.22', t: 3, dport: 0, proto: 2 },
  ]).findings.filter((f) => f.ruleId === 'spoofing.bogon-source');
  assert.deepEqual(fine, []);
  const bogus = run([flow('0.0.0.0', '10.0.0.2'), flow('::', '2a00:1450:4001::68'), flow('0.0.0.7', '255.255.255.255'), flow('240.0.0.1', '224.0.0.22')]).findings.filter((f) => f.ruleId === 'spoofing.bogon-source');
  assert.deepEqual(bogus.map((f) => f.srcIp).sort(), ['0.0.0.0', '0.0.0.7', '240.0.0.1', '::']);
});
