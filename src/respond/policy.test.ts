/**
 * The policy: severity from risk, rules and intel; per-severity actions; the allowlist for bans;
 * suppression per address, type and reason; dry run marks everything simulated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allowlist, buildAllowlist, gatewaysFrom, resolversFrom, ipv6GatewaysFrom } from './allowlist.js';
import { parseCidr, type Cidr } from '../detect/ip-address.js';
import { runPolicy, judgeSource, canonicalTarget, canonicalMac, canonicalSubject, withTargeted, type FindingTargetsIn } from './policy.js';
import { DEFAULT_RESPOND_CONFIG, respondConfigFrom } from './respond-config.js';
import { parseDuration } from './decision.js';

const none = new Allowlist([]);
const now = Date.parse('2026-12-03T08:00:00Z');
const ctx = { config: DEFAULT_RESPOND_CONFIG, allowlist: none, origin: 'analyze:test', nowMs: now, apply: true };

test('severity follows risk thresholds, rule severities and intel scores; the most severe wins', () => {
  const c = DEFAULT_RESPOND_CONFIG;
  assert.equal(judgeSource({ ip: '1.2.3.4', risk: 0.5 }, c), null);
  assert.equal(judgeSource({ ip: '1.2.3.4', risk: 0.85 }, c)?.severity, 'low');
  assert.equal(judgeSource({ ip: '1.2.3.4', risk: 0.9995 }, c)?.severity, 'medium');
  assert.equal(judgeSource({ ip: '1.2.3.4', risk: 0.99995 }, c)?.severity, 'high');
  assert.equal(judgeSource({ ip: '1.2.3.4', risk: 0.999999 }, c)?.severity, 'critical');
  const withRule = judgeSource({ ip: '1.2.3.4', risk: 0.9995, rules: [{ ruleId: 'port-scan.vertical', severity: 2, reason: 'probed 100 ports' }] }, c)!;
  assert.equal(withRule.severity, 'high');
  assert.equal(withRule.reasonKey, 'rule:port-scan.vertical');
  assert.match(withRule.reason, /port-scan\.vertical: probed 100 ports; risk 0\.999500/);
  const intel = judgeSource({ ip: '1.2.3.4', intel: { score: 95, reason: 'IPQS fraud score 95/100' } }, c)!;
  assert.equal(intel.severity, 'critical');
  assert.equal(intel.reasonKey, 'intel');
  // a configured floor lifts a rule; 'ignore' drops it
  const cfg = respondConfigFrom({ rules: { 'brute-force': 'critical', 'port-scan.vertical': 'ignore' } }, {}, 'x.yaml');
  assert.equal(judgeSource({ ip: '1.2.3.4', rules: [{ ruleId: 'brute-force', severity: 3, reason: 'r' }] }, cfg)?.severity, 'critical');
  assert.equal(judgeSource({ ip: '1.2.3.4', rules: [{ ruleId: 'port-scan.vertical', severity: 1, reason: 'r' }] }, cfg), null);
});

test('per-severity actions: critical/high ban and alert, medium alerts, low does nothing by default', () => {
  const r = runPolicy(
    [
      { ip: '203.0.113.1', risk: 0.999999 },
      { ip: '203.0.113.2', risk: 0.99995 },
      { ip: '203.0.113.3', risk: 0.9995 },
      { ip: '203.0.113.4', risk: 0.85 },
      { ip: '203.0.113.5', risk: 0.1 },
    ],
    ctx,
  );
  const got = r.decisions.map((d) => `${d.value} ${d.type} ${d.severity}`);
  assert.deepEqual(got, ['203.0.113.1 alert critical', '203.0.113.1 ban critical', '203.0.113.2 alert high', '203.0.113.2 ban high', '203.0.113.3 alert medium']);
  assert.deepEqual(r.skipped.map((s) => [s.value, s.why]), [['203.0.113.4', 'no-action']]);
  const ban = r.decisions.find((d) => d.type === 'ban')!;
  assert.equal(ban.expires, new Date(now + 86400_000).toISOString());
  assert.equal(ban.origin, 'analyze:test');
  assert.equal(ban.simulated, false);
  assert.equal(ban.scope, 'ip');
});

test("seed 000's policy is one setting away: everything above 0.8 banned and mailed", () => {
  const cfg = respondConfigFrom({ actions: { low: ['ban', 'alert'] } }, {}, 'x.yaml');
  const r = runPolicy([{ ip: '198.51.100.9', risk: 0.81 }, { ip: '198.51.100.10', risk: 0.79 }], { ...ctx, config: cfg });
  assert.deepEqual(r.decisions.map((d) => `${d.value} ${d.type}`), ['198.51.100.9 alert', '198.51.100.9 ban']);
});

test('allowlisted addresses (and ranges overlapping them, and mapped IPv6) get no ban, but still an alert', () => {
  const allow = new Allowlist([{ cidr: parseCidr('10.0.0.0/24') as Cidr, why: 'config' }, { cidr: parseCidr('2001:db8::/32') as Cidr, why: 'config' }]);
  const r = runPolicy(
    [
      { ip: '10.0.0.7', risk: 1 },
      { ip: '::ffff:10.0.0.8', risk: 1 },
      { ip: '10.0.0.0/8', risk: 1 },
      { ip: '2001:db8:1::5', risk: 1 },
      { ip: '10.0.1.1', risk: 1 },
    ],
    { ...ctx, allowlist: allow },
  );
  const bans = r.decisions.filter((d) => d.type === 'ban').map((d) => d.value);
  assert.deepEqual(bans, ['10.0.1.1']);
  assert.equal(r.skipped.filter((s) => s.why === 'allowlisted').length, 4);
  const alert = r.decisions.find((d) => d.type === 'alert' && d.value === '10.0.0.8')!;
  assert.match(alert.reason, /allowlisted by 10\.0\.0\.0\/24/);
});

test('suppression: the same address, type and reason is not decided again within the window; a new reason is', () => {
  const first = runPolicy([{ ip: '203.0.113.9', risk: 0.999999 }], ctx);
  assert.equal(first.decisions.length, 2);
  const later = { ...ctx, nowMs: now + 600_000, recent: first.decisions };
  const again = runPolicy([{ ip: '203.0.113.9', risk: 0.999999 }, { ip: '203.0.113.9', rules: [{ ruleId: 'flood.source', severity: 1, reason: 'x' }] }], later);
  // merged: the rule now drives the severity → a new reason key, so new decisions
  assert.deepEqual(again.decisions.map((d) => d.reasonKey), ['rule:flood.source', 'rule:flood.source']);
  const same = runPolicy([{ ip: '203.0.113.9', risk: 0.999999 }], later);
  assert.equal(same.decisions.length, 0);
  assert.deepEqual(same.skipped.map((s) => s.why), ['suppressed', 'suppressed']);
  // after the window and the expiry, decided again
  const muchLater = runPolicy([{ ip: '203.0.113.9', risk: 0.999999 }], { ...ctx, nowMs: now + 2 * 86400_000, recent: first.decisions });
  assert.equal(muchLater.decisions.length, 2);
  // duplicates in one input are one decision
  assert.equal(runPolicy([{ ip: '203.0.113.9', risk: 0.999999 }, { ip: '203.0.113.9', risk: 0.99 }], ctx).decisions.length, 2);
});

test('dry run: every decision is simulated, and a dry run never suppresses the real run after it', () => {
  const r = runPolicy([{ ip: '203.0.113.1', risk: 0.999999 }], { ...ctx, apply: false });
  assert.ok(r.decisions.length > 0 && r.decisions.every((d) => d.simulated));
  const real = runPolicy([{ ip: '203.0.113.1', risk: 0.999999 }], { ...ctx, nowMs: now + 1000, recent: r.decisions });
  assert.equal(real.decisions.length, 2);
  const dryAgain = runPolicy([{ ip: '203.0.113.1', risk: 0.999999 }], { ...ctx, apply: false, nowMs: now + 1000, recent: r.decisions });
  assert.equal(dryAgain.decisions.length, 0);
  assert.equal(DEFAULT_RESPOND_CONFIG.apply, false);
});

test('targets are canonical: ranges keep scope range, hosts and mapped addresses become ip', () => {
  assert.deepEqual(canonicalTarget('203.0.113.77/24'), { value: '203.0.113.0/24', scope: 'range' });
  assert.deepEqual(canonicalTarget('::ffff:192.0.2.1'), { value: '192.0.2.1', scope: 'ip' });
  assert.deepEqual(canonicalTarget('2001:DB8:0:0::1/128'), { value: '2001:db8::1', scope: 'ip' });
  assert.equal(canonicalTarget('example.org'), null);
});

test('configuration: bad values name the file and key; the environment overrides the file', () => {
  assert.throws(() => respondConfigFrom({ severity: { high: 2 } }, {}, 'n.yaml'), /n\.yaml: respond\.severity\.high must be a risk in \(0, 1\], got 2/);
  assert.throws(() => respondConfigFrom({ actions: { high: ['nuke'] } }, {}, 'n.yaml'), /n\.yaml: respond\.actions\.high: unknown action "nuke"/);
  assert.throws(() => respondConfigFrom({ suppres: '1h' }, {}, 'n.yaml'), /n\.yaml: unknown key "respond\.suppres"/);
  assert.throws(() => respondConfigFrom({ severity: { medium: 0.99999, high: 0.999 } }, {}, 'n.yaml'), /respond\.severity\.medium .* must not exceed respond\.severity\.high/);
  assert.throws(() => respondConfigFrom({ suppress: '1 hour' }, {}, 'n.yaml'), /n\.yaml: respond\.suppress: "1 hour" is not a duration/);
  const c = respondConfigFrom({ apply: false, suppress: '2h', allowlist: ['192.0.2.0/24'] }, { NETSENTINEL_RESPOND_APPLY: 'true', NETSENTINEL_RESPOND_ALLOWLIST: '198.51.100.0/24, 203.0.113.5' }, 'n.yaml');
  assert.equal(c.apply, true);
  assert.equal(c.suppress, 7200);
  assert.deepEqual(c.allowlist, ['198.51.100.0/24', '203.0.113.5']);
  assert.throws(() => respondConfigFrom({}, { get: (k: string) => (k === 'NETSENTINEL_RESPOND_APPLY' ? 'maybe' : undefined) }, 'n.yaml'), /environment variable NETSENTINEL_RESPOND_APPLY must be true or false/);
  assert.equal(parseDuration('1h30m', 'x'), 5400);
});

test('default allowlist: loopback, resolvers from resolv.conf, gateways from /proc/net/route', async () => {
  assert.deepEqual(resolversFrom('# c\nnameserver 10.255.255.53\nnameserver fe80::1%eth0\nsearch x\n'), ['10.255.255.53', 'fe80::1']);
  const route = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n';
  assert.deepEqual(gatewaysFrom(route), ['192.0.2.1']);
  assert.deepEqual(ipv6GatewaysFrom('00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n'), ['fe80::1']);
  const a = await buildAllowlist({ entries: ['192.0.2.0/24', 'localhost'], gateways: ['198.51.100.1'] });
  assert.equal(a.protects('127.0.0.1')?.why, 'loopback');
  assert.equal(a.protects('::1')?.why, 'loopback');
  assert.ok(a.protects('192.0.2.200'));
  assert.ok(a.protects('198.51.100.1'));
  assert.equal(a.protects('198.51.100.2'), undefined);
  // the machine's own interface addresses are in (at least loopback's 127.0.0.1 is listed by os)
  assert.ok(a.entries.some((e) => e.why.startsWith('own address')));
  await assert.rejects(buildAllowlist({ entries: ['no-such-host.invalid'], where: 'n.yaml: respond.allowlist' }), /n\.yaml: respond\.allowlist: host "no-such-host\.invalid" does not resolve/);
  await assert.rejects(buildAllowlist({ entries: ['10.0.0.0/33'], where: 'n.yaml: respond.allowlist' }), /n\.yaml: respond\.allowlist: "10\.0\.0\.0\/33" has prefix length "33"/);
});

test('packet.ttl-jump names the address packets were injected under: its host is alerted, never banned on it', () => {
  const injected = { ruleId: 'packet.ttl-jump', severity: 2, reason: '10.88.0.20 sent segments inside 1 established TCP connection with TTLs 64, 120: another machine injecting packets under its address.' };
  const r = runPolicy([{ ip: '10.88.0.20', risk: 0.9999, rules: [injected] }], ctx);
  assert.deepEqual(r.decisions.map((d) => d.type), ['alert']);
  assert.match(r.decisions[0]!.reason, /target of packet\.ttl-jump: not blocked/);
  assert.deepEqual(r.skipped.map((s) => [s.value, s.type, s.why]), [['10.88.0.20', 'ban', 'victim']]);
  // with a finding of its own beside it (it scanned), it is banned as before
  const scan = { ruleId: 'port-scan.vertical', severity: 2, reason: 'probed 100 ports' };
  const both = runPolicy([{ ip: '10.88.0.20', risk: 0.9999, rules: [injected, scan] }], ctx);
  assert.ok(both.decisions.some((d) => d.type === 'ban'));
});

test('a flood sender (one of many senders towards a flooded host, nothing else against it) is neither banned nor alerted on its risk alone', () => {
  const sender = { ip: '203.0.113.77', risk: 0.999998, reasons: ['1 of 1 flow above the flow risk threshold'], floodSender: true };
  const r = runPolicy([sender], ctx);
  assert.deepEqual(r.decisions, []);
  assert.deepEqual(r.skipped.map((s) => [s.value, s.type, s.why]), [['203.0.113.77', 'ban', 'flood-sender'], ['203.0.113.77', 'alert', 'flood-sender']]);
  assert.match(r.skipped[0]!.detail, /one of many senders towards a flooded host.*respond\.banFloodSenders: true does/);
  // respond.banFloodSenders: true judges it as any other source
  const on = runPolicy([sender], { ...ctx, config: { ...DEFAULT_RESPOND_CONFIG, banFloodSenders: true } });
  assert.deepEqual(on.decisions.map((d) => d.type).sort(), ['alert', 'ban']);
  // a rule finding of its own that drives its severity is evidence: decided as before
  const scan = { ruleId: 'port-scan.vertical', severity: 1, reason: 'probed 100 ports' };
  const ruled = runPolicy([{ ...sender, risk: 0.9991, rules: [scan] }], ctx);
  assert.ok(ruled.decisions.some((d) => d.type === 'ban'));
  // a flood sender only when every input says so
  const mixed = runPolicy([sender, { ip: '203.0.113.77', risk: 0.999998, reasons: [] }], ctx);
  assert.deepEqual(mixed.decisions.map((d) => d.type).sort(), ['alert', 'ban']);
  // read from summary.json's riskyIps by `respond OUTDIR`: respondConfigFrom knows the key
  assert.equal(respondConfigFrom({ banFloodSenders: true }).banFloodSenders, true);
  assert.equal(respondConfigFrom({}).banFloodSenders, false);
});

test('a finding with no source address: an alert about each host it targets, never a ban; suppressed, configured and ignored like the rest', () => {
  const flood: FindingTargetsIn = { srcIp: null, ruleId: 'flood.target-connections', category: 'denial-of-service', targets: ['10.0.0.5'], severity: 2, reason: '10.0.0.5 received 21,146 weighted connections from 15,187+ sources.' };
  const bogons: FindingTargetsIn = { srcIp: null, ruleId: 'spoofing.bogon-source', category: 'spoofing', targets: ['10.0.0.5'], severity: 3, reason: '1,936 sources that cannot be on a wire sent flows to 10.0.0.5' };
  // a scan with a source: its target is no host "under attack by nobody" (the scanner is decided on)
  const scan: FindingTargetsIn = { srcIp: '203.0.113.9', ruleId: 'port-scan.vertical', category: 'reconnaissance', targets: ['10.0.0.7'], severity: 2, reason: 'probed 300 ports' };
  const sources = withTargeted([{ ip: '203.0.113.9', rules: [{ ruleId: 'port-scan.vertical', severity: 2, reason: 'probed 300 ports' }] }], [flood, bogons, scan]);
  assert.deepEqual(sources.map((x) => [x.ip, x.targeted?.map((t) => t.ruleId) ?? []]), [['203.0.113.9', []], ['10.0.0.5', ['flood.target-connections', 'spoofing.bogon-source']]]);
  const r = runPolicy(sources, ctx);
  const about = r.decisions.filter((d) => d.value === '10.0.0.5');
  // high (the flood's Suricata 2) bans and alerts by default: the host is alerted on only
  assert.deepEqual(about.map((d) => [d.type, d.severity, d.reasonKey]), [['alert', 'high', 'target:flood.target-connections']]);
  assert.equal(about[0].reason, 'under attack: flood.target-connections: 10.0.0.5 received 21,146 weighted connections from 15,187+ sources; spoofing.bogon-source: 1,936 sources that cannot be on a wire sent flows to 10.0.0.5 (no sender address to ban: the senders are many or forged)');
  assert.equal(about[0].risk, undefined);
  assert.deepEqual(r.decisions.filter((d) => d.value === '203.0.113.9').map((d) => d.type).sort(), ['alert', 'ban'], 'the scanner is decided on as before');
  // suppressed by the same alert made recently; a host both a risky source and a target gets both decisions
  const again = runPolicy(sources, { ...ctx, recent: [about[0]] });
  assert.deepEqual(again.decisions.filter((d) => d.value === '10.0.0.5'), []);
  assert.deepEqual(again.skipped.filter((x) => x.value === '10.0.0.5').map((x) => x.why), ['suppressed']);
  const both = runPolicy(withTargeted([{ ip: '10.0.0.5', risk: 0.9995 }], [flood]), ctx);
  assert.deepEqual(both.decisions.map((d) => [d.type, d.reasonKey]), [['alert', 'target:flood.target-connections'], ['alert', 'risk']]);
  // a severity whose actions have no alert, and an ignored rule, make nothing
  const banOnly = respondConfigFrom({ actions: { high: ['ban'] } }, {}, 'x.yaml');
  const quiet = runPolicy(withTargeted([], [flood]), { ...ctx, config: banOnly });
  assert.deepEqual(quiet.decisions, []);
  assert.match(quiet.skipped[0].detail, /a host under attack is only alerted on, and respond.actions.high has no alert/);
  const ignored = respondConfigFrom({ rules: { 'flood.target-connections': 'ignore' } }, {}, 'x.yaml');
  assert.deepEqual(runPolicy(withTargeted([], [flood]), { ...ctx, config: ignored }).decisions, []);
  // findings read without their severity or sentence (an older reader) add nothing
  assert.deepEqual(withTargeted([], [{ ...flood, severity: undefined }]), []);
});

test('hosts known by their MAC alone: an evil twin, a deauthentication flood and an ARP poisoner without an address are alerted on (scope mac), never banned', () => {
  // wifi.evil-twin: its source is the twin access point, by BSSID (written as a user might)
  const twin: FindingTargetsIn = { srcIp: null, srcMacs: ['02:AA:00:00:00:66'], targetMacs: ['02:aa:00:00:00:01'], ruleId: 'wifi.evil-twin', category: 'spoofing', targets: [], severity: 2, reason: 'The Wi-Fi network "CorpNet" is announced as WPA2 by 02:aa:00:00:00:01 and as open by 02:aa:00:00:00:66.' };
  // wifi.deauth-flood: no source (the transmitters are forged); its target is the network, by BSSID
  const deauth: FindingTargetsIn = { srcIp: null, targetMacs: ['02:aa:00:00:00:01'], ruleId: 'wifi.deauth-flood', category: 'denial-of-service', targets: [], severity: 2, reason: '64 deauthentication frames in 0.1 s in the Wi-Fi network 02:aa:00:00:00:01.' };
  // arp.gateway-poisoning by a MAC with no address of its own: the MAC is the source, the addresses it took the targets
  const poison: FindingTargetsIn = { srcIp: null, srcMacs: ['00:25:b3:bf:91:ee'], ruleId: 'arp.gateway-poisoning', category: 'spoofing', targets: ['172.16.0.1'], severity: 1, reason: '00:25:b3:bf:91:ee announced itself by ARP as 172.16.0.1.' };
  const sources = withTargeted([], [twin, deauth, poison]);
  const r = runPolicy(sources, ctx);
  const shown = r.decisions.map((d) => [d.scope, d.value, d.type, d.severity, d.reasonKey]);
  assert.deepEqual(shown, [
    ['mac', '00:25:b3:bf:91:ee', 'alert', 'critical', 'rule:arp.gateway-poisoning'],
    ['ip', '172.16.0.1', 'alert', 'critical', 'target:arp.gateway-poisoning'],
    ['mac', '02:aa:00:00:00:01', 'alert', 'high', 'target:wifi.deauth-flood'],
    ['mac', '02:aa:00:00:00:66', 'alert', 'high', 'rule:wifi.evil-twin'],
  ]);
  // the twin's network's own access point is imitated, not attacked by it: no alert of the twin's about it
  assert.equal(r.decisions.filter((d) => d.value === '02:aa:00:00:00:01').length, 1);
  // critical and high ban and alert by default: each MAC's ban is skipped and said, its alert says why
  assert.deepEqual(r.skipped.map((x) => [x.value, x.type, x.why]).sort(), [['00:25:b3:bf:91:ee', 'ban', 'link-layer'], ['02:aa:00:00:00:66', 'ban', 'link-layer']]);
  assert.match(r.skipped[0].detail, /blocklists, nftables and ipset sets hold IP addresses/);
  assert.match(r.decisions.find((d) => d.value === '02:aa:00:00:00:66')!.reason, /^wifi\.evil-twin: The Wi-Fi network "CorpNet" .* \(known by its MAC alone: not blocked\)$/);
  assert.match(r.decisions.find((d) => d.value === '02:aa:00:00:00:01')!.reason, /^under attack: wifi\.deauth-flood: 64 deauthentication frames/);
  assert.ok(r.decisions.every((d) => d.type === 'alert'));
  // suppressed like any other decision
  const again = runPolicy(sources, { ...ctx, recent: r.decisions });
  assert.deepEqual(again.decisions, []);
  assert.deepEqual(again.skipped.filter((x) => x.why === 'suppressed').map((x) => x.value).sort(), ['00:25:b3:bf:91:ee', '02:aa:00:00:00:01', '02:aa:00:00:00:66', '172.16.0.1']);
  // a rule set to ignore, or a severity with no alert, makes nothing about the MAC
  assert.deepEqual(runPolicy(withTargeted([], [twin]), { ...ctx, config: respondConfigFrom({ rules: { 'wifi.evil-twin': 'ignore' } }, {}, 'x.yaml') }).decisions, []);
  const banOnly = runPolicy(withTargeted([], [twin]), { ...ctx, config: respondConfigFrom({ actions: { high: ['ban'] } }, {}, 'x.yaml') });
  assert.deepEqual([banOnly.decisions, banOnly.skipped.map((x) => x.why)], [[], ['link-layer']]);
  // a finding with a source address is decided on by that address (its MACs add no entry)
  assert.deepEqual(withTargeted([], [{ ...poison, srcIp: '172.16.0.8' }]), []);
});

test('MACs are canonical (lowercase, colons) from the forms people write; anything else is no MAC', () => {
  for (const t of ['02:AA:00:00:00:66', '02-aa-00-00-00-66', '02aa.0000.0066', ' 02:aa:00:00:00:66 ']) assert.equal(canonicalMac(t), '02:aa:00:00:00:66', t);
  for (const t of ['02:aa:00:00:00', '02:aa:00:00:00:66:77', '02:aa-00:00:00:66', 'g2:aa:00:00:00:66', '02aa00000066', '10.0.0.1', '']) assert.equal(canonicalMac(t), null, t);
  assert.deepEqual(canonicalSubject('02-AA-00-00-00-66'), { value: '02:aa:00:00:00:66', scope: 'mac' });
  assert.deepEqual(canonicalSubject('10.0.0.1'), { value: '10.0.0.1', scope: 'ip' });
  // a MAC never passes for an address of the firewall's
  assert.equal(canonicalTarget('02:aa:00:00:00:66'), null);
});
