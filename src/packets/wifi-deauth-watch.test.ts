/**
 * `wifi.deauth-flood`: a capture in Wi-Fi monitor mode (radiotap) of an ordinary network (beacons,
 * a station's traffic, a client leaving now and then), then the same air with what aireplay-ng -0
 * sends (64 deauthentications per burst, half to the client under the access point's address, half
 * to the access point under the client's) and what mdk4 sends (broadcast deauthentications and
 * disassociations). Read by the real reader, decoder and packet detectors, and by `netsentinel
 * analyze`; tshark reads the frames as deauthentications (the writer makes real 802.11).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { radiotap, wlanDataFrame, wlanManagement, writePcap, type RawPacket } from '../testing/capture-writer.js';
import { tcpSegment, TCP } from '../testing/frame-builder.js';
import { captureFindings } from '../testing/packet-findings.js';
import { run, skipWithoutProgram } from '../testing/programs.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-wifi-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));

const T0 = 1_796_000_000_000_000;
const mac = (last: number): Buffer => Buffer.from([0x02, 0x11, 0x22, 0x33, 0x44, last]);
const AP = mac(0x01);
const CLIENT = mac(0x51);
const OTHER = mac(0x52);
const BROADCAST = Buffer.alloc(6, 0xff);
const reason = (code: number): Buffer => Buffer.from([code & 255, code >> 8]);

const deauth = (receiver: Buffer, transmitter: Buffer, code: number, subtype = 12): Buffer => radiotap(wlanManagement(subtype, { receiver, transmitter, bssid: AP, body: reason(code) }));

/** 20 s of an ordinary network: beacons every 102.4 ms, a station's TCP connections, two clients leaving (one deauthentication each) */
function ordinaryAir(t0: number): RawPacket[] {
  const out: RawPacket[] = [];
  for (let t = 0; t < 20e6; t += 102_400) out.push({ tsMicros: t0 + t, data: radiotap(wlanManagement(8, { receiver: BROADCAST, transmitter: AP, bssid: AP, body: Buffer.alloc(12) })) });
  for (let i = 0; i < 20; i++) {
    const t = t0 + i * 1e6 + 5000;
    const ip = (src: string, dst: string, seg: Uint8Array): Buffer => {
      const h = Buffer.alloc(20);
      h[0] = 0x45;
      h.writeUInt16BE(20 + seg.length, 2);
      h[8] = 64;
      h[9] = 6;
      Buffer.from(src.split('.').map(Number)).copy(h, 12);
      Buffer.from(dst.split('.').map(Number)).copy(h, 16);
      return Buffer.concat([h, Buffer.from(seg)]);
    };
    const up = (seg: Uint8Array) => radiotap(wlanDataFrame({ dir: 'tods', src: CLIENT, dst: AP, etherType: 0x0800, body: ip('192.168.7.51', '93.184.216.34', seg) }));
    const down = (seg: Uint8Array) => radiotap(wlanDataFrame({ dir: 'fromds', src: AP, dst: CLIENT, etherType: 0x0800, body: ip('93.184.216.34', '192.168.7.51', seg) }));
    out.push({ tsMicros: t, data: up(tcpSegment(50000 + i, 443, TCP.SYN)) });
    out.push({ tsMicros: t + 20_000, data: down(tcpSegment(443, 50000 + i, TCP.SYN | TCP.ACK)) });
    out.push({ tsMicros: t + 20_500, data: up(tcpSegment(50000 + i, 443, TCP.ACK)) });
    out.push({ tsMicros: t + 40_000, data: up(tcpSegment(50000 + i, 443, TCP.ACK | TCP.FIN)) });
    out.push({ tsMicros: t + 60_000, data: down(tcpSegment(443, 50000 + i, TCP.ACK | TCP.FIN)) });
  }
  out.push({ tsMicros: t0 + 7e6, data: deauth(AP, OTHER, 3) }, { tsMicros: t0 + 15e6, data: deauth(OTHER, AP, 4) });
  return out;
}

/** aireplay-ng -0 1 -a AP -c CLIENT: 64 deauthentications (reason 7), each way in turn, 2 ms apart */
function aireplay(t0: number): RawPacket[] {
  return Array.from({ length: 64 }, (_, i) => ({ tsMicros: t0 + i * 2000, data: i % 2 ? deauth(AP, CLIENT, 7) : deauth(CLIENT, AP, 7) }));
}

