/**
 * `netsentinel capture` live against the link-layer detectors, in two network namespaces this test
 * creates (a veth pair): from B, an ARP sweep of the /24, a ping sweep of another network (echo
 * requests through A, which forwards nothing) and unsolicited ARP replies "A's address is-at B's
 * MAC" while A goes on talking. Each is printed (`finding_opened`) while the capture runs, with B's
 * address as the source, never A's. Before, arp.mac-many-ips was printed with no address at all.
 * Frames are written by python3 on a raw AF_PACKET socket (no scapy). Needs root, tcpdump, ip and
 * python3: skipped, saying why, without them, except under CI=true where they must be there.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Background, namespacePair } from '../../testing/live-namespaces.js';
import { liveCaptureTest } from '../../testing/live-capture-test.js';

const live = liveCaptureTest('ns-capture-arp-');
const { main, dir, baselineFile } = live;
const skip = live.skip(['tcpdump', 'ip', 'python3'], 'tcpdump, iproute2, python3');

// raw frames: an ARP sweep, unsolicited ARP replies, ICMP echo requests
const FRAMES = `
import socket, struct, sys, time
def mb(m): return bytes(int(x, 16) for x in m.split(':'))
def arp(op, smac, sip, tmac, tip, dst):
    return mb(dst) + mb(smac) + b'\\x08\\x06' + struct.pack('!HHBBH', 1, 0x0800, 6, 4, op) + mb(smac) + socket.inet_aton(sip) + mb(tmac) + socket.inet_aton(tip)
def csum(b):
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); t += t >> 16; return (~t) & 0xffff
mode = sys.argv[1]
if mode == 'ping':
    pre, a, b = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    for i in range(a, b + 1):
        h = struct.pack('!BBHHH', 8, 0, 0, 0x4242, i) + b'sweep!'
        s.sendto(struct.pack('!BBHHH', 8, 0, csum(h), 0x4242, i) + b'sweep!', (pre + '.' + str(i), 0)); time.sleep(0.01)
    sys.exit(0)
ifc = sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((ifc, 0))
me = open('/sys/class/net/' + ifc + '/address').read().strip()
if mode == 'arpsweep':
    myip, pre, a, b = sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    for i in range(a, b + 1):
        s.send(arp(1, me, myip, '00:00:00:00:00:00', pre + '.' + str(i), 'ff:ff:ff:ff:ff:ff')); time.sleep(0.01)
elif mode == 'spoof':
    claimed, vip, vmac, n = sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
    for i in range(n):
        s.send(arp(2, me, claimed, vmac, vip, vmac)); time.sleep(0.2)
`;

type Line = Record<string, any>;
const parse = (out: string): Line[] => out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);

test('an ARP sweep, a ping sweep and ARP spoofing are printed as they come, each naming the attacker, never the host it spoofs', { skip }, async () => {
  const net = namespacePair('arl', dir, { subnet: '10.81.0' });
  const frames = join(dir, 'frames.py');
  writeFileSync(frames, FRAMES);
  const py = (...a: string[]): void => {
    const r = spawnSync('ip', net.inNs(net.nsB, 'python3', frames, ...a), { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
  };
  let server: Background | undefined;
  let cap: Background | undefined;
  try {
    server = await net.serve();
    cap = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', net.vethA, '-b', baselineFile, '--json', '--batch-seconds', '1', '--store', 'none')));
    await cap.waitFor('err', /listening on/, 30000);
    const opened = (rule: string): RegExp => new RegExp(`"event_type":"finding_opened".*"rule":"${rule.replace('.', '\\.')}"`);

    // A talks (its address's packets from its MAC), then B sweeps the link by ARP
    net.fromB('udp', net.ipA, '5353', '3');
    py('arpsweep', net.vethB, net.ipB, '10.81.0', '10', '50');
    await cap.waitFor('out', opened('arp.scan'), 30000);

    // echo requests to 40 addresses of another network, through A (which forwards nothing)
    run(['-n', net.nsB, 'route', 'add', '10.81.5.0/24', 'via', net.ipA]);
    py('ping', '10.81.5', '1', '40');
    await cap.waitFor('out', opened('packet.ping-sweep'), 30000);

    // "10.81.0.1 is-at B's MAC" to A, unasked, while A goes on answering B from its own MAC
    const macA = spawnSync('ip', net.inNs(net.nsA, 'cat', `/sys/class/net/${net.vethA}/address`), { encoding: 'utf8' }).stdout.trim();
    py('spoof', net.vethB, net.ipA, net.ipA, macA, '5');
    net.fromB('udp', net.ipA, '5353', '3');
    await cap.waitFor('out', opened('arp.ip-conflict'), 30000);
    await cap.waitFor('out', opened('arp.mac-many-ips'), 30000);
    assert.equal(cap.child.exitCode, null, 'printed while the capture runs');
    cap.child.kill('SIGINT');
    assert.equal(await cap.exited, 0, cap.err);

    const findings = parse(cap.out).filter((l) => l.netsentinel?.rule && l.event_type === 'finding_opened');
    const byRule = new Map(findings.map((l) => [l.netsentinel.rule as string, l]));
    for (const rule of ['arp.scan', 'packet.ping-sweep', 'arp.ip-conflict', 'arp.mac-many-ips']) {
      assert.equal(byRule.get(rule)?.src_ip, net.ipB, `${rule} names the attacker: ${JSON.stringify(byRule.get(rule))}`);
    }
    assert.ok(!findings.some((l) => l.src_ip === net.ipA), `no finding names the spoofed host: ${findings.map((l) => `${l.netsentinel.rule} ${l.src_ip}`).join(', ')}`);
    assert.match(byRule.get('arp.ip-conflict')!.netsentinel.reasons[0], /ARP spoofing of 10\.81\.0\.1 by 10\.81\.0\.2\.$/);
    assert.equal(byRule.get('arp.scan')!.netsentinel.evidence.unanswered >= 41, true);
    assert.doesNotMatch(cap.err, /\n\s+at /, 'no stack trace');
  } finally {
    if (cap && cap.child.exitCode === null) {
      cap.child.kill('SIGKILL');
      await cap.exited;
    }
    server?.child.kill('SIGKILL');
    await server?.exited;
    net.remove();
  }
});

function run(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}
