import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dhcpAnswer, icmpMessage, icmpRedirectV4, icmpRedirectV6, ipFrame } from '../testing/frame-builder.js';
import { framesFindings } from '../testing/packet-findings.js';

const T0 = 1_700_000_000_000_000;
const ATTACKER_MAC = '02:aa:bb:cc:dd:ee';

/** 192.168.1.66 tells 192.168.1.20 to reach 8.8.8.8 through itself. */
const rogueRedirect = (ts: number) => ({ ts, frame: ipFrame({ srcMac: ATTACKER_MAC, src: '192.168.1.66', dst: '192.168.1.20', proto: 1, payload: icmpRedirectV4('192.168.1.66', '192.168.1.20', '8.8.8.8') }) });

test('an IPv4 redirect from a host that is not a known router names sender, victim, destination and gateway', async () => {
  const { findings } = await framesFindings([rogueRedirect(T0)]);
  assert.equal(findings.length, 1);
  const f = findings[0];
  assert.equal(f.ruleId, 'packet.icmp-redirect');
  assert.equal(f.srcIp, '192.168.1.66');
  assert.deepEqual(f.evidence.redirected, ['192.168.1.20']);
  assert.deepEqual(f.evidence.destinations, ['8.8.8.8']);
  assert.deepEqual(f.evidence.gateways, ['192.168.1.66']);
  assert.equal(f.evidence.gatewayIsSender, 1);
  assert.deepEqual(f.evidence.senderMacs, [ATTACKER_MAC]);
  assert.match(f.reason, /no router is configured/);
});

test('a redirect from a configured router, or from the router DHCP hands out, is not a finding; a burst is', async () => {
  const fromRouter = (ts: number) => ({ ts, frame: ipFrame({ src: '192.168.1.1', dst: '192.168.1.20', proto: 1, payload: icmpRedirectV4('192.168.1.2', '192.168.1.20', '10.9.0.1') }) });
  assert.deepEqual((await framesFindings([fromRouter(T0)], { icmpRedirect: { routers: ['192.168.1.0/30'] } })).findings, []);
  const dhcp = { ts: T0 - 1000, frame: ipFrame({ src: '192.168.1.1', dst: '255.255.255.255', proto: 17, payload: dhcpAnswer({ type: 5, serverId: '192.168.1.1', yourIp: '192.168.1.20', routers: ['192.168.1.1'] }) }) };
  assert.deepEqual((await framesFindings([dhcp, fromRouter(T0)])).findings, []);
  const burst = Array.from({ length: 11 }, (_, i) => fromRouter(T0 + i * 1e6));
  const b = await framesFindings([dhcp, ...burst]);
  assert.deepEqual(b.findings.map((f) => `${f.ruleId} ${f.severity}`), ['packet.icmp-redirect-burst 3']);
  // the same 11 spread over more than the window: no burst
  const slow = Array.from({ length: 11 }, (_, i) => fromRouter(T0 + i * 10e6));
  assert.deepEqual((await framesFindings([dhcp, ...slow])).findings, []);
});

test('an ICMPv6 redirect from a host that never advertised itself as a router is a finding; from an advertiser it is not', async () => {
  const redirect = { ts: T0 + 1000, frame: ipFrame({ src: 'fe80::66', dst: 'fe80::20', ttl: 255, proto: 58, payload: icmpRedirectV6('fe80::66', '2001:db8::53') }) };
  const { findings } = await framesFindings([redirect]);
  assert.equal(findings.length, 1);
  assert.equal(findings[0].ruleId, 'packet.icmp-redirect');
  assert.deepEqual(findings[0].evidence.gateways, ['fe80::66']);
  assert.deepEqual(findings[0].evidence.destinations, ['2001:db8::53']);
  const ra = { ts: T0, frame: ipFrame({ src: 'fe80::66', dst: 'ff02::1', ttl: 255, proto: 58, payload: icmpMessage(134, 0, new Uint8Array(12)) }) };
  assert.deepEqual((await framesFindings([ra, redirect])).findings, []);
});

