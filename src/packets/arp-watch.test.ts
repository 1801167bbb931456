import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { captureTable } from '../testing/capture-writer.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { ArpWatch } from './arp-watch.js';
import { IpConflictWatch } from './ip-conflict-watch.js';
import { resolveRulesConfig } from '../detect/rules-config.js';
import { DecodedPacket, L3_ARP, L3_IPV4 } from './decoded-packet.js';

async function findingsOf(file: string) {
  const arp = new ArpWatch();
  await captureTable([file], { onPacket: (d) => arp.observe(d) });
  return arp.findings();
}

test('arppoison.pcapng from the poisoner\'s first claim on (the real router never seen): its later request for the gateway\'s MAC gives it away', { skip: skipWithoutShared('pcaps', 'arppoison.pcapng') }, async () => {
  // a capture started mid-attack: before, nothing was found (no change of router to see)
  const arp = new ArpWatch();
  let n = 0;
  await captureTable([sharedPath('pcaps', 'arppoison.pcapng') as string], { onPacket: (d) => void (++n >= 54 && arp.observe(d)) });
  const f = arp.findings();
  const g = f.find((x) => x.ruleId === 'arp.gateway-poisoning');
  assert.ok(g, JSON.stringify(f.map((x) => x.ruleId)));
  assert.equal(g.srcIp, '172.16.0.105');
  assert.equal(g.evidence.gatewayIp, '172.16.0.1');
  assert.equal(g.evidence.attackerMac, '00:25:b3:bf:91:ee');
  assert.equal(g.evidence.askedFrom, '172.16.0.105');
  assert.match(g.reason, /yet asked by ARP for 172\.16\.0\.1's MAC from 172\.16\.0\.105/);
  assert.equal(f.find((x) => x.ruleId === 'arp.mac-many-ips')?.srcIp, '172.16.0.105');
  assert.ok(!f.some((x) => x.srcIp === '172.16.0.1' || x.srcIp === '172.16.0.107'), 'neither the gateway nor the victim named');
});

test('arppoison.pcapng: the gateway 172.16.0.1 poisoned by 00:25:b3:bf:91:ee', { skip: skipWithoutShared('pcaps', 'arppoison.pcapng') }, async () => {
  const f = await findingsOf(sharedPath('pcaps', 'arppoison.pcapng') as string);
  const g = f.find((x) => x.ruleId === 'arp.gateway-poisoning');
  assert.ok(g, JSON.stringify(f.map((x) => x.ruleId)));
  assert.equal(g.severity, 1);
  assert.equal(g.evidence.attackerMac, '00:25:b3:bf:91:ee');
  assert.equal(g.evidence.gatewayIp, '172.16.0.1');
  assert.equal(g.evidence.previousRouterMac, '00:26:0b:31:07:33');
  assert.equal(g.targets.ips[0], '172.16.0.1');
  const many = f.find((x) => x.ruleId === 'arp.mac-many-ips');
  assert.deepEqual(many?.evidence.ips, ['172.16.0.1', '172.16.0.105']);
  // the attacker's own address is the source of both (before: none, only a MAC)
  assert.equal(g.srcIp, '172.16.0.105');
  assert.equal(many?.srcIp, '172.16.0.105');
  assert.match(g.reason, /^00:25:b3:bf:91:ee \(172\.16\.0\.105's MAC\) announced itself/);
});

test('the ordinary captures raise no packet finding', { skip: skipWithoutShared('pcaps') }, async () => {
  const dir = sharedPath('pcaps') as string;
  for (const n of readdirSync(dir).filter((x) => x.endsWith('.pcapng') && x !== 'arppoison.pcapng')) {
    assert.deepEqual(await findingsOf(join(dir, n)), [], n);
  }
});

/**
 * Frames of one link fed to `watches` in order: ARP replies ("ip is-at mac", told to `to`) and IPv4
 * packets from MACs 00:11:xx:xx:xx:xx, at `ts` when given, else `tick` µs after the previous frame
 * (the first at `first`).
 */
function onLink(watches: readonly { observe(d: DecodedPacket): void }[], o: { first?: number; tick?: number } = {}) {
  const d = new DecodedPacket();
  const tick = o.tick ?? 1;
  let clock = (o.first ?? 1e15) - tick;
  const feed = (ts?: number): void => {
    d.tsMicros = ts ?? (clock += tick);
    for (const w of watches) w.observe(d);
  };
  const announce = (macLo: number, ip: number, ts?: number, to = 0): void => {
    d.l3 = L3_ARP;
    d.arpOp = 2;
    d.arpSenderMacHi = 0x0011;
    d.arpSenderMacLo = macLo;
    d.arpSenderIp = ip;
    d.arpTargetIp = to;
    feed(ts);
  };
  const send = (macLo: number, src: number, ts?: number): void => {
    d.l3 = L3_IPV4;
    d.srcMacHi = 0x0011;
    d.srcMacLo = macLo;
    d.src[3] = src;
    feed(ts);
  };
  /** an ARP request: who has `target`? tell `ip` (at `mac`) */
  const ask = (macLo: number, ip: number, target: number): void => {
    d.l3 = L3_ARP;
    d.arpOp = 1;
    d.arpSenderMacHi = 0x0011;
    d.arpSenderMacLo = macLo;
    d.arpSenderIp = ip;
    d.arpTargetIp = target;
    feed();
  };
  /** one frame of a replayed link: ['arp', mac, address, told], ['who', mac, address, asked for] or ['ip', mac, source] */
  const frame = (kind: 'arp' | 'who' | 'ip', macLo: number, ip: number, to?: number): void =>
    kind === 'arp' ? announce(macLo, ip, undefined, to) : kind === 'who' ? ask(macLo, ip, to ?? 0) : send(macLo, ip);
  return { announce, send, frame };
}

test('one address announced by two MACs is a conflict; a gratuitous ARP alone is not', () => {
  const arp = new ArpWatch();
  const { announce } = onLink([arp]);
  announce(0x22334455, 0x0a000005, 1e15);
  announce(0x22334455, 0x0a000005, 1e15 + 1e6);
  assert.deepEqual(arp.findings(), []);
  announce(0x66778899, 0x0a000005, 1e15 + 2e6);
  const f = arp.findings();
  assert.equal(f.length, 1);
  assert.equal(f[0].ruleId, 'arp.ip-conflict');
  assert.equal(f[0].srcIp, '10.0.0.5');
  assert.deepEqual(f[0].evidence.macs, ['00:11:22:33:44:55', '00:11:66:77:88:99']);
});

test('an address taken by a host that announced its own: the finding names the spoofer as its source, not the victim', () => {
  // seen in a namespace: 10.88.0.2 (f6:..) sent ARP replies "10.88.0.1 is-at f6:..", and the report's
  // risky source, for a blocklist to ban, was 10.88.0.1, the host whose address was taken
  const arp = new ArpWatch();
  const { announce } = onLink([arp]);
  announce(0x000000a1, 0x0a580001, 1e15); // 10.88.0.1, the owner
  announce(0x000000b2, 0x0a580002, 1e15 + 1e6); // 10.88.0.2, the spoofer's own
  announce(0x000000b2, 0x0a580001, 1e15 + 2e6); // the spoofer takes 10.88.0.1
  const f = arp.findings().find((x) => x.ruleId === 'arp.ip-conflict');
  assert.ok(f);
  assert.equal(f.srcIp, '10.88.0.2');
  assert.deepEqual(f.targets.ips, ['10.88.0.1']);
  assert.equal(f.evidence.spooferMac, '00:11:00:00:00:b2');
  assert.equal(f.evidence.spooferIp, '10.88.0.2');
  assert.match(f.reason, /ARP spoofing of 10\.88\.0\.1 by 10\.88\.0\.2/);
});

test('two hosts with public addresses on one link talking are no gateway poisoning, whether their ARP comes first or later', () => {
  // seen in a namespace: 203.0.113.1 and 203.0.113.2 on one veth, an HTTP exchange between them read
  // as arp.gateway-poisoning ×2 (severity 1): each host's own packets were taken for routed traffic
  for (const arpFirst of [true, false]) {
    const arp = new ArpWatch();
    const { announce, send } = onLink([arp]);
    const [A, B, ipA, ipB] = [0xa1, 0xb2, 0xcb007101, 0xcb007102];
    if (arpFirst) {
      announce(A, ipA);
      announce(B, ipB);
    }
    for (let i = 0; i < 10; i++) {
      send(A, ipA);
      send(B, ipB);
    }
    if (!arpFirst) {
      announce(A, ipA);
      announce(B, ipB);
    }
    assert.deepEqual(arp.findings().map((f) => f.ruleId), [], arpFirst ? 'ARP first' : 'ARP after');
  }
});

test('a host that took the gateway\'s address and then forwards Internet traffic is still gateway poisoning', () => {
  const arp = new ArpWatch();
  const { announce, send } = onLink([arp]);
  const [ROUTER, EVIL, gw, evilOwn, remote] = [0x01, 0xee, 0x0a000001, 0x0a000069, 0x08080808];
  announce(ROUTER, gw);
  send(ROUTER, remote);
  announce(EVIL, evilOwn);
  announce(EVIL, gw);
  send(EVIL, remote);
  const f = arp.findings().find((x) => x.ruleId === 'arp.gateway-poisoning');
  assert.ok(f);
  assert.equal(f.evidence.gatewayIp, '10.0.0.1');
  assert.equal(f.evidence.attackerMac, '00:11:00:00:00:ee');
});

test('an address announced by one MAC while another keeps sending its packets: ARP spoofing named by the claimant\'s own address', () => {
  // seen in a namespace: 10.88.0.2 sent six unsolicited replies "10.88.0.1 is-at f6:..", never
  // announcing its own address, and the real 10.88.0.1 (which had no reason to ARP) went on talking
  // from its own MAC: no second ARP claimant and no Internet traffic, so nothing was found
  const rules = resolveRulesConfig({});
  const run = (steps: readonly (readonly ['arp' | 'ip', number, number])[]) => {
    const arp = new ArpWatch();
    const dup = new IpConflictWatch(rules.duplicateIp, rules.limits);
    const { frame } = onLink([arp, dup], { first: 1e15 + 1e5, tick: 1e5 });
    for (const [kind, macLo, ip] of steps) frame(kind, macLo, ip);
    return arp.findings(dup);
  };
  const [OWNER, SPOOFER, NEW, victim, spooferIp] = [0xa1, 0xb2, 0xc3, 0x0a580001, 0x0a580002];
  const poisoned = run([
    ['arp', SPOOFER, victim],
    ['arp', SPOOFER, victim],
    ['ip', SPOOFER, spooferIp],
    ['ip', OWNER, victim],
    ['ip', SPOOFER, spooferIp],
    ['ip', OWNER, victim],
  ]);
  const f = poisoned.find((x) => x.ruleId === 'arp.ip-conflict');
  assert.ok(f, JSON.stringify(poisoned.map((x) => x.ruleId)));
  assert.equal(f.srcIp, '10.88.0.2');
  assert.deepEqual(f.targets.ips, ['10.88.0.1']);
  assert.equal(f.evidence.spooferMac, '00:11:00:00:00:b2');
  assert.deepEqual(f.evidence.senderMacs, ['00:11:00:00:00:a1']);
  assert.match(f.reason, /ARP spoofing of 10\.88\.0\.1 by 10\.88\.0\.2/);
  // a new machine taking over an address (a DHCP lease handed on): the old one's packets all came
  // before the announcement, and the newcomer has no other address: no finding
  assert.deepEqual(run([['ip', OWNER, victim], ['ip', OWNER, victim], ['arp', NEW, victim], ['ip', NEW, victim]]).map((x) => x.ruleId), []);
  // a host announcing its own address while it talks: nothing
  assert.deepEqual(run([['arp', OWNER, victim], ['ip', OWNER, victim], ['ip', SPOOFER, spooferIp]]).map((x) => x.ruleId), []);
});

test('a host announcing several addresses of its own is no arp.mac-many-ips; speaking for an address another MAC uses is', () => {
  // seen in a namespace with 6 addresses on one interface: its ordinary ARP raised arp.mac-many-ips (severity 2)
  const arp = new ArpWatch();
  const { announce } = onLink([arp]);
  for (let i = 1; i <= 6; i++) announce(0xa1, 0x0a580000 + i, 1e15 + i);
  assert.deepEqual(arp.findings().map((f) => f.ruleId), []);
  // another host announces one of them: now the first MAC speaks for an address in use elsewhere
  announce(0xb2, 0x0a580003, 1e15 + 100);
  assert.deepEqual(arp.findings().map((f) => f.ruleId).sort(), ['arp.ip-conflict', 'arp.mac-many-ips']);
});

test("arp.mac-many-ips names the MAC's own address as its source when it has exactly one, never the address it took", () => {
  const arp = new ArpWatch();
  const { announce } = onLink([arp]);
  // 10.79.0.1 (the gateway, 0xa1) and the spoofer 10.79.0.2 (0xb2), which then says "10.79.0.1 is-at me"
  announce(0xa1, 0x0a4f0001, 1e15);
  announce(0xb2, 0x0a4f0002, 1e15 + 1e6);
  announce(0xb2, 0x0a4f0001, 1e15 + 2e6);
  const many = arp.findings().find((f) => f.ruleId === 'arp.mac-many-ips');
  assert.ok(many);
  assert.equal(many.srcIp, '10.79.0.2');
  assert.match(many.reason, /^00:11:00:00:00:b2 \(10\.79\.0\.2's MAC\) announced itself by ARP for 2 addresses \(10\.79\.0\.2, 10\.79\.0\.1\)/);
  assert.equal(arp.findings().find((f) => f.ruleId === 'arp.ip-conflict')?.srcIp, '10.79.0.2');
  // a second address of its own: which is the spoofer's is not known, so no source (not the victim either)
  announce(0xb2, 0x0a4f0009, 1e15 + 3e6);
  assert.equal(arp.findings().find((f) => f.ruleId === 'arp.mac-many-ips')?.srcIp, null);
});

test('arp.ip-conflict names the hosts the spoofer told (the targets of its ARP for the address taken) among its targets', () => {
  // the gateway 10.79.0.1 (0xa1) and the spoofer 10.79.0.2 (0xb2) replying "10.79.0.1 is-at me" to
  // 10.79.0.3: the poisoned host was named nowhere, so respond could ban it on its risk
  const arp = new ArpWatch();
  const d = new DecodedPacket();
  d.l3 = L3_ARP;
  const say = (macLo: number, ip: number, to: number, ts: number) => {
    d.arpOp = 2;
    d.arpSenderMacHi = 0x0011;
    d.arpSenderMacLo = macLo;
    d.arpSenderIp = ip;
    d.arpTargetIp = to;
    d.tsMicros = ts;
    arp.observe(d);
  };
  say(0xa1, 0x0a4f0001, 0x0a4f0003, 1e15);
  say(0xb2, 0x0a4f0002, 0x0a4f0003, 1e15 + 1e6);
  for (let i = 0; i < 3; i++) say(0xb2, 0x0a4f0001, 0x0a4f0003, 1e15 + 2e6 + i);
  say(0xb2, 0x0a4f0001, 0x0a4f0004, 1e15 + 3e6);
  const f = arp.findings().find((x) => x.ruleId === 'arp.ip-conflict');
  assert.ok(f);
  assert.equal(f.srcIp, '10.79.0.2');
  assert.deepEqual(f.targets.ips, ['10.79.0.1', '10.79.0.3', '10.79.0.4']);
  assert.equal(f.targets.ipCount, 3);
  assert.deepEqual(f.evidence.toldHosts, ['10.79.0.3', '10.79.0.4']);
  assert.match(f.reason, /ARP spoofing of 10\.79\.0\.1 by 10\.79\.0\.2, told to 10\.79\.0\.3, 10\.79\.0\.4\.$/);
  // the real owner's own ARP to 10.79.0.3 makes no one a victim: a conflict with no spoofer named has its address alone as target
  const plain = new ArpWatch();
  for (const [mac, ts] of [[0xa1, 1e15], [0xc3, 1e15 + 1e6]] as const) {
    d.arpSenderMacLo = mac;
    d.arpSenderIp = 0x0a4f0009;
    d.arpTargetIp = 0x0a4f0003;
    d.tsMicros = ts;
    plain.observe(d);
  }
  assert.deepEqual(plain.findings().find((x) => x.ruleId === 'arp.ip-conflict')?.targets.ips, ['10.79.0.9']);
});

test("a spoofer-named arp.ip-conflict begins at the spoofer's first claim, not at the owner's own announcement before it", () => {
  const arp = new ArpWatch();
  const d = new DecodedPacket();
  d.l3 = L3_ARP;
  d.arpOp = 2;
  d.arpSenderMacHi = 0x0011;
  const say = (macLo: number, ip: number, ts: number) => {
    d.arpSenderMacLo = macLo;
    d.arpSenderIp = ip;
    d.tsMicros = ts;
    arp.observe(d);
  };
  say(0xa1, 0x0a4f0001, Date.UTC(2026, 0, 1) * 1000);
  say(0xb2, 0x0a4f0002, Date.UTC(2026, 0, 1, 0, 5) * 1000);
  say(0xb2, 0x0a4f0001, Date.UTC(2026, 0, 1, 0, 6) * 1000);
  const f = arp.findings().find((x) => x.ruleId === 'arp.ip-conflict');
  assert.equal(f?.srcIp, '10.79.0.2');
  assert.equal(f?.firstSeen, '2026-01-01T00:06:00.000Z');
  // two claimants with addresses of their own: no spoofer named, the conflict's first evidence as before
  say(0xc3, 0x0a4f0005, Date.UTC(2026, 0, 1, 0, 7) * 1000);
  say(0xc3, 0x0a4f0001, Date.UTC(2026, 0, 1, 0, 8) * 1000);
  assert.equal(arp.findings().find((x) => x.ruleId === 'arp.ip-conflict')?.srcIp, '10.79.0.1');
  assert.equal(arp.findings().find((x) => x.ruleId === 'arp.ip-conflict')?.firstSeen, '2026-01-01T00:00:00.000Z');
});

test('two ARP claimants: the spoofer is named by the address it sends from when it never announced one by ARP', () => {
  // 10.79.0.1 (0xa1) and a spoofer (0xb2) announcing 10.79.0.1; the spoofer's own 10.79.0.2 only
  // in its IPv4 packets (its neighbours had it cached): the source was 10.79.0.1, the victim
  const rules = resolveRulesConfig({});
  const arp = new ArpWatch();
  const dup = new IpConflictWatch(rules.duplicateIp, rules.limits);
  const { frame: step } = onLink([arp, dup], { first: 1e15 + 1e5, tick: 1e5 });
  step('arp', 0xa1, 0x0a4f0001);
  step('ip', 0xa1, 0x0a4f0001);
  step('ip', 0xb2, 0x0a4f0002);
  step('arp', 0xb2, 0x0a4f0001);
  step('ip', 0xa1, 0x0a4f0001);
  const f = arp.findings(dup).find((x) => x.ruleId === 'arp.ip-conflict');
  assert.ok(f);
  assert.equal(f.srcIp, '10.79.0.2');
  assert.match(f.reason, /ARP spoofing of 10\.79\.0\.1 by 10\.79\.0\.2\.$/);
});

/**
 * The link as the real tools leave it, replayed frame kind by frame kind from captures of a bridge
 * (lane tools-l2, 6 December 2026: namespaces gw 10.66.0.1, victim 10.66.0.11, attacker 10.66.0.66
 * with ip_forward on, an Internet host 198.51.100.10 behind gw): ARP claims, and IPv4 packets by
 * sending MAC and source address, through the whole packet-detector path (arp-watch, ip-conflict-watch).
 */
function linkFindings(steps: readonly (readonly ['arp' | 'who' | 'ip', number, number, number?])[]) {
  const rules = resolveRulesConfig({});
  const arp = new ArpWatch();
  const dup = new IpConflictWatch(rules.duplicateIp, rules.limits);
  const { frame } = onLink([arp, dup], { first: 1e15 + 1e5, tick: 1e5 });
  for (const [kind, macLo, ip, to] of steps) frame(kind, macLo, ip, to);
  const arpFindings = arp.findings(dup);
  return [...arpFindings, ...dup.findings((ip) => arp.conflicted(ip), (mac) => arp.spoofer(mac, dup))];
}
const [G, V, E] = [0x01, 0x11, 0xee];
const [gwIp, vIp, eIp, remote] = [0x0a420001, 0x0a42000b, 0x0a420042, 0xc633640a];
const summary = (fs: ReturnType<typeof linkFindings>) => fs.map((f) => `${f.ruleId} ${f.srcIp} -> ${f.targets.ips.join(',')}`).sort();

test('arpspoof -t victim gateway: the spoofer is the source of every finding, the victim whose packets it relays none', () => {
  // seen: arp.ip-conflict's source was 10.66.0.1 (the gateway, its forwarded Internet packets made it
  // look like a host with an address of its own too), and packet.ip-conflict named 10.66.0.11, the
  // victim, for the packets the attacker relayed from its MAC: both risky sources at 0.9999
  const steps: ['arp' | 'ip', number, number, number?][] = [
    ['arp', V, vIp, gwIp],
    ['arp', G, gwIp, vIp],
  ];
  for (let i = 0; i < 3; i++) steps.push(['ip', V, vIp], ['ip', G, remote], ['ip', G, gwIp]);
  steps.push(['arp', E, eIp, gwIp], ['arp', G, gwIp, eIp]);
  for (let i = 0; i < 5; i++) steps.push(['arp', E, gwIp, vIp], ['ip', V, vIp], ['ip', E, vIp], ['ip', G, remote]);
  const f = linkFindings(steps);
  // the gateway's address taken from the router that carries the Internet traffic: gateway poisoning
  // too (before: only arp.ip-conflict, the Internet traffic seen on the link never changing router)
  assert.deepEqual(summary(f), [
    'arp.gateway-poisoning 10.66.0.66 -> 10.66.0.1,10.66.0.11',
    'arp.ip-conflict 10.66.0.66 -> 10.66.0.1,10.66.0.11',
    'arp.mac-many-ips 10.66.0.66 -> 10.66.0.66,10.66.0.1',
    'packet.ip-conflict 10.66.0.66 -> 10.66.0.11',
  ]);
  const g = f.find((x) => x.ruleId === 'arp.gateway-poisoning');
  assert.equal(g?.severity, 1);
  assert.equal(g?.evidence.previousRouterMac, '00:11:00:00:00:01');
  assert.match(g?.reason ?? '', /^00:11:00:00:00:ee \(10\.66\.0\.66's MAC\) announced itself by ARP as 10\.66\.0\.1, the address of the router 00:11:00:00:00:01, which carries the Internet traffic, told to 10\.66\.0\.11: ARP poisoning of the gateway 10\.66\.0\.1/);
  const relay = f.find((x) => x.ruleId === 'packet.ip-conflict');
  assert.equal(relay?.evidence.relayMac, '00:11:00:00:00:ee');
  assert.match(relay?.reason ?? '', /^10\.66\.0\.11's packets came from 00:11:00:00:00:11 \(\d+ packets\) and from 00:11:00:00:00:ee \(10\.66\.0\.66's MAC\) \(5 packets\), which announced itself by ARP as 10\.66\.0\.1: a man in the middle relaying/);
});

test('arpspoof -r (both ways, the attacker never announcing its own address): the attacker named by the address it sends from, never a victim', () => {
  // seen: arp.gateway-poisoning's source was 10.66.0.11 and arp.ip-conflict's 10.66.0.1 (each victim
  // announced nothing by ARP in the capture, so the other's address looked like the attacker's own);
  // packet.ip-conflict named 10.66.0.11 and 198.51.100.10
  const steps: ['arp' | 'ip', number, number, number?][] = [];
  for (let i = 0; i < 3; i++) steps.push(['ip', V, vIp], ['ip', G, remote]);
  for (let i = 0; i < 5; i++) {
    steps.push(['arp', E, gwIp, vIp], ['arp', E, vIp, gwIp]);
    steps.push(['ip', V, vIp], ['ip', E, vIp], ['ip', G, remote], ['ip', E, remote], ['ip', E, eIp]);
  }
  const f = linkFindings(steps);
  assert.deepEqual(summary(f), [
    'arp.gateway-poisoning 10.66.0.66 -> 10.66.0.1,10.66.0.11',
    'arp.ip-conflict 10.66.0.66 -> 10.66.0.11,10.66.0.1',
    'arp.mac-many-ips 10.66.0.66 -> 10.66.0.1,10.66.0.11',
    'packet.ip-conflict 10.66.0.66 -> 10.66.0.11',
    'packet.ip-conflict 10.66.0.66 -> 198.51.100.10',
  ]);
});

test('ettercap -M arp both ways: one gateway poisoning, of the gateway 10.66.0.1, and none for the router taking its traffic back', () => {
  // seen: "ARP poisoning of the gateway 10.66.0.11" (the victim's address, which ettercap announced
  // first), and a second severity-1 finding naming the real router's MAC when its traffic came back
  // (ettercap re-ARPs the true MACs as it stops)
  const steps: ['arp' | 'ip', number, number, number?][] = [
    ['arp', V, vIp, gwIp],
    ['ip', G, remote],
    ['arp', G, gwIp, vIp],
    ['arp', E, eIp, vIp],
  ];
  for (let i = 0; i < 5; i++) steps.push(['arp', E, vIp, gwIp], ['arp', E, gwIp, vIp], ['ip', E, remote], ['ip', V, vIp], ['ip', E, vIp]);
  steps.push(['arp', G, gwIp, vIp], ['ip', G, remote], ['ip', G, remote]);
  const f = linkFindings(steps);
  const poisoning = f.filter((x) => x.ruleId === 'arp.gateway-poisoning');
  assert.equal(poisoning.length, 1, JSON.stringify(summary(f)));
  assert.equal(poisoning[0].evidence.gatewayIp, '10.66.0.1');
  assert.equal(poisoning[0].evidence.attackerMac, '00:11:00:00:00:ee');
  assert.equal(poisoning[0].srcIp, '10.66.0.66');
  assert.ok(!f.some((x) => x.srcIp === '10.66.0.1' || x.srcIp === '10.66.0.11' || x.srcIp === '198.51.100.10'), JSON.stringify(summary(f)));
});

test('a host that announced itself as a neighbour and then asks for that neighbour\'s MAC: ARP spoofing of it, named by its own address; asking first, then taking the address over, is not', () => {
  // the victim never ARPs nor talks in the capture: only the spoofer's contradiction shows
  const spoofed = linkFindings([
    ['ip', E, eIp],
    ['arp', E, vIp, gwIp],
    ['ip', E, eIp],
    ['who', E, eIp, vIp],
  ]);
  assert.deepEqual(summary(spoofed), ['arp.ip-conflict 10.66.0.66 -> 10.66.0.11,10.66.0.1', 'arp.mac-many-ips 10.66.0.66 -> 10.66.0.11,10.66.0.66']);
  assert.match(spoofed.find((f) => f.ruleId === 'arp.ip-conflict')!.reason, /announced itself by ARP as 10\.66\.0\.11, then asked by ARP for 10\.66\.0\.11's MAC from 10\.66\.0\.66: it does not hold 10\.66\.0\.11/);
  // a takeover: a host asks for an address while another holds it, then announces it as its own
  // (keepalived moving a service address; the old holder silent in the capture); a gratuitous
  // request (asking for its own address)
  assert.deepEqual(summary(linkFindings([['who', E, eIp, vIp], ['arp', E, vIp, gwIp], ['ip', E, eIp], ['who', E, vIp, vIp]])), []);
  assert.deepEqual(summary(linkFindings([['arp', V, vIp, gwIp], ['who', V, vIp, vIp], ['ip', V, vIp]])), []);
});
