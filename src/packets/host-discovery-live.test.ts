/**
 * Host discovery for real: tcpdump in a network namespace of this test's, while that namespace
 * sweeps its /24 (a TCP connect to each of 60 addresses; only the peer holds one, so every other
 * address gets the kernel's ARP requests and nothing else, as a ping sweep's would), then
 * `netsentinel analyze` of the capture: the `arp.scan` finding names the sweeper, and a capture of
 * ordinary exchanges between the two namespaces raises none. Before `arp.scan`, the sweep made 1
 * flow and no finding.
 *
 * Needs root (namespaces, capturing), tcpdump and ip: skipped, saying why, without them, except
 * under CI=true where they must be there.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Background, namespacePair } from '../testing/live-namespaces.js';
import { liveCaptureTest } from '../testing/live-capture-test.js';

const live = liveCaptureTest('ns-discovery-');
const { main, dir, baselineFile } = live;
const skip = live.skip(['tcpdump', 'ip'], 'tcpdump, iproute2');

// connects to subnet.1 .. subnet.N, port 9, 20 at a time; an address no machine holds fails after ARP gives up
const SWEEP = `
import net from 'node:net';
const [subnet, n] = process.argv.slice(2);
const hosts = Array.from({ length: Number(n) }, (_, i) => subnet + '.' + (i + 1));
let next = 0;
await Promise.all(Array.from({ length: 20 }, async () => {
  while (next < hosts.length) {
    const host = hosts[next++];
    await new Promise((res) => { const s = net.connect({ host, port: 9 }); const end = () => { s.destroy(); res(); };
      s.on('connect', end); s.on('error', end); s.setTimeout(4000, end); });
  }
}));
`;

async function captureWhile(ns: string, ifc: string, file: string, traffic: () => void): Promise<void> {
  const dump = new Background(spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-U', '-n', '-i', ifc, '-w', file]));
  await dump.waitFor('err', /listening on/, 20000);
  traffic();
  await new Promise((r) => setTimeout(r, 500));
  dump.child.kill('SIGINT');
  await dump.exited;
}

function analyze(file: string, out: string): { findings: Record<string, any>[]; err: string } {
  const r = spawnSync(process.execPath, [main, 'analyze', file, '-b', baselineFile, '-o', out, '--store', 'none', '--no-report', '-q'], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const alerts = readFileSync(join(out, 'alerts.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
  return { findings: alerts.filter((a) => a.netsentinel?.rule), err: r.stderr };
}

test('a sweep of a namespace subnet (ARP only for the silent addresses) is an arp.scan naming the sweeper; ordinary exchanges are not', { skip }, async () => {
  const net = namespacePair('nsd', dir, { subnet: '10.78.0' });
  let server: Background | undefined;
  try {
    server = await net.serve();
    const sweeper = join(dir, 'sweep.mjs');
    writeFileSync(sweeper, SWEEP);

    const ordinary = join(dir, 'ordinary.pcap');
    await captureWhile(net.nsB, net.vethB, ordinary, () => {
      net.fromB('talk', net.ipA, '8080', '5');
      net.fromB('udp', net.ipA, '5353', '3');
    });
    const quiet = analyze(ordinary, join(dir, 'out-ordinary'));
    assert.deepEqual(quiet.findings.map((f) => f.netsentinel.rule), [], 'ordinary exchanges raise no finding');

    const sweep = join(dir, 'sweep.pcap');
    await captureWhile(net.nsB, net.vethB, sweep, () => {
      spawnSync('ip', ['netns', 'exec', net.nsB, process.execPath, sweeper, '10.78.0', '60'], { timeout: 60000 });
    });
    const found = analyze(sweep, join(dir, 'out-sweep')).findings.filter((f) => f.netsentinel.rule === 'arp.scan');
    assert.equal(found.length, 1, 'one arp.scan finding');
    const f = found[0];
    assert.equal(f.src_ip, net.ipB, 'it names the sweeping address');
    assert.equal(f.alert.category, 'Detection of a Network Scan');
    const ev = f.netsentinel.evidence;
    // the 58 silent addresses asked for (the peer too, answering, unless its MAC was still cached)
    assert.equal(ev.unanswered, 58);
    assert.ok(ev.answered <= 1, `answered ${ev.answered}`);
    assert.equal(ev.addressesAsked, 58 + ev.answered);
    assert.ok(ev.requests >= 58, `requests ${ev.requests}`);
    assert.match(f.netsentinel.reasons[0], /^10\.78\.0\.2 \([0-9a-f:]{17}\) asked by ARP for 5[89] addresses on its link .*, 58 of which never answered/);
  } finally {
    server?.child.kill('SIGKILL');
    await server?.exited;
    net.remove();
  }
});
