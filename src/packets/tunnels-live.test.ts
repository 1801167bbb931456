/**
 * A tunnel made by the Linux kernel, live: two network namespaces of this test's joined by a veth
 * pair (the underlay), a VXLAN device in each (VNI 42, UDP 4789) with overlay addresses, and
 * `netsentinel capture` on the underlay interface while one side scans the other's overlay address.
 * The SYN scan is printed from the scanner's overlay address as the capture runs, and the summary
 * counts the VXLAN packets it opened. Before tunnels were opened the capture saw one UDP flow
 * between the tunnel's endpoints and found nothing.
 *
 * Needs root, tcpdump and iproute2 (and the kernel's vxlan module): skipped, saying why, without
 * them, except under CI=true where they must be there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { Background, namespacePair } from '../testing/live-namespaces.js';
import { liveCaptureTest } from '../testing/live-capture-test.js';
import { run } from '../testing/programs.js';

const { main, dir, baselineFile, skip } = liveCaptureTest('ns-tunnel-live-');

type Line = Record<string, any>;
const parse = (out: string): Line[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

test('a SYN scan across a kernel VXLAN overlay, captured on the underlay: found from the scanner\'s overlay address as the capture runs', { skip: skip(['tcpdump', 'ip'], 'tcpdump, iproute2') }, async () => {
  const net = namespacePair('tvx', dir, { subnet: '10.79.0' });
  let cap: Background | undefined;
  try {
    const overlay = { [net.nsA]: '192.168.79.1', [net.nsB]: '192.168.79.2' };
    for (const [ns, veth, local, remote] of [[net.nsA, net.vethA, net.ipA, net.ipB], [net.nsB, net.vethB, net.ipB, net.ipA]]) {
      run('ip', ['-n', ns, 'link', 'add', 'vx42', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', local, 'remote', remote, 'dev', veth]);
      run('ip', ['-n', ns, 'addr', 'add', `${overlay[ns]}/24`, 'dev', 'vx42']);
      run('ip', ['-n', ns, 'link', 'set', 'vx42', 'up']);
    }
    cap = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', net.vethA, '-b', baselineFile, '--json', '--batch-seconds', '1')));
    await cap.waitFor('err', /listening on/, 30000);
    // 150 closed ports of the overlay address: each SYN refused by a RST, all inside VXLAN on the veth
    net.fromB('scan', overlay[net.nsA], '1', '150');
    await cap.waitFor('out', /"event_type":"finding_opened".*"rule":"packet\.syn-scan"/, 30000);
    cap.child.kill('SIGINT');
    assert.equal(await cap.exited, 0, cap.err);
    const lines = parse(cap.out);
    const syn = lines.filter((l) => l.netsentinel?.rule === 'packet.syn-scan');
    assert.equal(syn[0].event_type, 'finding_opened');
    assert.equal(syn[0].src_ip, overlay[net.nsB], 'the scanner inside the tunnel, not the tunnel endpoint');
    assert.ok(!lines.some((l) => l.src_ip === net.ipA || l.src_ip === net.ipB), 'nothing about the tunnel endpoints');
    const summary = lines.find((l) => l.event_type === 'capture_summary');
    assert.ok(summary, cap.out.slice(-2000));
    assert.ok(summary.analysis.capture.tunnels.vxlan >= 300, `the VXLAN packets counted: ${JSON.stringify(summary.analysis.capture)}`);
    assert.equal(summary.analysis.capture.tunneledPackets, summary.analysis.capture.tunnels.vxlan);
    // the capture's own counts name them the same way
    assert.deepEqual(summary.capture.tunnels, summary.analysis.capture.tunnels);
    assert.equal(summary.capture.tunnelPackets, undefined);
    assert.match(cap.err, /packets inside tunnels \(VXLAN [\d,]+\) were read from the headers inside/);
  } finally {
    cap?.child.kill('SIGKILL');
    net.remove();
  }
});
