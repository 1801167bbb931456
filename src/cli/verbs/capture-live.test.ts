/**
 * `netsentinel capture` live, in two network namespaces this test creates (unique names with its
 * pid; a veth pair between them): findings printed the moment a detector crosses its threshold,
 * before the capture ends, and again when they close; a capture without -o keeping nothing on disk;
 * and dumpcap as the capture program. Needs root, tcpdump, dumpcap and iproute2: skipped, saying
 * why, without them, except under CI=true where they must be there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Background, namespacePair } from '../../testing/live-namespaces.js';
import { liveCaptureTest } from '../../testing/live-capture-test.js';

const { main, dir, baselineFile, skip } = liveCaptureTest('ns-capture-live-');
const skipLive = (...programs: string[]): string | false => skip(programs, 'tcpdump, wireshark-common for dumpcap, iproute2');

type Line = Record<string, any>;
const parse = (out: string): Line[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

test('a scan is printed when its threshold is crossed, before the capture ends, and again with its final count when it closes; nothing is kept on disk without -o', { skip: skipLive('tcpdump', 'ip') }, async () => {
  const net = namespacePair('pgo', dir);
  // the capture's own temporary folder and working folder: without -o both must stay empty
  const scratch = join(dir, 'tmp-open');
  const cwd = join(dir, 'cwd-open');
  mkdirSync(scratch);
  mkdirSync(cwd);
  let server: Background | undefined;
  let cap: Background | undefined;
  try {
    server = await net.serve();
    cap = new Background(
      spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', net.vethA, '-b', baselineFile, '--json', '--batch-seconds', '1'), { cwd, env: { ...process.env, TMPDIR: scratch } }),
    );
    // the "listening on" line and the next one are separate writes: they may arrive in separate chunks
    await cap.waitFor('err', /nothing is kept on disk.*\n/, 30000);
    assert.match(cap.err, /listening on/);
    assert.match(cap.err, /capture: findings are printed as they come; nothing is kept on disk \(-o DIR keeps flows_scored\.csv, alerts\.jsonl and the report; --write DIR the packets\)/);
    // 150 closed ports: each SYN refused by a RST, so each handshake is half-open at once
    net.fromB('scan', net.ipA, '1', '150');
    // the SYN watch's line (packets) and the port-scan rule's (flows, at the next batch), while the capture runs
    await cap.waitFor('out', /"event_type":"finding_opened".*"rule":"packet\.syn-scan"/, 30000);
    await cap.waitFor('out', /"event_type":"finding_opened".*"rule":"port-scan\.vertical"/, 30000);
    assert.equal(cap.child.exitCode, null, 'the capture is still running');
    // while it runs too: no scratch folder of flows and alerts growing in TMPDIR
    assert.deepEqual(readdirSync(scratch), []);
    const opened = parse(cap.out);
    assert.ok(!opened.some((l) => l.event_type === 'capture_summary'));
    cap.child.kill('SIGINT');
    assert.equal(await cap.exited, 0, cap.err);
    const lines = parse(cap.out);
    const syn = lines.filter((l) => l.netsentinel?.rule === 'packet.syn-scan');
    assert.deepEqual(syn.map((l) => l.event_type), ['finding_opened', 'alert'], 'opened once, then closed once');
    // opened as the 21st target was refused (rules.synScan.targets 20); closed with all 150
    assert.equal(syn[0].netsentinel.evidence.halfOpenTargets, 21);
    assert.equal(syn[0].src_ip, net.ipB);
    assert.equal(syn[1].netsentinel.evidence.halfOpenTargets, 150);
    assert.match(syn[1].netsentinel.reasons[0], /^10\.77\.0\.2 sent SYNs to 150 \(host, port\) targets on 1 host .*150 refused/);
    const scan = lines.filter((l) => l.netsentinel?.rule === 'port-scan.vertical');
    assert.deepEqual(scan.map((l) => l.event_type), ['finding_opened', 'alert']);
    assert.equal(scan[0].src_ip, net.ipB);
    assert.ok(scan[0].netsentinel.evidence.distinctPorts ?? scan[0].netsentinel.targets.portCount > 10);
    assert.equal(scan[1].netsentinel.targets.portCount, 150);
    // every "opened" line came before the summary, i.e. before the capture ended
    const summaryAt = lines.findIndex((l) => l.event_type === 'capture_summary');
    assert.equal(summaryAt, lines.length - 1);
    assert.deepEqual(lines[summaryAt].analysis.outputs, {});
    // nothing on disk: no scratch folder, no file in the working folder
    assert.deepEqual(readdirSync(scratch), []);
    assert.deepEqual(readdirSync(cwd), []);
  } finally {
    cap?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await server?.exited;
    net.remove();
  }
});

test('dumpcap as the capture program: its pcap on a pipe gives the flows, outputs with -o', { skip: skipLive('dumpcap', 'ip') }, async () => {
  const net = namespacePair('pgd', dir);
  let server: Background | undefined;
  let cap: Background | undefined;
  try {
    server = await net.serve();
    const out = join(dir, 'dumpcap-out');
    cap = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', net.vethA, '--program', 'dumpcap', '-f', 'tcp or udp', '-b', baselineFile, '--json', '-o', out, '--store', 'none', '--no-report')));
    // dumpcap says "Capturing on ..." before it opens the device and "File: -" once it writes
    await cap.waitFor('err', /capture: Capturing on '?[^\n]*\(dumpcap\)/, 30000);
    net.fromB('talk', net.ipA, '8080', '5');
    net.fromB('udp', net.ipA, '5353', '3');
    // dumpcap flushes by block: stop once its packets have been read rather than at once
    await new Promise((r) => setTimeout(r, 1500));
    cap.child.kill('SIGINT');
    assert.equal(await cap.exited, 0, cap.err);
    assert.doesNotMatch(cap.err, /\n\s+at /, 'no stack trace');
    const summary = parse(cap.out).at(-1) as Line;
    assert.equal(summary.event_type, 'capture_summary');
    assert.equal(summary.capture.program.name, 'dumpcap');
    assert.equal(summary.capture.stoppedBy, 'SIGINT');
    assert.deepEqual(summary.capture.linkTypes, ['Ethernet']);
    // 5 TCP exchanges and 3 UDP ones; the filter keeps ARP out
    assert.equal(summary.capture.flows, 8, JSON.stringify(summary.capture));
    assert.equal(summary.capture.arpPackets, 0);
    const scored = readFileSync(join(out, 'flows_scored.csv'), 'utf8').trim().split('\n');
    assert.equal(scored.length - 1, 8);
  } finally {
    cap?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await server?.exited;
    net.remove();
  }
});

test('without --baseline the rules and packet detectors judge alone: a scan is found, no reason claims a baseline, and the run says what judged it', { skip: skipLive('tcpdump', 'ip') }, async () => {
  const net = namespacePair('pgr', dir);
  let server: Background | undefined;
  let cap: Background | undefined;
  try {
    server = await net.serve();
    const out = join(dir, 'rules-only-out');
    cap = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', net.vethA, '--json', '--batch-seconds', '1', '-o', out, '--store', 'none', '--no-report')));
    await cap.waitFor('err', /capture: no --baseline: the rules and packet detectors judge the traffic/, 30000);
    net.fromB('talk', net.ipA, '8080', '5');
    net.fromB('scan', net.ipA, '1', '150');
    await cap.waitFor('out', /"event_type":"finding_opened".*"rule":"port-scan\.vertical"/, 30000);
    cap.child.kill('SIGINT');
    assert.equal(await cap.exited, 0, cap.err);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Line;
    assert.deepEqual(summary.baseline.detectors, []);
    assert.match(summary.modeNote, /^no --baseline: the rules and packet detectors judge the traffic/);
    assert.ok(summary.findingsByRule['packet.syn-scan'] >= 1 && summary.findingsByRule['port-scan.vertical'] >= 1, JSON.stringify(summary.findingsByRule));
    assert.deepEqual(summary.riskyIps.map((r: Line) => r.ip), [net.ipB]);
    // every flow is there; none has a reason drawn from a baseline that does not exist ("Protocol 6 never seen in the baseline")
    const rows = readFileSync(join(out, 'flows_scored.csv'), 'utf8').trim().split('\n');
    const dport = rows[0].split(',').indexOf('dst_port');
    assert.ok(rows.slice(1).filter((l) => l.split(',')[dport] === '8080').length >= 5, rows.slice(0, 3).join('\n'));
    assert.ok(rows.every((l) => !/never seen in the baseline/.test(l)), rows.find((l) => /never seen/.test(l)));
  } finally {
    cap?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await server?.exited;
    net.remove();
  }
});
