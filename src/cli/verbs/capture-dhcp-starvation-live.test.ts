/**
 * DHCP starvation against a real DHCP server: dnsmasq serving a pool of 20 addresses in one
 * network namespace this test creates, `netsentinel capture` beside it, and from the other
 * namespace DHCPDISCOVERs under 200 made-up client MACs from one host (as dhcpig sends them),
 * written by python3 on a raw AF_PACKET socket. `dhcp.starvation` is printed while the capture
 * runs, naming the sending host's MAC, with the offers dnsmasq made before its pool ran dry; the
 * few DISCOVERs of ordinary clients before it raise nothing. Before, nothing was found.
 * Needs root, tcpdump, ip, python3 and dnsmasq: skipped, saying why, without them, except under
 * CI=true where they must be there.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Background, namespacePair, sleep, killAll } from '../../testing/live-namespaces.js';
import { liveCaptureTest, stopJsonCapture } from '../../testing/live-capture-test.js';

const live = liveCaptureTest('ns-capture-dhcp-');
const { main, dir } = live;
const skip = live.skip(['tcpdump', 'ip', 'python3', 'dnsmasq'], 'tcpdump, iproute2, python3, dnsmasq-base');

// DHCPDISCOVERs from this host's MAC, each for a client MAC of its own
const DISCOVER = `
import os, socket, struct, sys, time
ifc, n, gap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((ifc, 0))
me = bytes(int(x, 16) for x in open('/sys/class/net/' + ifc + '/address').read().strip().split(':'))
def csum(b):
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); t += t >> 16; return (~t) & 0xffff
for i in range(n):
    client = b'\\x02' + os.urandom(5)
    bootp = struct.pack('!BBBBIHH', 1, 1, 6, 0, int.from_bytes(os.urandom(4), 'big'), 0, 0x8000) + b'\\0' * 16 + client + b'\\0' * 10 + b'\\0' * 192
    bootp += struct.pack('!I', 0x63825363) + bytes([53, 1, 1, 255]) + b'\\0' * 8
    udp = struct.pack('!HHHH', 68, 67, 8 + len(bootp), 0) + bootp
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0, b'\\0' * 4, b'\\xff' * 4)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    s.send(b'\\xff' * 6 + me + b'\\x08\\x00' + ip + udp)
    time.sleep(gap)
`;

type Line = Record<string, any>;

test('DHCP starvation of a real dnsmasq is printed while the capture runs, naming the sending MAC; a few ordinary DISCOVERs are not', { skip, timeout: 120_000 }, async () => {
  const net = namespacePair('dst', dir, { subnet: '10.85.0' });
  const script = join(dir, 'discover.py');
  writeFileSync(script, DISCOVER);
  let server: Background | undefined;
  let cap: Background | undefined;
  try {
    server = new Background(
      spawn('ip', net.inNs(net.nsA, 'dnsmasq', '--no-daemon', '--conf-file=/dev/null', '--user=root', `--interface=${net.vethA}`, '--bind-interfaces', '--port=0', '--no-ping', '--dhcp-range=10.85.0.100,10.85.0.119,255.255.255.0,2m', `--dhcp-leasefile=${join(dir, 'leases')}`, '--log-dhcp')),
    );
    await server.waitFor('err', /DHCP, IP range/, 20000);
    cap = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', net.vethA, '--json', '--batch-seconds', '1', '--store', 'none')));
    await cap.waitFor('err', /listening on/, 30000);
    const macB = spawnSync('ip', net.inNs(net.nsB, 'cat', `/sys/class/net/${net.vethB}/address`), { encoding: 'utf8' }).stdout.trim();
    const send = (n: number, gap: number): void => {
      const r = spawnSync('ip', net.inNs(net.nsB, 'python3', script, net.vethB, String(n), String(gap)), { encoding: 'utf8', timeout: 60000 });
      assert.equal(r.status, 0, r.stderr);
    };
    // a few clients booting, then a pause longer than the window: ordinary
    send(5, 0.2);
    await sleep(11_000);
    assert.doesNotMatch(cap.out, /dhcp\.starvation/, 'five clients are no starvation');
    send(200, 0.005);
    await cap.waitFor('out', /"event_type":"finding_opened".*"rule":"dhcp\.starvation"/, 30000);
    assert.equal(cap.child.exitCode, null, 'printed while the capture runs');
    await sleep(1500);
    const { lines } = await stopJsonCapture(cap);
    const opened = lines.find((l: Line) => l.event_type === 'finding_opened' && l.netsentinel?.rule === 'dhcp.starvation')!;
    assert.deepEqual(opened.netsentinel.srcMacs, [macB], JSON.stringify(opened.netsentinel));
    const closed = lines.find((l: Line) => l.event_type === 'alert' && l.netsentinel?.rule === 'dhcp.starvation')!;
    assert.ok(closed, 'the finding closes at the end with its counts');
    const e = closed.netsentinel.evidence;
    assert.ok(e.clients > 100 && e.clients <= 200, JSON.stringify(e));
    // dnsmasq answered until its 20 addresses were offered, then no more
    assert.ok(e.offers >= 1 && e.offers < e.discovers, JSON.stringify(e));
    assert.equal(e.frameSourceMacs, 1);
  } finally {
    await killAll(cap, server);
    net.remove();
  }
});