/** mdk4-like: broadcast deauthentications and disassociations under the AP's address, 100 a second for 3 s */
function broadcastStorm(t0: number): RawPacket[] {
  return Array.from({ length: 300 }, (_, i) => ({ tsMicros: t0 + i * 10_000, data: deauth(BROADCAST, AP, 1, i % 3 ? 12 : 10) }));
}

const sorted = (ps: RawPacket[]): RawPacket[] => ps.sort((a, b) => a.tsMicros - b.tsMicros);
const save = (name: string, ps: RawPacket[]): string => {
  const f = join(dir, name);
  writeFileSync(f, writePcap(sorted(ps), { linkType: 127 }));
  return f;
};
const deauths = async (file: string, rules = {}) => (await captureFindings(file, rules)).findings.filter((f) => f.ruleId === 'wifi.deauth-flood');

test('an ordinary network (beacons, traffic, clients leaving) raises nothing', async () => {
  assert.deepEqual(await deauths(save('ordinary.pcap', ordinaryAir(T0))), []);
});

test("aireplay-ng -0's burst of 64 deauthentications is a flood in the network, naming the client, both claimed transmitters and the reason", async () => {
  const file = save('aireplay.pcap', [...ordinaryAir(T0), ...aireplay(T0 + 10e6)]);
  const found = await deauths(file);
  assert.equal(found.length, 1);
  const f = found[0];
  assert.equal(f.srcIp, null, 'no address: the transmitter is forged');
  assert.equal(f.category, 'denial-of-service');
  assert.equal(f.evidence.bssid, '02:11:22:33:44:01');
  // the burst and the network's own two within 10 s of it count; its frames are every deauthentication seen
  assert.equal(f.evidence.deauthentications, 66);
  assert.equal(f.evidence.frames, 66);
  assert.deepEqual(f.evidence.sampleStations, ['02:11:22:33:44:01', '02:11:22:33:44:51', '02:11:22:33:44:52']);
  assert.deepEqual(f.evidence.transmitters, ['02:11:22:33:44:52', '02:11:22:33:44:01', '02:11:22:33:44:51']);
  assert.deepEqual(f.evidence.reasonCodes, ['7×64', '3×1', '4×1']);
  assert.match(f.reason, /^66 deauthentication frames in 8\.0 s in the Wi-Fi network 02:11:22:33:44:01 \(up to 6\d within 10 s, more than 30\), telling 3 stations .* to leave, .* \(reason 7: class 3 frame from a nonassociated station\): a deauthentication attack \(aireplay-ng -0, mdk4\)/);
  // the threshold is the configuration's
  assert.deepEqual(await deauths(file, { wifiDeauth: { frames: 100 } }), []);
  assert.deepEqual(await deauths(file, { wifiDeauth: { enabled: false } }), []);
});

test('a broadcast storm of deauthentications and disassociations: every station told at once', async () => {
  const found = await deauths(save('storm.pcap', [...ordinaryAir(T0), ...broadcastStorm(T0 + 2e6)]));
  assert.equal(found.length, 1);
  assert.equal(found[0].evidence.broadcastFrames, 300);
  assert.equal(found[0].evidence.disassociations, 100);
  assert.match(found[0].reason, /^202 deauthentication and 100 disassociation frames in .* telling .*every station at once \(300 broadcast\)/);
});

test('netsentinel analyze of the monitor-mode capture reports it (and the station traffic in it is flows)', { skip: skipWithoutProgram('tshark') }, () => {
  const file = save('analyze.pcap', [...ordinaryAir(T0), ...aireplay(T0 + 10e6)]);
  // Wireshark reads the burst as deauthentications: the frames are real 802.11
  const shown = run('tshark', ['-r', file, '-Y', 'wlan.fc.type_subtype == 0x000c', '-T', 'fields', '-e', 'wlan.fixed.reason_code']).toString().trim().split('\n');
  assert.equal(shown.length, 66);
  assert.equal(shown.filter((c) => c === '0x0007').length, 64);
  const r = spawnSync(process.execPath, [main, 'analyze', file, '-o', join(dir, 'out'), '--store', 'none', '--json', '-q', '--no-report'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.findingsByRule['wifi.deauth-flood'], 1, JSON.stringify(s.findingsByRule));
  assert.equal(s.flows, 20, 'the station\'s 20 connections');
});
