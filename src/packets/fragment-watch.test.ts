/**
 * IP fragments no ordinary stack sends (fragment-watch.ts). Scans sent in tiny fragments (nmap -f
 * cuts each probe's TCP header into 8-byte fragments, the flags in the second; -f -f into 16-byte
 * ones): the first fragments are read (they were refused as malformed, and the scan vanished: the
 * later fragments made one port-less flow, the target's refusals flows of their own), the probes
 * are judged by the flags their later fragment brings, and the fragmenting is a finding of its own.
 * Overlapping fragments (teardrop, fragroute's overlaps) and datagrams past 65,535 bytes (ping of
 * death) are findings too. The real nmap -f is in src/cli/verbs/attack-tools-live.test.ts;
 * ordinary fragments (a datagram over the MTU, a duplicated fragment) raise nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellText, getColumn, type FlowTable } from '../flows/table.js';
import { captureTable } from '../testing/capture-writer.js';
import { icmpMessage, ipFragment, ipFragments, ipFrame, TCP, tcpSegment, udpDatagram } from '../testing/frame-builder.js';
import { framesFindings, framesToPcap } from '../testing/packet-findings.js';
import type { CaptureFlowSummary } from './capture-flows.js';

const T0 = 1_700_000_000_000_000;

/** `n` probes with `flags` from `scanner` to ports 1..n of `target`, each in fragments of `size` bytes, each closed port answering RST-ACK */
function fragmentedProbes(scanner: string, target: string, flags: number, n: number, size: number) {
  const frames: { ts: number; frame: Uint8Array }[] = [];
  for (let port = 1; port <= n; port++) {
    const at = T0 + port * 1000;
    const pieces = ipFragments({ src: scanner, dst: target, proto: 6, ttl: 51, payload: tcpSegment(40000, port, flags, 7) }, size, port);
    pieces.forEach((frame, i) => frames.push({ ts: at + i, frame }));
    frames.push({ ts: at + 20, frame: ipFrame({ src: target, dst: scanner, proto: 6, payload: tcpSegment(port, 40000, TCP.RST | TCP.ACK, 0, 8) }) });
  }
  return frames;
}

function column(tables: FlowTable[], name: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const t of tables) {
    const c = getColumn(t, name)!;
    for (let r = 0; r < t.rowCount; r++) out.push(c.kind === 'numeric' ? c.values[r] : cellText(c, r));
  }
  return out;
}

