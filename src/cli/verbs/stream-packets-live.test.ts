/**
 * `stream --interface IF` with the packet detectors, in two network namespaces this test creates (a
 * veth pair). From B: an ARP sweep of the /24 (ARP only: no flow finishes, so only the worker's
 * empty tick batches can ask the detectors), then unsolicited ARP replies "A's address is-at B's
 * MAC" while A goes on talking. Each is an EVE alert on stdout while the worker runs, naming B,
 * never A; in the store once; and SIGTERM raises neither again. Before, `stream --interface` ran no
 * packet detector: ARP spoofing on the link it watched was never told.
 * Frames are written by python3 on a raw AF_PACKET socket. Needs root, tcpdump, ip and python3:
 * skipped, saying why, without them, except under CI=true where they must be there.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { Background, namespacePair, killAll } from '../../testing/live-namespaces.js';
import { liveCaptureTest } from '../../testing/live-capture-test.js';
import { openStore } from '../../store/open-store.js';
import { rawFramesScript } from '../../testing/raw-frames.js';

const live = liveCaptureTest('ns-stream-packets-');
const { main, dir, baselineFile } = live;
const skip = live.skip(['tcpdump', 'ip', 'python3'], 'tcpdump, iproute2, python3');


type Line = Record<string, any>;
const parse = (out: string): Line[] => out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
const ruleOf = (l: Line): string | undefined => l.netsentinel?.rule as string | undefined;

test('stream --interface: an ARP sweep and ARP spoofing are alerts while the worker runs, each once, naming the attacker', { skip, timeout: 240_000 }, async () => {
  const net = namespacePair('spl', dir, { subnet: '10.83.0' });
  const frames = rawFramesScript(dir);
  const py = (...a: string[]): void => {
    const r = spawnSync('ip', net.inNs(net.nsB, 'python3', frames, ...a), { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
  };
  const store = join(dir, 'worker.db');
  let server: Background | undefined;
  let worker: Background | undefined;
  try {
    server = await net.serve();
    worker = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, main, 'stream', '--interface', net.vethA, '-b', baselineFile, '--json', '--batch-seconds', '1', '--store', store)));
    await worker.waitFor('err', /scoring its flows as they finish/, 30000);
    const raised = (rule: string): RegExp => new RegExp(`"rule":"${rule.replace('.', '\\.')}"`);

    // A talks (its address's packets from its MAC), then B sweeps the link by ARP: no flow finishes after it
    net.fromB('udp', net.ipA, '5353', '3');
    py('arpsweep', net.vethB, net.ipB, '10.83.0', '10', '50');
    await worker.waitFor('out', raised('arp.scan'), 30000);

    // "10.83.0.1 is-at B's MAC" to A, unasked, while A goes on answering B from its own MAC
    const macA = spawnSync('ip', net.inNs(net.nsA, 'cat', `/sys/class/net/${net.vethA}/address`), { encoding: 'utf8' }).stdout.trim();
    py('spoof', net.vethB, net.ipA, net.ipA, macA, '5');
    net.fromB('udp', net.ipA, '5353', '3');
    await worker.waitFor('out', raised('arp.ip-conflict'), 30000);
    assert.equal(worker.child.exitCode, null, 'raised while the worker runs');
    const whileRunning = parse(worker.out).filter((l) => l.event_type === 'alert' && ruleOf(l)?.startsWith('arp.'));

    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0, worker.err);
    assert.doesNotMatch(worker.err, /\n\s+at /, 'no stack trace');
    const alerts = parse(worker.out).filter((l) => l.event_type === 'alert');
    const arp = alerts.filter((l) => ruleOf(l)?.startsWith('arp.'));
    for (const rule of ['arp.scan', 'arp.ip-conflict']) {
      const a = whileRunning.find((l) => ruleOf(l) === rule);
      assert.equal(a?.src_ip, net.ipB, `${rule} raised while running, naming the attacker: ${JSON.stringify(a)}`);
    }
    assert.ok(!arp.some((l) => l.src_ip === net.ipA), `no finding names the spoofed host: ${arp.map((l) => `${ruleOf(l)} ${l.src_ip}`).join(', ')}`);
    assert.equal(arp.filter((l) => ruleOf(l) === 'arp.scan').length, 1, 'the sweep is raised once (not again at SIGTERM)');
    assert.ok(arp.find((l) => ruleOf(l) === 'arp.scan')!.netsentinel.evidence.unanswered >= 10, JSON.stringify(arp));
    // each alert printed once, and stored under its key
    const s = await openStore(store);
    try {
      const stored = (await s.listAlerts({ limit: 10_000 })).filter((a) => (a.record as Line).netsentinel?.rule?.startsWith?.('arp.'));
      assert.equal(stored.length, arp.length, `stored ${stored.map((a) => a.signature).join(', ')}; printed ${arp.map(ruleOf).join(', ')}`);
      assert.equal(new Set(stored.map((a) => a.key)).size, stored.length);
    } finally {
      await s.close();
    }
    const stats = JSON.parse(worker.err.split('\n').filter((l) => l.startsWith('{')).pop()!) as { findings: number };
    assert.ok(stats.findings >= 2, worker.err);
  } finally {
    await killAll(worker, server);
    net.remove();
  }
});
