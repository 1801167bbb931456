/**
 * MAC flooding with the real tool: macof (Debian dsniff) in one network namespace this test creates,
 * `netsentinel capture` on the other end of the veth pair. Its frames (random source MACs, IPv4
 * headers that say they carry nothing, followed by a TCP header) are malformed past the link layer
 * and were counted and skipped: nothing was found. Now `packet.mac-flood` is printed while the
 * capture runs, and the ordinary exchanges before it raise nothing.
 * Needs root, tcpdump, ip and macof: skipped, saying why, without them, except under CI=true.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { Background, killAll, namespacePair, sleep } from '../../testing/live-namespaces.js';
import { liveCaptureTest, stopJsonCapture } from '../../testing/live-capture-test.js';

const live = liveCaptureTest('ns-capture-macof-');
const { main, dir } = live;
const skip = live.skip(['tcpdump', 'ip', 'macof'], 'tcpdump, iproute2, dsniff');

test('macof is printed as MAC flooding while the capture runs; ordinary exchanges before it are not', { skip, timeout: 120_000 }, async () => {
  const net = namespacePair('mfl', dir, { subnet: '10.86.0' });
  let server: Background | undefined;
  let cap: Background | undefined;
  try {
    server = await net.serve();
    cap = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', net.vethA, '--json', '--batch-seconds', '1', '--store', 'none')));
    await cap.waitFor('err', /listening on/, 30000);
    net.fromB('talk', net.ipA, '8080', '5');
    net.fromB('udp', net.ipA, '5353', '5');
    await sleep(1500);
    assert.doesNotMatch(cap.out, /mac-flood/, 'ordinary exchanges are no flood');
    const r = spawnSync('ip', net.inNs(net.nsB, 'macof', '-i', net.vethB, '-n', '3000'), { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    await cap.waitFor('out', /"event_type":"finding_opened".*"rule":"packet\.mac-flood"/, 30000);
    assert.equal(cap.child.exitCode, null, 'printed while the capture runs');
    await sleep(1000);
    const { lines, summary } = await stopJsonCapture(cap);
    const closed = lines.find((l) => l.event_type === 'alert' && l.netsentinel?.rule === 'packet.mac-flood');
    assert.ok(closed, 'closed at the end with its counts');
    const e = closed.netsentinel.evidence;
    assert.ok(e.newMacs > 1000 && e.newMacs <= 3100, JSON.stringify(e));
    assert.ok(e.groupBitMacs > 0, 'random MACs: some with the group bit');
    // macof's frames are still counted as malformed (no flow, no other detector)
    assert.ok(summary.capture.malformedPackets >= 1000, JSON.stringify(summary.capture));
  } finally {
    await killAll(cap, server);
    net.remove();
  }
});
