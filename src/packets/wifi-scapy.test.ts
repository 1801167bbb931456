/**
 * 802.11 frames written by another tool than ours: scapy (Debian python3-scapy) writes a
 * monitor-mode capture (radiotap) of a WPA2 network's beacons, a station's connections through its
 * access point (QoS data to the AP, plain data from it), an open twin of the network and
 * aireplay-ng's deauthentication burst. Read by `netsentinel analyze` as a user would: the flows of
 * the station and both Wi-Fi findings. Skipped without scapy, except under CI=true (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { scapyTest } from '../testing/scapy.js';

const { skip, main, dir, write } = scapyTest('ns-scapy-');

const SCRIPT = `
import sys
from scapy.all import RadioTap, Dot11, Dot11Beacon, Dot11Elt, Dot11EltRSN, Dot11QoS, Dot11Deauth, LLC, SNAP, IP, TCP, wrpcap
ap, sta, twin, gw = "02:aa:00:00:00:01", "02:aa:00:00:00:51", "02:aa:00:00:00:66", "02:aa:00:00:00:99"
t0 = 1796000000.0
rt = lambda: RadioTap(present="Flags+Rate+Channel", Flags=0, Rate=2, ChannelFrequency=2437, ChannelFlags=0xa0)
out = []
def at(p, dt):
    p.time = t0 + dt
    out.append(p)
for i in range(50):
    at(rt()/Dot11(type=0, subtype=8, addr1="ff:ff:ff:ff:ff:ff", addr2=ap, addr3=ap)/Dot11Beacon(cap="ESS+privacy")/Dot11Elt(ID="SSID", info="CorpNet")/Dot11EltRSN(), i * 0.1024)
for i in range(20):
    at(rt()/Dot11(type=0, subtype=8, addr1="ff:ff:ff:ff:ff:ff", addr2=twin, addr3=twin)/Dot11Beacon(cap="ESS")/Dot11Elt(ID="SSID", info="CorpNet"), 2 + i * 0.1024)
for i in range(10):
    at(rt()/Dot11(type=2, subtype=8, FCfield="to-DS", addr1=ap, addr2=sta, addr3=gw, SC=(100 + i) << 4)/Dot11QoS()/LLC()/SNAP()/IP(src="192.168.7.51", dst="93.184.216.34")/TCP(sport=50000 + i, dport=443, flags="S"), 1 + i * 0.2)
    at(rt()/Dot11(type=2, subtype=0, FCfield="from-DS", addr1=sta, addr2=ap, addr3=gw, SC=(200 + i) << 4)/LLC()/SNAP()/IP(src="93.184.216.34", dst="192.168.7.51")/TCP(sport=443, dport=50000 + i, flags="SA"), 1 + i * 0.2 + 0.01)
for i in range(64):
    at(rt()/Dot11(type=0, subtype=12, addr1=sta if i % 2 == 0 else ap, addr2=ap if i % 2 == 0 else sta, addr3=ap)/Dot11Deauth(reason=7), 4 + i * 0.002)
out.sort(key=lambda p: p.time)
wrpcap(sys.argv[1], out)
`;

test('a monitor-mode capture written by scapy: the station\'s flows, the deauthentication burst and the open twin', { skip }, () => {
  const file = join(dir, 'scapy-wifi.pcap');
  write(SCRIPT, file);
  const r = spawnSync(process.execPath, [main, 'analyze', file, '-o', join(dir, 'out'), '--store', 'none', '--json', '-q', '--no-report'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.capture.packetsRead, 154);
  assert.equal(s.capture.ipPackets, 20);
  assert.equal(s.capture.packetsSkipped, 0);
  assert.equal(s.flows, 10, 'each SYN and its SYN-ACK one flow');
  assert.deepEqual(s.findingsByRule, { 'wifi.evil-twin': 1, 'wifi.deauth-flood': 1 });
});