test("a redirect under the gateway's address from another host's MAC (scapy's classic spoof) names that host, even when DHCP made the gateway a known router", async () => {
  // seen in the tools-l2 lab (6 December 2026): scapy on 10.66.0.66 sent
  // IP(src=10.66.0.1, dst=10.66.0.11)/ICMP(type=5, gw=10.66.0.66) from its own MAC; the finding's
  // source was 10.66.0.1, the gateway, and with the gateway offered as router by DHCP nothing at all
  const GW_MAC = '02:00:00:00:00:01';
  const SPOOFER_MAC = '02:aa:bb:cc:dd:ee';
  const dhcp = { ts: T0 - 5000, frame: ipFrame({ srcMac: GW_MAC, src: '10.66.0.1', dst: '255.255.255.255', proto: 17, payload: dhcpAnswer({ type: 5, serverId: '10.66.0.1', yourIp: '10.66.0.11', routers: ['10.66.0.1'] }) }) };
  const ordinary = [
    { ts: T0 - 4000, frame: ipFrame({ srcMac: GW_MAC, src: '10.66.0.1', dst: '10.66.0.12', proto: 1, payload: icmpMessage(0, 0, new Uint8Array(8)) }) },
    { ts: T0 - 3000, frame: ipFrame({ srcMac: SPOOFER_MAC, src: '10.66.0.66', dst: '10.66.0.1', proto: 1, payload: icmpMessage(8, 0, new Uint8Array(8)) }) },
  ];
  const spoofed = [0, 1, 2].map((i) => ({ ts: T0 + i * 1000, frame: ipFrame({ srcMac: SPOOFER_MAC, src: '10.66.0.1', dst: '10.66.0.11', proto: 1, payload: icmpRedirectV4('10.66.0.66', '10.66.0.11', '198.51.100.10') }) }));
  const { findings } = await framesFindings([dhcp, ...ordinary, ...spoofed]);
  const f = findings.find((x) => x.ruleId === 'packet.icmp-redirect');
  assert.ok(f, JSON.stringify(findings.map((x) => `${x.ruleId} ${x.srcIp}`)));
  assert.equal(f.srcIp, '10.66.0.66');
  assert.deepEqual(f.targets.ips, ['10.66.0.11', '10.66.0.1']);
  assert.equal(f.evidence.spoofedSender, '10.66.0.1');
  assert.match(f.reason, /^3 ICMP redirects under 10\.66\.0\.1's address came from 02:aa:bb:cc:dd:ee, the MAC of 10\.66\.0\.66, to 10\.66\.0\.11 for 198\.51\.100\.10, naming 10\.66\.0\.66 as the gateway \(10\.66\.0\.66 itself\): a spoofed redirect/);
  assert.ok(!findings.some((x) => x.srcIp === '10.66.0.1'), JSON.stringify(findings.map((x) => `${x.ruleId} ${x.srcIp}`)));
  // the router's own redirect, from its own MAC, stays unreported
  const fromRouter = { ts: T0, frame: ipFrame({ srcMac: GW_MAC, src: '10.66.0.1', dst: '10.66.0.11', proto: 1, payload: icmpRedirectV4('10.66.0.2', '10.66.0.11', '10.9.0.1') }) };
  assert.deepEqual((await framesFindings([dhcp, ...ordinary, fromRouter])).findings.map((x) => x.ruleId), []);
});

test("an ICMPv6 redirect is never put on the sending MAC's IPv4 address (thc's redir6 forges the router's MAC and link-local address)", async () => {
  // seen in the tools-l2 lab: atk6-redir6 sent the redirect from the gateway's MAC and fe80 address,
  // and the MAC's IPv4 address, the gateway's 10.66.0.1, became the finding's source
  const GW_MAC = '02:00:00:00:00:01';
  const v4 = [0, 1].map((i) => ({ ts: T0 - 5000 + i, frame: ipFrame({ srcMac: GW_MAC, src: '10.66.0.1', dst: '10.66.0.12', proto: 1, payload: icmpMessage(0, 0, new Uint8Array(8)) }) }));
  const redirect = { ts: T0, frame: ipFrame({ srcMac: GW_MAC, src: 'fe80::1', dst: 'fd66::11', ttl: 255, proto: 58, payload: icmpRedirectV6('fe80::66', '2001:db8:ffff::1') }) };
  const { findings } = await framesFindings([...v4, redirect]);
  assert.deepEqual(findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['packet.icmp-redirect fe80::1']);
});

test("a known IPv6 router's redirect to a better router that never advertised itself (thc's redir6) names that router", async () => {
  // seen in the tools-l2 lab: with the gateway's router advertisements in the capture, redir6's
  // redirect (under the gateway's fe80 address and MAC, naming the attacker's fe80 address) raised nothing
  const GW_MAC = '02:00:00:00:00:01';
  const ra = { ts: T0, frame: ipFrame({ srcMac: GW_MAC, src: 'fe80::1', dst: 'ff02::1', ttl: 255, proto: 58, payload: icmpMessage(134, 0, new Uint8Array(12)) }) };
  const forged = { ts: T0 + 1000, frame: ipFrame({ srcMac: GW_MAC, src: 'fe80::1', dst: 'fd66::11', ttl: 255, proto: 58, payload: icmpRedirectV6('fe80::66', '2001:db8:ffff::1') }) };
  const { findings } = await framesFindings([ra, forged]);
  assert.deepEqual(findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['packet.icmp-redirect fe80::66']);
  assert.deepEqual(findings[0].targets.ips, ['fd66::11', 'fe80::1']);
  assert.match(findings[0].reason, /naming fe80::66 as a better router, which never advertised itself as one/);
  // the router's redirect saying the destination is on-link (target = destination), or naming another advertiser: nothing
  const onLink = { ts: T0 + 1000, frame: ipFrame({ srcMac: GW_MAC, src: 'fe80::1', dst: 'fd66::11', ttl: 255, proto: 58, payload: icmpRedirectV6('fd66::12', 'fd66::12') }) };
  assert.deepEqual((await framesFindings([ra, onLink])).findings, []);
  const ra2 = { ts: T0 + 10, frame: ipFrame({ srcMac: '02:00:00:00:00:02', src: 'fe80::66', dst: 'ff02::1', ttl: 255, proto: 58, payload: icmpMessage(134, 0, new Uint8Array(12)) }) };
  assert.deepEqual((await framesFindings([ra, ra2, forged])).findings.map((f) => f.ruleId), []);
});

test("the packets of a spoofed redirect under the gateway's address are not also a duplicate of the gateway's address (packet.ip-conflict naming the gateway)", async () => {
  // seen in the tools-l2 lab: scapy's three redirects under 10.66.0.1 between the gateway's own
  // packets made packet.ip-conflict with the gateway 10.66.0.1 as its source, beside the redirect finding
  const GW_MAC = '02:00:00:00:00:01';
  const SPOOFER_MAC = '02:aa:bb:cc:dd:ee';
  const gw = (ts: number) => ({ ts, frame: ipFrame({ srcMac: GW_MAC, src: '10.66.0.1', dst: '10.66.0.12', proto: 1, payload: icmpMessage(0, 0, new Uint8Array(8)) }) });
  const own = { ts: T0 - 3000, frame: ipFrame({ srcMac: SPOOFER_MAC, src: '10.66.0.66', dst: '10.66.0.1', proto: 1, payload: icmpMessage(8, 0, new Uint8Array(8)) }) };
  const spoofed = (ts: number) => ({ ts, frame: ipFrame({ srcMac: SPOOFER_MAC, src: '10.66.0.1', dst: '10.66.0.11', proto: 1, payload: icmpRedirectV4('10.66.0.66', '10.66.0.11', '198.51.100.10') }) });
  const { findings } = await framesFindings([gw(T0 - 4000), own, spoofed(T0), gw(T0 + 1000), spoofed(T0 + 2000), gw(T0 + 3000), spoofed(T0 + 4000)]);
  assert.deepEqual(findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['packet.icmp-redirect 10.66.0.66']);
});
