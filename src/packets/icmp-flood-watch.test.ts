/**
 * `packet.icmp-flood`: many ICMP echo requests towards one host. hping3 -1 --faster sent 20,000 in
 * 1.4 s and 150,000 in 21 s (one flow each) in a namespace, and nothing was raised: the packet-flood
 * rule wants 10,000 small packets per second beyond a 10 s burst. The real hping3 flood is in
 * src/cli/verbs/attack-tools-live.test.ts; here the threshold, the sources and what does not count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { icmpMessage, ipFrame, udpDatagram } from '../testing/frame-builder.js';
import { framesFindings } from '../testing/packet-findings.js';

const T0 = 1_700_000_000_000_000;
/** an echo request (IPv4 type 8, ICMPv6 128) or reply (0, 129) */
const echo = (src: string, dst: string, reply: boolean, seq: number) => {
  const v6 = src.includes(':');
  const type = v6 ? (reply ? 129 : 128) : reply ? 0 : 8;
  return ipFrame({ src, dst, proto: v6 ? 58 : 1, payload: icmpMessage(type, 0, Uint8Array.from([0x12, 0x34, seq >> 8, seq & 255])) });
};

/** `n` echo requests from `src(i)` to `dst`, `stepUs` apart, each answered 50 µs later when `answered` */
function pings(n: number, src: (i: number) => string, dst: string, stepUs: number, answered = true) {
  const frames = [];
  for (let i = 0; i < n; i++) {
    frames.push({ ts: T0 + i * stepUs, frame: echo(src(i), dst, false, i) });
    if (answered) frames.push({ ts: T0 + i * stepUs + 50, frame: echo(dst, src(i), true, i) });
  }
  return frames;
}

test('1,001 echo requests to one host within 10 s are a ping flood naming its one source; 1,000 are not', async () => {
  const flood = (await framesFindings(pings(1001, () => '10.88.0.66', '10.88.0.1', 1000))).findings.filter((f) => f.ruleId === 'packet.icmp-flood');
  assert.equal(flood.length, 1);
  assert.equal(flood[0].srcIp, '10.88.0.66');
  assert.deepEqual(flood[0].targets.ips, ['10.88.0.1']);
  assert.equal(flood[0].evidence.requests, 1001);
  assert.equal(flood[0].category, 'denial-of-service');
  assert.match(flood[0].reason, /^10\.88\.0\.1 was sent 1,001 ICMP echo requests in 1\.0 s .* from 10\.88\.0\.66: a ping flood\.$/);
  assert.deepEqual((await framesFindings(pings(1000, () => '10.88.0.66', '10.88.0.1', 1000))).findings.filter((f) => f.ruleId === 'packet.icmp-flood'), []);
  // the same 1,001 spread over 100 s (a ping every 0.1 s) stay under 1,000 in any 10 s
  assert.deepEqual((await framesFindings(pings(1001, () => '10.88.0.66', '10.88.0.1', 100_000))).findings.filter((f) => f.ruleId === 'packet.icmp-flood'), []);
  assert.deepEqual((await framesFindings(pings(1001, () => '10.88.0.66', '10.88.0.1', 1000), { icmpFlood: { enabled: false } })).findings.filter((f) => f.ruleId === 'packet.icmp-flood'), []);
});

test('a ping flood from forged sources names none; IPv6 counts too', async () => {
  const spoofed = (await framesFindings(pings(1500, (i) => `198.51.${(i >> 8) & 255}.${i & 255}`, '10.88.0.1', 500, false))).findings.filter((f) => f.ruleId === 'packet.icmp-flood');
  assert.equal(spoofed.length, 1);
  assert.equal(spoofed[0].srcIp, null);
  assert.equal(spoofed[0].evidence.sources, 1500);
  assert.match(spoofed[0].reason, /from 1,500 sources: a ping flood/);
  const v6 = (await framesFindings(pings(1200, () => '2001:db8::66', '2001:db8::1', 1000))).findings.filter((f) => f.ruleId === 'packet.icmp-flood');
  assert.deepEqual(v6.map((f) => f.srcIp), ['2001:db8::66']);
});

test('the echo replies and the port-unreachable errors of a host flooded with UDP do not make it a ping flooder', async () => {
  const frames = [];
  for (let i = 0; i < 3000; i++) {
    frames.push({ ts: T0 + i * 200, frame: ipFrame({ src: '10.88.0.66', dst: '10.88.0.1', proto: 17, payload: udpDatagram(40000 + i, 9999, new Uint8Array(0)) }) });
    // the victim's kernel answers each with ICMP port unreachable (type 3 code 3)
    frames.push({ ts: T0 + i * 200 + 20, frame: ipFrame({ src: '10.88.0.1', dst: '10.88.0.66', proto: 1, payload: icmpMessage(3, 3, new Uint8Array(32)) }) });
    frames.push({ ts: T0 + i * 200 + 40, frame: echo('10.88.0.1', '10.88.0.66', true, i) });
  }
  assert.deepEqual((await framesFindings(frames)).findings.filter((f) => f.ruleId === 'packet.icmp-flood'), []);
});

test('hosts pinged and then quiet leave the table as time goes on: a monitor pinging 300 hosts in turn drops nothing from a table of 100, and a flood seen before keeps its finding', async () => {
  const frames = pings(1001, () => '10.88.0.66', '10.9.9.9', 1000, false);
  // then one host a second for 300 s, each answered: each host is quiet again 20 s (two windows) later
  for (let i = 0; i < 300; i++) {
    const host = `10.1.${i >> 8}.${i & 255}`;
    frames.push({ ts: T0 + 5_000_000 + i * 1_000_000, frame: echo('10.0.0.1', host, false, i) }, { ts: T0 + 5_000_050 + i * 1_000_000, frame: echo(host, '10.0.0.1', true, i) });
  }
  const { findings, warnings } = await framesFindings(frames, { limits: { maxGroupsPerRule: 100 } });
  // before: 200 hosts dropped from the full table and counted, "findings may be incomplete"
  assert.deepEqual(warnings, []);
  const flood = findings.filter((f) => f.ruleId === 'packet.icmp-flood');
  assert.equal(flood.length, 1);
  assert.deepEqual(flood[0].targets.ips, ['10.9.9.9']);
  assert.equal(flood[0].evidence.requests, 1001);
  // 300 hosts at once (a host a millisecond): a full table's drops still count and are said
  const burst = [];
  for (let i = 0; i < 300; i++) burst.push({ ts: T0 + i * 1000, frame: echo('10.0.0.1', `10.2.${i >> 8}.${i & 255}`, false, i) });
  assert.match((await framesFindings(burst, { limits: { maxGroupsPerRule: 100 } })).warnings.join('\n'), /200 entries dropped because a table was full/);
});
