/**
 * `capture` tells of a risky source while it runs, when the source's window of flow time closes,
 * not only at Ctrl-C: tcpdump on a veth between two namespaces this test creates, a port scan from
 * B that then goes quiet, and other traffic from A that moves the capture's clock on. B's
 * risky-source alert is printed before the capture is stopped (its window closed by the clock, B
 * sending nothing more), once (the end does not print the whole-capture verdict again), and the
 * capture's summary counts it. Before, risky sources were printed only when the capture ended.
 *
 * Needs root (namespaces, capturing), tcpdump and ip: skipped, saying why, without them, except
 * under CI=true where they must be there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { Background, namespacePair, sleep } from '../../testing/live-namespaces.js';
import { liveCaptureTest, stopJsonCapture } from '../../testing/live-capture-test.js';

const { main, dir, baselineFile, skip } = liveCaptureTest('ns-capture-windows-');

test('capture prints a risky source when its window closes, while the capture runs', { skip: skip(['tcpdump', 'ip'], 'tcpdump, iproute2'), timeout: 180_000 }, async () => {
  const net = namespacePair('nsw', dir, { subnet: '10.79.0' });
  const { nsA, vethA, ipA, ipB, inNs, fromB } = net;
  let cap: Background | undefined;
  let clock: Background | undefined;
  try {
    // windows of 3 s, flows finished within 1 s idle and split at 2 s, batches of 1 s: a window is
    // over once the clock has passed its end by 5 s (the two timeouts and two batches)
    cap = new Background(
      spawn('ip', inNs(nsA, process.execPath, main, 'capture', '--interface', vethA, '-b', baselineFile, '--json', '--batch-seconds', '1', '--source-window', '3', '--idle-timeout', '1', '--flow-timeout', '2', '--store', 'none')),
    );
    await cap.waitFor('err', /listening on/, 30000);
    fromB('scan', ipA, '1', '150');
    // B is quiet from here; A connects to a closed port of B three times a second (refused: flows
    // of A, answered by B's resets within them), which moves the capture's clock on
    clock = new Background(
      spawn('ip', inNs(nsA, process.execPath, '-e', `setInterval(() => { const s = require('node:net').connect({ host: '${ipB}', port: 9 }); s.on('error', () => s.destroy()); }, 300); setTimeout(() => process.exit(0), 90000);`)),
    );
    const riskyB = new RegExp(`"src_ip":"${ipB.replace(/\./g, '\\.')}"[^\\n]*risky source|risky source[^\\n]*"src_ip":"${ipB.replace(/\./g, '\\.')}"`);
    await cap.waitFor('out', riskyB, 60000);
    assert.equal(cap.child.exitCode, null, 'printed while the capture still runs');
    clock.child.kill('SIGKILL');
    await sleep(1500);
    const { lines, summary } = await stopJsonCapture(cap);
    const sources = lines.filter((l) => l.event_type === 'alert' && /risky source/.test(l.alert.signature));
    const ofB = sources.filter((l) => l.src_ip === ipB);
    assert.equal(ofB.length, 1, `B's risky-source alert printed once: ${JSON.stringify(ofB)}`);
    // the scan is what made B risky: the finding is in its reasons, with the window's flows
    assert.ok(ofB[0].netsentinel.flows >= 100, JSON.stringify(ofB[0].netsentinel));
    // the window it judged: 3 s aligned to flow time, holding the alert's first flow
    assert.equal(ofB[0].netsentinel.window.seconds, 3);
    const start = Date.parse(ofB[0].netsentinel.window.start);
    assert.equal(start % 3000, 0);
    const first = Date.parse(String(ofB[0].timestamp).replace(/(\.\d{3})\d*\+0000$/, '$1Z'));
    assert.ok(start <= first && first < start + 3000, `${ofB[0].netsentinel.window.start} holds ${ofB[0].timestamp}`);
    assert.ok(new Set(sources.map((l) => JSON.stringify([l.src_ip, l.timestamp]))).size === sources.length, 'no window printed twice');
    assert.equal(summary.sourceWindows.seconds, 3);
    assert.equal(summary.sourceWindows.alerts, sources.length, lines.filter((l) => l.event_type === 'alert').map((l) => `${l.alert.signature} ${l.src_ip} ${l.timestamp}`).join('\n'));
    // the whole-capture verdict (for -o's outputs and the store) still names B
    assert.ok(summary.analysis.riskyIps.some((r: { ip: string }) => r.ip === ipB), JSON.stringify(summary.analysis.riskyIps));
  } finally {
    clock?.child.kill('SIGKILL');
    cap?.child.kill('SIGKILL');
    net.remove();
  }
});
