/**
 * Tunnels written by another tool than ours: scapy (Debian python3-scapy) lays out a switch's
 * ERSPAN II and III mirror sessions, VXLAN, Geneve, GRE (IP and Ethernet), GTP-U, 6in4, PPTP and Teredo with its
 * own layers, carrying a web client's connections, DNS, ARP and a SYN scan. Read by `netsentinel
 * analyze` as a user would: the inner flows, counted by tunnel, the scan found from its scanner and
 * no tunnel endpoint in any flow. Skipped without scapy, except under CI=true (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scapyTest } from '../testing/scapy.js';

const { skip, main, dir, write } = scapyTest('ns-scapy-tunnel-');

const SCRIPT = `
import sys
from scapy.all import Ether, IP, IPv6, TCP, UDP, ARP, GRE, Raw, wrpcap
from scapy.layers.l2 import GRE_PPTP
from scapy.layers.vxlan import VXLAN
from scapy.contrib.geneve import GENEVE
from scapy.contrib.gtp import GTP_U_Header
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III
from scapy.layers.l2tp import L2TP
from scapy.layers.ppp import PPP
cm, sm, xm = "02:00:00:03:00:05", "02:00:00:03:00:09", "02:00:00:03:00:66"
t = [1796000000.0]
out = []
def at(p):
    t[0] += 0.001
    p.time = t[0]
    out.append(p)
def talk(wrap, client, sport, eth=True):
    # a TCP connection of client:sport to 10.3.0.9:443 with data, closed by FIN; a DNS exchange; ARP when Ethernet rides
    c, s = client
    pkts = [
        (True, TCP(sport=sport, dport=443, flags="S", seq=1)),
        (False, TCP(sport=443, dport=sport, flags="SA", seq=9, ack=2)),
        (True, TCP(sport=sport, dport=443, flags="A", seq=2, ack=10)),
        (True, TCP(sport=sport, dport=443, flags="PA", seq=2, ack=10)/Raw(b"x" * 120)),
        (False, TCP(sport=443, dport=sport, flags="PA", seq=10, ack=122)/Raw(b"y" * 700)),
        (True, TCP(sport=sport, dport=443, flags="FA", seq=122, ack=710)),
        (False, TCP(sport=443, dport=sport, flags="FA", seq=710, ack=123)),
        (True, TCP(sport=sport, dport=443, flags="A", seq=123, ack=711)),
    ]
    for up, l4 in pkts:
        ip = IP(src=c, dst=s, ttl=64) if up else IP(src=s, dst=c, ttl=63)
        at(wrap(Ether(src=cm if up else sm, dst=sm if up else cm)/ip/l4))
    at(wrap(Ether(src=cm, dst=sm)/IP(src=c, dst="10.3.0.53")/UDP(sport=sport, dport=53)/Raw(b"q" * 30)))
    at(wrap(Ether(src=sm, dst=cm)/IP(src="10.3.0.53", dst=c)/UDP(sport=53, dport=sport)/Raw(b"a" * 60)))
    if eth:
        at(wrap(Ether(src=cm, dst="ff:ff:ff:ff:ff:ff")/ARP(op=1, hwsrc=cm, psrc=c, pdst=s)))
under = lambda: Ether(src="02:00:00:00:ee:01", dst="02:00:00:00:ee:02")/IP(src="198.51.100.1", dst="198.51.100.2")
inner_ip = lambda f: f[IP]
talk(lambda f: under()/UDP(sport=50000, dport=4789)/VXLAN(vni=42)/f, ("10.3.0.5", "10.3.0.9"), 41001)
talk(lambda f: under()/UDP(sport=50001, dport=6081)/GENEVE(vni=7, proto=0x6558)/f, ("10.3.0.5", "10.3.0.9"), 41002)
talk(lambda f: under()/GRE(proto=0x0800)/inner_ip(f), ("10.3.0.5", "10.3.0.9"), 41003, eth=False)
talk(lambda f: under()/GRE(proto=0x6558, key_present=1, key=5)/f, ("10.3.0.5", "10.3.0.9"), 41004)
talk(lambda f: under()/GRE(proto=0x88be, seqnum_present=1, seqence_number=1)/ERSPAN_II(session_id=100)/f, ("10.3.0.5", "10.3.0.9"), 41005)
talk(lambda f: under()/GRE(proto=0x22eb, seqnum_present=1, seqence_number=1)/ERSPAN_III(session_id=101)/f, ("10.3.0.5", "10.3.0.9"), 41006)
talk(lambda f: under()/UDP(sport=2152, dport=2152)/GTP_U_Header(teid=0x1234)/inner_ip(f), ("10.3.0.5", "10.3.0.9"), 41007, eth=False)
talk(lambda f: under()/UDP(sport=1701, dport=1701)/L2TP(tunnel_id=3, session_id=4)/PPP(proto=0x21)/inner_ip(f), ("10.3.0.5", "10.3.0.9"), 41009, eth=False)
talk(lambda f: under()/UDP(sport=50002, dport=4790)/VXLAN(flags=0x0c, NextProtocol=1, vni=5)/inner_ip(f), ("10.3.0.5", "10.3.0.9"), 41010, eth=False)
# PPTP: enhanced GRE (version 1) with a sequence number, PPP carrying IPv4
talk(lambda f: under()/GRE_PPTP(seqnum_present=1, call_id=7, seqence_number=1)/PPP(proto=0x21)/inner_ip(f), ("10.3.0.5", "10.3.0.9"), 41011, eth=False)
# 6in4: an IPv6 connection inside IPv4 (protocol 41); and another inside Teredo (UDP 3544, a client behind a NAT and its relay)
for i, (up, flags) in enumerate([(True, "S"), (False, "SA"), (True, "A"), (True, "FA"), (False, "FA"), (True, "A")]):
    v6 = IPv6(src="2001:db8:3::5", dst="2001:db8:3::9") if up else IPv6(src="2001:db8:3::9", dst="2001:db8:3::5")
    at(under()/IP(proto=41)/v6/TCP(sport=41008 if up else 443, dport=443 if up else 41008, flags=flags))
    teredo = UDP(sport=51000, dport=3544) if up else UDP(sport=3544, dport=51000)
    v6t = IPv6(src="2001:0:4136:e378:8000:63bf:3fff:fdd2", dst="2001:db8:3::9") if up else IPv6(src="2001:db8:3::9", dst="2001:0:4136:e378:8000:63bf:3fff:fdd2")
    at(under()/teredo/v6t/TCP(sport=41012 if up else 443, dport=443 if up else 41012, flags=flags))
# a SYN scan of 200 ports, seen through the switch's ERSPAN II session
for port in range(1, 201):
    at(under()/GRE(proto=0x88be, seqnum_present=1)/ERSPAN_II(session_id=100)/Ether(src=xm, dst=sm)/IP(src="10.3.0.66", dst="10.3.0.9")/TCP(sport=61000, dport=port, flags="S"))
    at(under()/GRE(proto=0x88be, seqnum_present=1)/ERSPAN_II(session_id=100)/Ether(src=sm, dst=xm)/IP(src="10.3.0.9", dst="10.3.0.66")/TCP(sport=port, dport=61000, flags="RA"))
wrpcap(sys.argv[1], out)
`;

test('tunnels written by scapy (VXLAN, Geneve, GRE, gretap, ERSPAN II and III, GTP-U, L2TP, VXLAN-GPE on 4790, 6in4, PPTP, Teredo): analyze reads the traffic inside and finds the scan in the mirror session', { skip }, () => {
  const file = join(dir, 'scapy-tunnels.pcap');
  write(SCRIPT, file);
  const out = join(dir, 'out');
  const r = spawnSync(process.execPath, [main, 'analyze', file, '-o', out, '--store', 'none', '--json', '--no-report'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  // per kind: 11 packets of each Ethernet-carrying talk, 10 of each IP-only one (VXLAN-GPE counted as VXLAN); 6 of 6in4; 400 of the scan
  assert.deepEqual(s.capture.tunnels, { vxlan: 11 + 10, geneve: 11, gre: 10 + 11, erspan: 11 + 11 + 400, ipInIp: 6, gtpU: 10, l2tp: 10, teredo: 6, pptp: 10 });
  assert.equal(s.capture.tunneledPackets, s.capture.packetsRead, 'every packet was in a tunnel');
  assert.equal(s.capture.packetsSkipped, 0);
  assert.equal(s.capture.arpPackets, 5);
  assert.match(r.stderr, /packets inside tunnels \(VXLAN 21, Geneve 11, GRE 21, ERSPAN 422, IP in IP 6, GTP-U 10, L2TP 10, Teredo 6, PPTP 10\) were read from the headers inside/);
  const csv = readFileSync(join(out, 'flows_scored.csv'), 'utf8');
  assert.doesNotMatch(csv, /198\.51\.100\./, 'no tunnel endpoint in any flow');
  // each talk's connection and DNS exchange, the 6in4 connection, a flow per scanned port
  for (const port of [41001, 41002, 41003, 41004, 41005, 41006, 41007, 41009, 41010, 41011]) {
    assert.match(csv, new RegExp(`,10\\.3\\.0\\.5,${port},10\\.3\\.0\\.9,443,TCP,`), `the connection from port ${port}`);
    assert.match(csv, new RegExp(`,10\\.3\\.0\\.5,${port},10\\.3\\.0\\.53,53,UDP,`), `the DNS exchange from port ${port}`);
  }
  assert.match(csv, /,2001:db8:3::5,41008,2001:db8:3::9,443,TCP,/);
  assert.match(csv, /,2001:0:4136:e378:8000:63bf:3fff:fdd2,41012,2001:db8:3::9,443,TCP,/, 'the Teredo client\'s connection');
  assert.equal(s.flows, 10 * 2 + 2 + 200);
  const scanner = (s.riskyIps as { ip: string; rules: string[] }[]).find((x) => x.ip === '10.3.0.66');
  assert.ok(scanner?.rules.includes('port-scan.vertical') || scanner?.rules.includes('packet.syn-scan'), JSON.stringify(s.riskyIps.map((x: { ip: string; rules: string[] }) => [x.ip, x.rules])));
});
