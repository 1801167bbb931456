/**
 * `wifi.evil-twin`: beacons and probe responses of a monitor-mode capture. A campus network of two
 * WPA2 access points, a WPA network, hidden networks and a neighbour's open one raise nothing; an
 * access point announcing the protected network's name open (airbase-ng --essid CorpNet) is a twin,
 * and so is one taking the network's own BSSID. tshark reads our beacons' SSID and RSN element.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RSN_ELEMENT, wlanBeacon, writePcap, type RawPacket } from '../testing/capture-writer.js';
import { captureFindings } from '../testing/packet-findings.js';
import { run, skipWithoutProgram } from '../testing/programs.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-twin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_796_000_000_000_000;
const mac = (last: number): Buffer => Buffer.from([0x02, 0x11, 0x22, 0x33, 0x44, last]);
/** Microsoft's WPA element: OUI 00:50:F2, type 1, version 1, TKIP */
const WPA = Buffer.from([221, 22, 0x00, 0x50, 0xf2, 1, 1, 0, 0x00, 0x50, 0xf2, 2, 1, 0, 0x00, 0x50, 0xf2, 2, 1, 0, 0x00, 0x50, 0xf2, 2]);

/** `frame` every 102.4 ms for `seconds` from `t0` */
function every(frame: Buffer, t0: number, seconds: number): RawPacket[] {
  const out: RawPacket[] = [];
  for (let t = 0; t < seconds * 1e6; t += 102_400) out.push({ tsMicros: t0 + t, data: frame });
  return out;
}

const CAMPUS = [...every(wlanBeacon(mac(1), 'CorpNet', [RSN_ELEMENT], true), T0, 10), ...every(wlanBeacon(mac(2), 'CorpNet', [RSN_ELEMENT], true), T0 + 50_000, 10)];
const NEIGHBOURS = [
  ...every(wlanBeacon(mac(3), 'OldCafe', [WPA], true), T0, 10),
  ...every(wlanBeacon(mac(4), 'Guest', [], false), T0, 10),
  // hidden networks: an empty name and a name of zero bytes, whatever their security
  ...every(wlanBeacon(mac(5), '', [RSN_ELEMENT], true), T0, 10),
  ...every(wlanBeacon(mac(6), Buffer.alloc(7), [], false), T0, 10),
];

const save = (name: string, ps: RawPacket[]): string => {
  const f = join(dir, name);
  writeFileSync(f, writePcap(ps.sort((a, b) => a.tsMicros - b.tsMicros), { linkType: 127 }));
  return f;
};
const twins = async (file: string, rules = {}) => (await captureFindings(file, rules)).findings.filter((f) => f.ruleId === 'wifi.evil-twin');

test('two access points of one WPA2 network, a WPA one, an open one and hidden ones: no twin', async () => {
  assert.deepEqual(await twins(save('calm.pcap', [...CAMPUS, ...NEIGHBOURS])), []);
});

test('an open access point taking the WPA2 network\'s name is an evil twin; so is one taking its BSSID too', async () => {
  const file = save('twin.pcap', [...CAMPUS, ...NEIGHBOURS, ...every(wlanBeacon(mac(0x66), 'CorpNet', [], false), T0 + 5e6, 3), { tsMicros: T0 + 6e6, data: wlanBeacon(mac(0x66), 'CorpNet', [], false, 5) }]);
  const found = await twins(file);
  assert.equal(found.length, 1);
  const f = found[0];
  assert.equal(f.srcIp, null);
  assert.equal(f.category, 'spoofing');
  assert.deepEqual(f.evidence.ssid, 'CorpNet');
  assert.deepEqual(f.evidence.security, 'WPA2/WPA3');
  assert.deepEqual(f.evidence.accessPoints, ['02:11:22:33:44:01', '02:11:22:33:44:02']);
  assert.deepEqual(f.evidence.twins, ['02:11:22:33:44:66']);
  assert.deepEqual(f.evidence.twinSecurity, ['open']);
  // 30 beacons in 3 s and the probe response
  assert.equal(f.evidence.twinFrames, 31);
  assert.match(f.reason, /^The Wi-Fi network "CorpNet" is announced as WPA2\/WPA3 by 02:11:22:33:44:01 \(98 frames from \d\d:\d\d:\d\d\), 02:11:22:33:44:02 .* and as open by 02:11:22:33:44:66 \(31 frames .*: an evil twin/);
  assert.deepEqual(await twins(file, { wifiTwin: { enabled: false } }), []);
  // airbase-ng -a with the network's own BSSID: the same access point address, announced open
  const same = await twins(save('same-bssid.pcap', [...CAMPUS, ...every(wlanBeacon(mac(1), 'CorpNet', [], false), T0 + 5e6, 2)]));
  assert.equal(same.length, 1);
  assert.deepEqual(same[0].evidence.twins, ['02:11:22:33:44:01']);
});

test('tshark reads our beacons: the name, the RSN element, the WPA element', { skip: skipWithoutProgram('tshark') }, () => {
  const file = save('tshark.pcap', [{ tsMicros: T0, data: wlanBeacon(mac(1), 'CorpNet', [RSN_ELEMENT], true) }, { tsMicros: T0 + 1, data: wlanBeacon(mac(3), 'OldCafe', [WPA], true) }]);
  const rows = run('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', 'wlan.ssid', '-e', 'wlan.rsn.version', '-e', 'wlan.wfa.ie.wpa.version', '-e', 'wlan.fixed.capabilities.privacy']).toString().trim().split('\n');
  // (tshark writes the SSID field as hex bytes)
  const hex = (s: string) => Buffer.from(s).toString('hex');
  assert.deepEqual(rows.map((r) => r.replace(/^([0-9a-f]+)\|/, (_, h: string) => `${h === hex('CorpNet') ? 'CorpNet' : h === hex('OldCafe') ? 'OldCafe' : h}|`)), ['CorpNet|1||1', 'OldCafe||1|1']);
});
