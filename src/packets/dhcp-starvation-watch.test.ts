import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dhcpAnswer, dhcpRequest, ipFrame } from '../testing/frame-builder.js';
import { framesFindings } from '../testing/packet-findings.js';

const T0 = 1_700_000_000_000_000;
const mac = (i: number): string => `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
/** a DHCPDISCOVER (or `type`) for client `i` at `ts`, the frame from `from` (default: the client itself) */
const request = (ts: number, i: number, o: { from?: string; type?: number; clientIp?: string; relay?: string } = {}) => ({
  ts,
  frame: ipFrame({ srcMac: o.from ?? mac(i), dstMac: 'ff:ff:ff:ff:ff:ff', src: o.clientIp ?? o.relay ?? '0.0.0.0', dst: o.relay ? '192.168.1.1' : '255.255.255.255', proto: 17, payload: dhcpRequest({ type: o.type ?? 1, clientMac: mac(i), clientIp: o.clientIp, relay: o.relay }) }),
});
const offer = (ts: number, i: number) => ({ ts, frame: ipFrame({ srcMac: '02:00:00:00:00:01', dstMac: 'ff:ff:ff:ff:ff:ff', src: '192.168.1.1', dst: '255.255.255.255', proto: 17, payload: dhcpAnswer({ type: 2, serverId: '192.168.1.1', yourIp: `192.168.1.${100 + (i % 100)}`, clientMac: mac(i) }) }) });

test('DHCP starvation: 150 made-up clients in 3 s from one host is dhcp.starvation naming its MAC, with the offers the pool still gave', async () => {
  const frames = [];
  for (let i = 0; i < 150; i++) {
    frames.push(request(T0 + i * 20_000, 1000 + i, { from: '02:aa:bb:cc:dd:ee' }));
    if (i < 20) frames.push(offer(T0 + i * 20_000 + 500, 1000 + i));
  }
  const { findings } = await framesFindings(frames);
  const f = findings.filter((x) => x.ruleId === 'dhcp.starvation');
  assert.equal(f.length, 1, JSON.stringify(findings.map((x) => x.ruleId)));
  assert.deepEqual(f[0]!.srcMacs, ['02:aa:bb:cc:dd:ee']);
  assert.equal(f[0]!.srcIp, null);
  assert.equal(f[0]!.evidence.clients, 150);
  assert.equal(f[0]!.evidence.offers, 20);
  assert.match(f[0]!.reason, /^150 distinct clients asked for a DHCP lease \(150 DHCPDISCOVERs\) in 3\.0 s from 02:aa:bb:cc:dd:ee, 20 answered with an offer: DHCP starvation/);
  // each frame under a MAC of its own (yersinia): no source MAC to name
  const spread = await framesFindings(Array.from({ length: 150 }, (_, i) => request(T0 + i * 20_000, 1000 + i)));
  const g = spread.findings.find((x) => x.ruleId === 'dhcp.starvation');
  assert.ok(g && g.srcMacs === undefined && g.evidence.frameSourceMacs === 150, JSON.stringify(g));
});

test('no starvation: a building booting over half an hour, renewals of 500 leases, and the same client asking again and again', async () => {
  // 150 hosts, one DISCOVER every 12 s (each gap longer than the 10-s window)
  const boot = Array.from({ length: 150 }, (_, i) => request(T0 + i * 12e6, i));
  // 500 renewals in 5 s: REQUESTs from their own addresses, not DISCOVERs
  const renew = Array.from({ length: 500 }, (_, i) => request(T0 + 2e9 + i * 10_000, 5000 + i, { type: 3, clientIp: `10.1.${i >> 8}.${i & 255}` }));
  // one client retrying 300 times
  const retry = Array.from({ length: 300 }, (_, i) => request(T0 + 3e9 + i * 10_000, 7));
  const { findings } = await framesFindings([...boot, ...renew, ...retry]);
  assert.deepEqual(findings.filter((x) => x.ruleId === 'dhcp.starvation'), []);
  // and the threshold is the setting's
  const low = await framesFindings(Array.from({ length: 30 }, (_, i) => request(T0 + i * 1000, i)), { dhcpStarvation: { clients: 20 } });
  assert.equal(low.findings.filter((x) => x.ruleId === 'dhcp.starvation').length, 1);
});

test('DISCOVERs forwarded by a relay agent count their clients and name the relay', async () => {
  const frames = Array.from({ length: 120 }, (_, i) => request(T0 + i * 10_000, 3000 + i, { from: '02:00:00:00:00:fe', relay: '10.9.0.1' }));
  const f = (await framesFindings(frames)).findings.find((x) => x.ruleId === 'dhcp.starvation');
  assert.deepEqual(f?.evidence.relays, ['10.9.0.1']);
  assert.match(f?.reason ?? '', /\(relayed by 10\.9\.0\.1\)/);
});
