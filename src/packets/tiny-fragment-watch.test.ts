/**
 * Scans sent in tiny fragments (nmap -f cuts each probe's TCP header into 8-byte fragments, the
 * flags in the second; -f -f into 16-byte ones): the first fragments are read (they were refused as
 * malformed, and the scan vanished: the later fragments made one port-less flow, the target's
 * refusals flows of their own), the probes are judged by the flags their later fragment brings,
 * and the fragmenting is a finding of its own. The real nmap -f is in
 * src/cli/verbs/attack-tools-live.test.ts; ordinary fragments (a datagram over the MTU) raise nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellText, getColumn, type FlowTable } from '../flows/table.js';
import { captureTable } from '../testing/capture-writer.js';
import { ipFragments, ipFrame, TCP, tcpSegment, udpDatagram } from '../testing/frame-builder.js';
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

test('ordinary fragments (datagrams over the MTU, IPv4 and IPv6) are no tiny fragments', async () => {
  const frames: { ts: number; frame: Uint8Array }[] = [];
  for (let i = 0; i < 10; i++) {
    for (const [src, dst] of [['10.88.0.5', '10.88.0.6'], ['2001:db8::5', '2001:db8::6']]) {
      const pieces = ipFragments({ src, dst, proto: 17, payload: udpDatagram(5000 + i, 4789, new Uint8Array(4000)) }, 1480, 100 + i);
      const syn = ipFragments({ src, dst, proto: 6, payload: tcpSegment(41000 + i, 443, TCP.PSH | TCP.ACK, 1, 1, new Uint8Array(3000)) }, 1480, 200 + i);
      for (const frame of [...pieces, ...syn]) frames.push({ ts: T0 + frames.length * 10, frame });
    }
  }
  const { findings } = await framesFindings(frames);
  assert.deepEqual(findings.map((f) => f.ruleId), []);
});
