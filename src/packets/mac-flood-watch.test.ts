import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipFrame, tcpSegment, TCP } from '../testing/frame-builder.js';
import { framesFindings } from '../testing/packet-findings.js';
import { Rng } from '../util/rng.js';

const T0 = 1_700_000_000_000_000;
const hex = (n: number): string => n.toString(16).padStart(2, '0');
const macOf = (bytes: readonly number[]): string => bytes.map(hex).join(':');

/** as macof sends them: random source and destination MACs and addresses, an IPv4 header saying it carries no bytes, a TCP SYN header after it */
function macofFrames(n: number, from: number, gapMicros: number, seed = 1): { ts: number; frame: Uint8Array }[] {
  const rng = new Rng(seed);
  const byte = (): number => Math.floor(rng.next() * 256);
  const out = [];
  for (let i = 0; i < n; i++) {
    const ip = ipFrame({ srcMac: macOf([byte(), byte(), byte(), byte(), byte(), byte()]), dstMac: macOf([byte(), byte(), byte(), byte(), byte(), byte()]), src: `${byte()}.${byte()}.${byte()}.${byte()}`, dst: `${byte()}.${byte()}.${byte()}.${byte()}`, proto: 6, payload: new Uint8Array(0) });
    out.push({ ts: from + i * gapMicros, frame: Buffer.concat([ip, tcpSegment(1000 + i, 80, TCP.SYN)]) });
  }
  return out;
}

/** ordinary hosts on a link: `hosts` of them, each talking with a server every `everyMicros`, over `seconds` */
function ordinaryFrames(hosts: number, seconds: number, everyMicros: number): { ts: number; frame: Uint8Array }[] {
  const out = [];
  for (let t = 0; t < seconds * 1e6; t += everyMicros) {
    for (let h = 0; h < hosts; h++) {
      const ts = T0 + t + h * Math.floor(everyMicros / hosts);
      out.push({ ts, frame: ipFrame({ srcMac: macOf([2, 0, 0, 0, h >> 8, h & 255]), dstMac: '02:00:00:00:ff:01', src: `10.0.${h >> 8}.${h & 255}`, dst: '10.0.255.1', proto: 6, payload: tcpSegment(40000 + h, 443, TCP.ACK) }) });
      out.push({ ts: ts + 1, frame: ipFrame({ srcMac: '02:00:00:00:ff:01', dstMac: macOf([2, 0, 0, 0, h >> 8, h & 255]), src: '10.0.255.1', dst: `10.0.${h >> 8}.${h & 255}`, proto: 6, payload: tcpSegment(443, 40000 + h, TCP.ACK) }) });
    }
  }
  return out;
}

test('macof: thousands of frames from random MACs (malformed past their IPv4 header, as macof writes them) are packet.mac-flood, with the multicast sources counted', async () => {
  const { findings } = await framesFindings(macofFrames(2000, T0, 500));
  const f = findings.filter((x) => x.ruleId === 'packet.mac-flood');
  assert.equal(f.length, 1, JSON.stringify(findings.map((x) => x.ruleId)));
  assert.equal(f[0]!.evidence.newMacs, 2000);
  const group = f[0]!.evidence.groupBitMacs as number;
  assert.ok(group > 800 && group < 1200, `${group} multicast source MACs of 2,000 random ones`);
  assert.equal(f[0]!.srcIp, null);
  assert.match(f[0]!.reason, /^2,000 source MACs never seen before sent frames in 1\.0 s \(\d[\d,]* of them multicast addresses, which no network card sends from\): MAC flooding/);
});

test('no MAC flood: a link of 400 hosts talking for a minute, nor 1,500 hosts first seen over 75 s; the threshold is the setting', async () => {
  const busy = await framesFindings(ordinaryFrames(400, 60, 5e6));
  assert.deepEqual(busy.findings.filter((x) => x.ruleId === 'packet.mac-flood'), []);
  // 1,500 hosts, each first heard 50 ms after the last: 200 new MACs in any 10 s
  const arriving = await framesFindings(ordinaryFrames(1500, 1, 75e6));
  assert.deepEqual(arriving.findings.filter((x) => x.ruleId === 'packet.mac-flood'), []);
  const low = await framesFindings(macofFrames(200, T0, 1000), { macFlood: { macs: 100 } });
  assert.equal(low.findings.filter((x) => x.ruleId === 'packet.mac-flood').length, 1);
});