test('a SYN scan in 8-byte fragments (nmap -f) is a SYN scan and a tiny-fragment finding; its flows are attempts without data, SYNs counted', async () => {
  const frames = fragmentedProbes('10.88.0.66', '10.88.0.1', TCP.SYN, 30, 8);
  const { findings } = await framesFindings(frames);
  const rules = findings.map((f) => `${f.ruleId} ${f.srcIp}`);
  const syn = findings.find((f) => f.ruleId === 'packet.syn-scan');
  assert.ok(syn, rules.join('; '));
  assert.equal(syn.srcIp, '10.88.0.66');
  assert.equal(syn.evidence.halfOpenTargets, 30, JSON.stringify(syn.evidence));
  const tiny = findings.find((f) => f.ruleId === 'packet.tiny-fragment');
  assert.ok(tiny, rules.join('; '));
  assert.equal(tiny.srcIp, '10.88.0.66');
  assert.equal(tiny.category, 'evasion');
  assert.equal(tiny.count, 30);
  assert.equal(tiny.evidence.smallestHeaderBytes, 8);
  assert.deepEqual(tiny.targets.ips, ['10.88.0.1']);
  assert.equal(tiny.targets.portCount, 30);
  assert.match(tiny.reason, /^10\.88\.0\.66 sent 30 IP first fragments too small to hold their transport header \(30 TCP; the smallest held 8 bytes of it\) to 1 host on 30 ports: .*RFC 1858/);
  // the first fragments hold no flags: no NULL scan made of them; the target is no one's scanner
  assert.ok(!findings.some((f) => f.ruleId === 'packet.stealth-scan' || f.srcIp === '10.88.0.1'), rules.join('; '));

  const { file, cleanup } = framesToPcap(frames);
  try {
    let summary: CaptureFlowSummary | undefined;
    const tables = await captureTable([file], { onSummary: (s) => (summary = s) });
    assert.equal(summary?.malformedPackets, 0);
    assert.equal(summary?.meter.orphanFragments, 0);
    const src = column(tables, 'Src IP');
    assert.equal(src.length, 30, 'one flow per probe, with its answer');
    assert.ok(src.every((s) => s === '10.88.0.66'));
    assert.deepEqual(column(tables, 'Dst Port').sort((a, b) => (a as number) - (b as number)), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.ok(column(tables, 'SYN Flag Count').every((v) => v === 1));
    assert.ok(column(tables, 'Total Fwd Packet').every((v) => v === 3), 'the three fragments of each probe');
    // the header's 20 bytes, in three fragments, are header: no payload (an attempt without data)
    assert.ok(column(tables, 'Total Length of Fwd Packet').every((v) => v === 0));
    assert.ok(column(tables, 'FWD Init Win Bytes').every((v) => v === 65535), 'the window, from the fragment that holds it');
    assert.ok(column(tables, 'conn_state').every((v) => v === 'REJ'), column(tables, 'conn_state').join(','));
  } finally {
    cleanup();
  }
});

test('16-byte fragments (nmap -f -f) hold the flags in the first; FIN probes in fragments are a FIN scan; IPv6 too', async () => {
  const ff = (await framesFindings(fragmentedProbes('10.88.0.66', '10.88.0.1', TCP.SYN, 25, 16))).findings;
  assert.ok(ff.some((f) => f.ruleId === 'packet.syn-scan' && f.srcIp === '10.88.0.66'), ff.map((f) => f.ruleId).join('; '));
  assert.equal(ff.find((f) => f.ruleId === 'packet.tiny-fragment')?.evidence.smallestHeaderBytes, 16);

  const fin = (await framesFindings(fragmentedProbes('10.88.0.66', '10.88.0.1', TCP.FIN, 25, 8))).findings;
  const stealth = fin.find((f) => f.ruleId === 'packet.stealth-scan');
  assert.ok(stealth, fin.map((f) => f.ruleId).join('; '));
  assert.equal(stealth.evidence.fin, 25);
  assert.equal(stealth.evidence.null, 0, 'the flagless first fragments are not NULL probes');

  const v6 = (await framesFindings(fragmentedProbes('2001:db8::66', '2001:db8::1', TCP.SYN, 25, 8))).findings;
  assert.ok(v6.some((f) => f.ruleId === 'packet.syn-scan' && f.srcIp === '2001:db8::66'), v6.map((f) => f.ruleId).join('; '));
  assert.equal(v6.find((f) => f.ruleId === 'packet.tiny-fragment')?.srcIp, '2001:db8::66');
});

test('ordinary fragments (datagrams over the MTU, IPv4 and IPv6, one fragment duplicated, one train out of order) raise nothing', async () => {
  const frames: { ts: number; frame: Uint8Array }[] = [];
  for (let i = 0; i < 10; i++) {
    for (const [src, dst] of [['10.88.0.5', '10.88.0.6'], ['2001:db8::5', '2001:db8::6']]) {
      const pieces = ipFragments({ src, dst, proto: 17, payload: udpDatagram(5000 + i, 4789, new Uint8Array(4000)) }, 1480, 100 + i);
      const syn = ipFragments({ src, dst, proto: 6, payload: tcpSegment(41000 + i, 443, TCP.PSH | TCP.ACK, 1, 1, new Uint8Array(3000)) }, 1480, 200 + i);
      // a fragment the network duplicated is no overlap; a train arriving last fragment first is whole too
      if (i === 3) pieces.push(pieces[1]);
      if (i === 4) pieces.reverse();
      for (const frame of [...pieces, ...syn]) frames.push({ ts: T0 + frames.length * 10, frame });
    }
  }
  const { findings } = await framesFindings(frames);
  assert.deepEqual(findings.map((f) => f.ruleId), []);
});

test('fragments overlapping others of their datagram with other bounds (teardrop, fragroute) are a finding per source, IPv4 and IPv6', async () => {
  const frames: { ts: number; frame: Uint8Array }[] = [];
  for (const [src, dst] of [['10.88.0.66', '10.88.0.1'], ['2001:db8::66', '2001:db8::1']]) {
    for (let i = 0; i < 3; i++) {
      const udp = udpDatagram(53000 + i, 53, new Uint8Array(40));
      const at = T0 + frames.length * 100;
      // teardrop: a first fragment of 48 bytes, then the last one inside it (bytes 24..27)
      frames.push({ ts: at, frame: ipFragment({ src, dst, proto: 17, payload: udp.subarray(0, 48) }, 0, true, 900 + i) });
      frames.push({ ts: at + 1, frame: ipFragment({ src, dst, proto: 17, payload: udp.subarray(0, 4) }, 24, false, 900 + i) });
    }
  }
  const { findings } = await framesFindings(frames);
  const overlaps = findings.filter((f) => f.ruleId === 'packet.fragment-overlap');
  assert.deepEqual(overlaps.map((f) => f.srcIp), ['10.88.0.66', '2001:db8::66']);
  assert.equal(overlaps[0].category, 'evasion');
  assert.equal(overlaps[0].evidence.datagrams, 3);
  assert.equal(overlaps[0].evidence.fragments, 3);
  assert.deepEqual(overlaps[0].targets.ips, ['10.88.0.1']);
  assert.match(overlaps[0].reason, /^10\.88\.0\.66 sent 3 fragments overlapping others of the same datagram with other bounds \(3 datagrams; 3 UDP\) to 1 host: .*teardrop/);
  assert.ok(!findings.some((f) => f.ruleId === 'packet.oversized-datagram'));
});

test('an ICMP echo whose fragments end past 65,535 bytes is a ping of death', async () => {
  const echo = icmpMessage(8, 0, new Uint8Array(65_600));
  const pieces = ipFragments({ src: '10.88.0.66', dst: '10.88.0.1', proto: 1, payload: echo }, 1480, 4242);
  const { findings } = await framesFindings(pieces.map((frame, i) => ({ ts: T0 + i * 10, frame })));
  const pod = findings.filter((f) => f.ruleId === 'packet.oversized-datagram');
  assert.equal(pod.length, 1, findings.map((f) => f.ruleId).join('; '));
  assert.equal(pod[0].srcIp, '10.88.0.66');
  assert.equal(pod[0].category, 'denial-of-service');
  assert.equal(pod[0].evidence.datagrams, 1);
  assert.equal(pod[0].evidence.largestEndBytes, 65_604);
  assert.match(pod[0].reason, /^10\.88\.0\.66 sent 1 fragment \(1 datagram; 1 ICMP\) to 1 host ending past the largest IP datagram \(up to byte 65,604, more than 65,535\): a "ping of death"/);
  // the same echo within the limit is ordinary
  const fine = ipFragments({ src: '10.88.0.66', dst: '10.88.0.1', proto: 1, payload: icmpMessage(8, 0, new Uint8Array(60_000)) }, 1480, 4243);
  assert.deepEqual((await framesFindings(fine.map((frame, i) => ({ ts: T0 + i * 10, frame })))).findings.map((f) => f.ruleId), []);
});

test('the datagram table is bounded: past limits.maxGroupsPerRule the oldest goes, counted when its bytes had not all come', async () => {
  const limits = { limits: { maxGroupsPerRule: 100 } };
  const trains = (whole: boolean) => {
    const frames: { ts: number; frame: Uint8Array }[] = [];
    for (let i = 0; i < 130; i++) {
      const pieces = ipFragments({ src: '10.88.0.5', dst: '10.88.0.6', proto: 17, payload: udpDatagram(5000 + i, 4789, new Uint8Array(3000)) }, 1480, 300 + i);
      for (const frame of whole ? pieces : pieces.slice(0, 2)) frames.push({ ts: T0 + frames.length * 10, frame });
    }
    return frames;
  };
  // 130 datagrams whose last fragment never came: 30 dropped unfinished, said in the detectors' warning
  const open = await framesFindings(trains(false), limits);
  assert.deepEqual(open.findings, []);
  assert.ok(open.warnings.some((w) => /^packet detectors: 30 entries dropped because a table was full/.test(w)), open.warnings.join(' | '));
  // 130 whole datagrams: dropping one loses nothing, and nothing is said
  const whole = await framesFindings(trains(true), limits);
  assert.deepEqual(whole.warnings, []);
});
