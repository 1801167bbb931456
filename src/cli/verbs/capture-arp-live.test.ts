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
import { test } from 'node:test';
import { Background, namespacePair, killAll } from '../../testing/live-namespaces.js';
import { liveCaptureTest } from '../../testing/live-capture-test.js';
import { rawFramesScript } from '../../testing/raw-frames.js';

const live = liveCaptureTest('ns-capture-arp-');
const { main, dir, baselineFile } = live;
const skip = live.skip(['tcpdump', 'ip', 'python3'], 'tcpdump, iproute2, python3');


type Line = Record<string, any>;
const parse = (out: string): Line[] => out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);

test('an ARP sweep, a ping sweep and ARP spoofing are printed as they come, each naming the attacker, never the host it spoofs', { skip }, async () => {
  const net = namespacePair('arl', dir, { subnet: '10.81.0' });
  const frames = rawFramesScript(dir);
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
    await killAll(cap, server);
    net.remove();
  }
});

function run(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}
