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
