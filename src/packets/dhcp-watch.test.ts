import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dhcpAnswer, dhcpv6Answer, icmpMessage, ipFrame } from '../testing/frame-builder.js';
import { framesFindings } from '../testing/packet-findings.js';

const T0 = 1_700_000_000_000_000;
const offer = (ts: number, server: string, mac: string, router: string, dns: string, type = 2) => ({
  ts,
  frame: ipFrame({ srcMac: mac, dstMac: 'ff:ff:ff:ff:ff:ff', src: server, dst: '255.255.255.255', proto: 17, payload: dhcpAnswer({ type, serverId: server, yourIp: '192.168.1.50', routers: [router], dns: [dns] }) }),
});
const legit = offer(T0, '192.168.1.1', '02:00:00:00:00:01', '192.168.1.1', '192.168.1.1');
const rogue = offer(T0 + 2000, '192.168.1.66', '02:aa:bb:cc:dd:ee', '192.168.1.66', '192.168.1.66');

test('one DHCP server (offer and ack) raises nothing', async () => {
  assert.deepEqual((await framesFindings([legit, offer(T0 + 5000, '192.168.1.1', '02:00:00:00:00:01', '192.168.1.1', '192.168.1.1', 5)])).findings, []);
});

test('a second server offering is reported with what it offered; with an allowlist it is a rogue server', async () => {
  const { findings } = await framesFindings([legit, rogue]);
  assert.equal(findings.length, 1);
  const f = findings[0];
  assert.equal(f.ruleId, 'dhcp.second-server');
  assert.equal(f.severity, 2);
  assert.equal(f.srcIp, '192.168.1.66');
  assert.deepEqual(f.evidence.routers, ['192.168.1.66']);
  assert.deepEqual(f.evidence.dns, ['192.168.1.66']);
  assert.equal(f.evidence.otherServer, '192.168.1.1');
  assert.deepEqual(f.evidence.macs, ['02:aa:bb:cc:dd:ee']);

  // the allowlist names the rogue's address: then the other one is the rogue
  const flipped = await framesFindings([legit, rogue], { dhcp: { servers: ['192.168.1.66'] } });
  assert.deepEqual(flipped.findings.map((x) => `${x.ruleId} ${x.srcIp} ${x.severity}`), ['dhcp.rogue-server 192.168.1.1 1']);
  // an allowlist with the real one: a rogue even when it is the only server seen
  const alone = await framesFindings([rogue], { dhcp: { servers: ['192.168.1.0/30'] } });
  assert.deepEqual(alone.findings.map((x) => `${x.ruleId} ${x.srcIp}`), ['dhcp.rogue-server 192.168.1.66']);
});

test('DHCPv6: a second server advertising (by DUID) is reported', async () => {
  const a = { ts: T0, frame: ipFrame({ src: 'fe80::1', dst: 'fe80::50', proto: 17, payload: dhcpv6Answer(2, Uint8Array.of(0, 3, 0, 1, 2, 0, 0, 0, 0, 1), ['2001:db8::53']) }) };
  const b = { ts: T0 + 1000, frame: ipFrame({ src: 'fe80::66', dst: 'fe80::50', proto: 17, payload: dhcpv6Answer(2, Uint8Array.of(0, 3, 0, 1, 2, 0xaa, 0, 0, 0, 0x66), ['2001:db8::666']) }) };
  const { findings } = await framesFindings([a, b]);
  assert.deepEqual(findings.map((x) => `${x.ruleId} ${x.srcIp}`), ['dhcp.second-server fe80::66']);
  assert.equal(findings[0].evidence.serverId, '0003000102aa00000066');
  assert.deepEqual(findings[0].evidence.dns, ['2001:db8::666']);
});

test('a rogue server answering before the real one (which pings the address first) is the one reported, the real one having talked on the link before', async () => {
  // seen in the tools-l2 lab (6 December 2026): dnsmasq --no-ping on 10.66.0.254 offered at once,
  // the gateway's dnsmasq (10.66.0.1, which pings the address before offering) 3 s later, and the
  // gateway, talking on the link all along, was reported as "a second DHCP server"
  const gwTalks = [0, 1, 2].map((i) => ({ ts: T0 - 10e6 + i * 1e6, frame: ipFrame({ srcMac: '02:00:00:00:00:01', src: '192.168.1.1', dst: '192.168.1.20', proto: 1, payload: icmpMessage(0, 0, new Uint8Array(8)) }) }));
  const rogueFirst = offer(T0, '192.168.1.66', '02:aa:bb:cc:dd:ee', '192.168.1.66', '192.168.1.66');
  const legitLater = offer(T0 + 3e6, '192.168.1.1', '02:00:00:00:00:01', '192.168.1.1', '192.168.1.1');
  const { findings } = await framesFindings([...gwTalks, rogueFirst, legitLater]);
  assert.deepEqual(findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['dhcp.second-server 192.168.1.66']);
  assert.match(findings[0].reason, /while 192\.168\.1\.1 was there first \(it answered DHCP later, but was on the link before\)/);
  // with no sign of either before their answers, the first to answer stays the one kept
  assert.deepEqual((await framesFindings([rogueFirst, legitLater])).findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['dhcp.second-server 192.168.1.1']);
});
