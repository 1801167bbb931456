/**
 * Packets a firewall rule logged, live: nftables in a network namespace of this test's logs every
 * packet in and out to NFLOG group 7 (`log group 7`), and `netsentinel capture -i nflog:7` (tcpdump
 * reading the netfilter log) finds the SYN scan another namespace runs against it. Before NFLOG was
 * read (LINKTYPE_NFLOG, 239) every packet was skipped as of an unsupported link type.
 *
 * Needs root, tcpdump, nft and iproute2: skipped, saying why, without them, except under CI=true
 * where they must be there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { Background, namespacePair } from '../testing/live-namespaces.js';
import { liveCaptureTest } from '../testing/live-capture-test.js';
import { run } from '../testing/programs.js';

const { main, dir, baselineFile, skip } = liveCaptureTest('ns-nflog-live-');

type Line = Record<string, any>;
const parse = (out: string): Line[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

test('capture -i nflog:7: the packets nftables logs are read (link type NFLOG) and a SYN scan among them is found', { skip: skip(['tcpdump', 'nft', 'ip'], 'tcpdump, nftables, iproute2') }, async () => {
  const net = namespacePair('tnf', dir, { subnet: '10.80.0' });
  let cap: Background | undefined;
  try {
    const nft = (...a: string[]) => run('ip', net.inNs(net.nsA, 'nft', ...a));
    nft('add', 'table', 'inet', 'audit');
    nft('add', 'chain', 'inet', 'audit', 'in', '{ type filter hook input priority 0; }');
    nft('add', 'chain', 'inet', 'audit', 'out', '{ type filter hook output priority 0; }');
    nft('add', 'rule', 'inet', 'audit', 'in', 'log', 'group', '7');
    nft('add', 'rule', 'inet', 'audit', 'out', 'log', 'group', '7');
    cap = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', 'nflog:7', '-b', baselineFile, '--json', '--batch-seconds', '1')));
    await cap.waitFor('err', /listening on/, 30000);
    // 150 closed ports: each SYN logged coming in, its RST going out
    net.fromB('scan', net.ipA, '1', '150');
    await cap.waitFor('out', /"event_type":"finding_opened".*"rule":"packet\.syn-scan"/, 30000);
    cap.child.kill('SIGINT');
    assert.equal(await cap.exited, 0, cap.err);
    const lines = parse(cap.out);
    const syn = lines.find((l) => l.netsentinel?.rule === 'packet.syn-scan');
    assert.equal(syn?.src_ip, net.ipB);
    const summary = lines.find((l) => l.event_type === 'capture_summary');
    assert.ok(summary, cap.out.slice(-2000));
    assert.deepEqual(summary.capture.linkTypes, ['Linux netfilter log (NFLOG)']);
    // at least the 21 SYNs and their RSTs that opened the finding, every packet read as IP
    const c = summary.analysis.capture;
    assert.ok(c.ipPackets >= 42 && c.ipPackets === c.packetsRead, JSON.stringify(c));
    assert.equal(summary.analysis.capture.packetsSkipped, 0);
    assert.doesNotMatch(cap.err, /not supported/);
  } finally {
    cap?.child.kill('SIGKILL');
    net.remove();
  }
});
