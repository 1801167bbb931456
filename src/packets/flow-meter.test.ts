/**
 * The flow meter on real and rewritten captures: its CICFlowMeter features against an independent
 * computation from tshark's own dissection of the same packets; Zeek states and history on known
 * captures; every kind of split (idle timeout, flow timeout, a new SYN after a close), each
 * accounted for; fragments joined to their flow; the bounded table evicting under a flood.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cellText, getColumn, type Column, type FlowTable } from '../flows/table.js';
import { captureTable, readPackets, writePcap, type RawPacket } from '../testing/capture-writer.js';
import { ipFrame, TCP, tcpSegment, udpDatagram } from '../testing/frame-builder.js';
import { run, skipWithoutProgram } from '../testing/programs.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import type { CaptureFlowSummary } from './capture-flows.js';

const tmp = mkdtempSync(join(tmpdir(), 'ns-meter-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const skip = skipWithoutShared('pcaps', 'http_ip4and6.pcapng');
const pcap = (n: string): string => sharedPath('pcaps', n) as string;

function rows(tables: FlowTable[]): Record<string, string | number>[] {
  const out: Record<string, string | number>[] = [];
  for (const t of tables) {
    for (let r = 0; r < t.rowCount; r++) {
      const o: Record<string, string | number> = {};
      for (const c of t.columns) o[c.name] = c.kind === 'numeric' ? c.values[r] : cellText(c as Column, r);
      out.push(o);
    }
  }
  return out;
}

async function meter(packets: RawPacket[], opts = {}): Promise<{ flows: Record<string, string | number>[]; summary: CaptureFlowSummary }> {
  const f = join(tmp, `m${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(f, writePcap(packets, { linkType: 1 }));
  let summary: CaptureFlowSummary | undefined;
  const tables = await captureTable([f], { ...opts, onSummary: (s) => (summary = s) });
  return { flows: rows(tables), summary: summary as CaptureFlowSummary };
}

const mean = (a: number[]): number => (a.length ? a.reduce((s, x) => s + x, 0) / a.length : 0);
const std = (a: number[]): number => {
  if (a.length < 2) return 0;
  const m = mean(a);
  return Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / (a.length - 1));
};
const min = (a: number[]): number => (a.length ? Math.min(...a) : 0);
const max = (a: number[]): number => (a.length ? Math.max(...a) : 0);
const diffs = (a: number[]): number[] => a.slice(1).map((x, i) => x - a[i]);

test('CICFlowMeter features agree with an independent computation from tshark\'s dissection', { skip: skip || skipWithoutProgram('tshark') }, async () => {
  let checked = 0;
  for (const name of ['http_ip4and6.pcapng', 'http_google.pcapng', 'dns_tcp.pcapng', 'tcp_ports.pcapng', 'sessionhijacking.pcapng']) {
    const text = run('tshark', ['-r', pcap(name), '-Y', 'tcp', '-T', 'fields', '-E', 'separator=|', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'tcp.dstport', '-e', 'tcp.len', '-e', 'tcp.hdr_len', '-e', 'tcp.flags', '-e', 'tcp.window_size_value']).toString();
    const conns = new Map<string, { src: string; ts: number[]; len: number[]; hdr: number[]; flags: number[]; win: number[]; fwd: boolean[] }>();
    for (const line of text.trim().split('\n')) {
      const [t, s4, s6, sp, d4, d6, dp, len, hdr, flags, win] = line.split('|');
      const [sec, frac = '0'] = t.split('.');
      const ts = Number(sec) * 1e6 + Number(frac.padEnd(9, '0').slice(0, 6));
      const src = `${s4 || s6}:${sp}`;
      const dst = `${d4 || d6}:${dp}`;
      const k = [src, dst].sort().join('~');
      let c = conns.get(k);
      if (!c) conns.set(k, (c = { src, ts: [], len: [], hdr: [], flags: [], win: [], fwd: [] }));
      c.ts.push(ts);
      c.len.push(Number(len));
      c.hdr.push(Number(hdr));
      c.flags.push(parseInt(flags, 16));
      c.win.push(Number(win));
      c.fwd.push(src === c.src);
    }
    const flows = rows(await captureTable([pcap(name)])).filter((f) => f.Protocol === '6');
    assert.equal(flows.length, conns.size, name);
    for (const f of flows) {
      const src = `${f['Src IP']}:${f['Src Port']}`;
      const dst = `${f['Dst IP']}:${f['Dst Port']}`;
      const c = conns.get([src, dst].sort().join('~'));
      assert.ok(c, `${name}: ${src} ${dst} known to tshark`);
      assert.equal(c.src, src, 'forward is the first sender');
      const pick = <T>(a: T[], fwd: boolean): T[] => a.filter((_, i) => c.fwd[i] === fwd);
      const fl = pick(c.len, true);
      const bl = pick(c.len, false);
      const fts = pick(c.ts, true);
      const bts = pick(c.ts, false);
      const flagCount = (bit: number, fwd?: boolean): number => c.flags.filter((x, i) => (fwd === undefined || c.fwd[i] === fwd) && (x & bit) !== 0).length;
      const expect: Record<string, number> = {
        'Flow Duration': c.ts[c.ts.length - 1] - c.ts[0],
        'Total Fwd Packet': fl.length, 'Total Bwd packets': bl.length,
        'Total Length of Fwd Packet': fl.reduce((s, x) => s + x, 0), 'Total Length of Bwd Packet': bl.reduce((s, x) => s + x, 0),
        'Fwd Packet Length Max': max(fl), 'Fwd Packet Length Min': min(fl), 'Fwd Packet Length Mean': mean(fl), 'Fwd Packet Length Std': std(fl),
        'Bwd Packet Length Max': max(bl), 'Bwd Packet Length Min': min(bl), 'Bwd Packet Length Mean': mean(bl), 'Bwd Packet Length Std': std(bl),
        'Flow IAT Mean': mean(diffs(c.ts)), 'Flow IAT Std': std(diffs(c.ts)), 'Flow IAT Max': max(diffs(c.ts)), 'Flow IAT Min': min(diffs(c.ts)),
        'Fwd IAT Total': fts[fts.length - 1] - fts[0], 'Fwd IAT Mean': mean(diffs(fts)), 'Fwd IAT Std': std(diffs(fts)), 'Fwd IAT Max': max(diffs(fts)), 'Fwd IAT Min': min(diffs(fts)),
        'Bwd IAT Total': bts.length ? bts[bts.length - 1] - bts[0] : 0, 'Bwd IAT Mean': mean(diffs(bts)), 'Bwd IAT Std': std(diffs(bts)), 'Bwd IAT Max': max(diffs(bts)), 'Bwd IAT Min': min(diffs(bts)),
        'Fwd PSH Flags': flagCount(8, true), 'Bwd PSH Flags': flagCount(8, false), 'Fwd RST Flags': flagCount(4, true), 'Bwd RST Flags': flagCount(4, false),
        'Fwd Header Length': pick(c.hdr, true).reduce((s, x) => s + x, 0), 'Bwd Header Length': pick(c.hdr, false).reduce((s, x) => s + x, 0),
        'Packet Length Min': min(c.len), 'Packet Length Max': max(c.len), 'Packet Length Mean': mean(c.len), 'Packet Length Std': std(c.len), 'Packet Length Variance': std(c.len) ** 2,
        'FIN Flag Count': flagCount(1), 'SYN Flag Count': flagCount(2), 'RST Flag Count': flagCount(4), 'PSH Flag Count': flagCount(8), 'ACK Flag Count': flagCount(16),
        'Down/Up Ratio': bl.length / fl.length, 'Average Packet Size': mean(c.len),
        'FWD Init Win Bytes': pick(c.win, true)[0], 'Bwd Init Win Bytes': pick(c.win, false)[0] ?? 0,
        'Fwd Act Data Pkts': fl.slice(1).filter((x) => x > 0).length, 'Fwd Seg Size Min': min(pick(c.hdr, true)),
        'Subflow Fwd Packets': Math.floor(fl.length / c.len.length),
        'ICMP Type': -1, 'Total TCP Flow Time': c.ts[c.ts.length - 1] - c.ts[0],
      };
      for (const [k, v] of Object.entries(expect)) {
        const got = f[k] as number;
        assert.ok(Math.abs(got - v) <= 1e-6 * Math.max(1, Math.abs(v)), `${name} ${src}→${dst} "${k}": ${got}, expected ${v}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 1000, `${checked} values checked`);
});

test('Zeek conn_state and history on known captures', { skip }, async () => {
  const one = async (n: string) => rows(await captureTable([pcap(n)]));
  const hs = await one('tcp_handshake.pcapng');
  assert.deepEqual([hs[0].conn_state, hs[0].history, hs[0].service], ['S1', 'ShA', 'http']);
  const web = (await one('http_ip4and6.pcapng')).map((f) => [f.conn_state, f.history]);
  assert.deepEqual(web, [['SF', 'ShADadFf'], ['SF', 'ShADadFf']]);
  const scan = await one('synscan.pcapng');
  const states = new Map<string, number>();
  for (const f of scan) states.set(f.conn_state as string, (states.get(f.conn_state as string) ?? 0) + 1);
  // 1,000 probed ports: most unanswered (S0), closed ports answer RST (REJ)
  assert.ok((states.get('S0') ?? 0) > 1900, JSON.stringify([...states]));
  assert.ok((states.get('REJ') ?? 0) >= 1);
  const dns = await one('dns_query_response.pcapng');
  assert.deepEqual([dns[0].conn_state, dns[0].history, dns[0].service, dns[0].Protocol], ['SF', 'Dd', 'dns', '17']);
  assert.equal(dns[0]['Fwd Header Length'], 8);
});

test('splits: idle timeout, flow timeout and a new SYN after a close, each accounted for', { skip }, async () => {
  const dns = await readPackets(pcap('dns_query_response.pcapng'));
  // the same query and answer again 200 s later: past the 120 s idle timeout
  const idle = await meter([...dns, ...dns.map((p) => ({ ...p, tsMicros: p.tsMicros + 200e6 }))]);
  assert.equal(idle.flows.length, 2);
  assert.equal(idle.summary.meter.byReason['idle timeout'], 1);
  // the query every 10 s for 300 s: flows split when their first packet is over 120 s old
  const q = dns[0];
  const steady = await meter(Array.from({ length: 31 }, (_, i) => ({ ...q, tsMicros: q.tsMicros + i * 10e6 })));
  assert.deepEqual(steady.flows.map((f) => f['Total Fwd Packet']), [13, 13, 5]);
  assert.equal(steady.summary.meter.byReason['active timeout'], 2);
  // with a shorter flow timeout, more splits
  const short = await meter(Array.from({ length: 31 }, (_, i) => ({ ...q, tsMicros: q.tsMicros + i * 10e6 })), { activeTimeoutMicros: 60e6 });
  assert.equal(short.flows.length, 5);
  // a whole TCP connection (SYN ... FIN, FIN, ACK) replayed 1 s later on the same ports: two flows
  const web = (await readPackets(pcap('http_ip4and6.pcapng'))).slice(0, 10);
  const reuse = await meter([...web, ...web.map((p) => ({ ...p, tsMicros: p.tsMicros + 1e6 }))]);
  assert.equal(reuse.flows.length, 2);
  assert.equal(reuse.summary.meter.byReason['new SYN on a closed connection'], 1);
  assert.deepEqual(reuse.flows.map((f) => [f.conn_state, f['Total Fwd Packet'], f['Total Bwd packets']]), [['SF', 6, 4], ['SF', 6, 4]]);
});

test('fragments join their datagram\'s flow (IPv4 and IPv6)', { skip }, async () => {
  const v4 = rows(await captureTable([pcap('ip_frag_source.pcapng')]));
  assert.equal(v4.length, 1);
  assert.deepEqual([v4[0]['Total Fwd Packet'], v4[0]['Total Bwd packets'], v4[0]['ICMP Type'], v4[0].Protocol], [3, 3, 8, '1']);
  // 3 fragments of one ICMP echo of 3,000 + 8 bytes each way: payload counted whole
  assert.equal(v4[0]['Total Length of Fwd Packet'], v4[0]['Total Length of Bwd Packet']);
  let summary: CaptureFlowSummary | undefined;
  const v6 = rows(await captureTable([pcap('ipv6_fragments.pcapng')], { onSummary: (s) => (summary = s) }));
  assert.equal(v6.reduce((s, f) => s + (f['Total Fwd Packet'] as number) + (f['Total Bwd packets'] as number), 0), 22);
  assert.equal(summary?.meter.orphanFragments, 0);
  assert.ok((summary?.meter.fragments ?? 0) >= 11);
});

test('a full flow table evicts the least recently seen flow, counts it, and says so', { skip }, async () => {
  const warnings: string[] = [];
  let summary: CaptureFlowSummary | undefined;
  const tables = await captureTable([pcap('synscan.pcapng')], { maxFlows: 8, warn: (m) => warnings.push(m), onSummary: (s) => (summary = s) });
  const s = summary as CaptureFlowSummary;
  assert.ok(s.meter.evictions > 1000);
  assert.ok(s.meter.peakFlows <= 8);
  assert.ok(warnings.some((w) => /flow table is full/.test(w)));
  assert.ok(warnings.some((w) => /evicted [\d,]+ flow/.test(w)));
  const packets = rows(tables).reduce((n, f) => n + (f['Total Fwd Packet'] as number) + (f['Total Bwd packets'] as number), 0);
  assert.equal(packets, s.ipPackets, 'no packet lost to eviction');
});

test('a packet joins the flow of the packet before only when its whole key matches, in either direction', async () => {
  const udp = (src: string, sp: number, dst: string, dp: number, proto = 17): Uint8Array =>
    ipFrame({ src, dst, proto, payload: proto === 17 ? udpDatagram(sp, dp, new Uint8Array(4)) : tcpSegment(sp, dp, TCP.ACK) });
  // each packet follows one whose key differs in one part only (the meter reuses the previous
  // packet's flow without a lookup when the key matches, so each part must be compared)
  const frames = [
    udp('10.0.0.1', 1000, '10.0.0.2', 53), // flow 1
    udp('10.0.0.2', 53, '10.0.0.1', 1000), // flow 1, backward
    udp('10.0.0.1', 1000, '10.0.0.2', 54), // flow 2: another destination port
    udp('10.0.0.1', 54, '10.0.0.2', 1000), // flow 3: the ports swapped, addresses not
    udp('10.0.0.1', 54, '10.0.0.2', 1000, 6), // flow 4: TCP
    udp('2001:db8::1', 5, '2001:db8::2', 6), // flow 5
    udp('2002:db8::1', 5, '2001:db8::2', 6), // flow 6: differs in the first address word only
    udp('2001:db8::2', 6, '2002:db8::1', 5), // flow 6, backward
    udp('2001:db8::2', 6, '2002:db8::2', 5), // flow 7: the destination's first word as flow 6's, not the last
    udp('10.0.0.9', 7, '10.0.0.9', 7), // flow 8: to itself
    udp('10.0.0.9', 7, '10.0.0.9', 7), // flow 8 again (forward: both directions are one)
    udp('10.0.0.1', 1000, '10.0.0.2', 53), // flow 1 again, found by lookup
  ];
  const { flows } = await meter(frames.map((data, i) => ({ tsMicros: 1.7e15 + i * 1000, data })));
  const got = flows
    .sort((a, b) => (a.id as number) - (b.id as number))
    .map((f) => `${f['Src IP']}:${f['Src Port']} ${f['Dst IP']}:${f['Dst Port']} ${f.Protocol} ${f['Total Fwd Packet']}/${f['Total Bwd packets']}`);
  assert.deepEqual(got, [
    '10.0.0.1:1000 10.0.0.2:53 17 2/1',
    '10.0.0.1:1000 10.0.0.2:54 17 1/0',
    '10.0.0.1:54 10.0.0.2:1000 17 1/0',
    '10.0.0.1:54 10.0.0.2:1000 6 1/0',
    '2001:db8::1:5 2001:db8::2:6 17 1/0',
    '2002:db8::1:5 2001:db8::2:6 17 1/1',
    '2001:db8::2:6 2002:db8::2:5 17 1/0',
    '10.0.0.9:7 10.0.0.9:7 17 2/0',
  ]);
});

test('packets out of time order make no negative gap or duration: inside a file they are counted and taken at the time before; a file that starts earlier restarts the meter', async () => {
  const t0 = 1.7e15;
  const dns = (i: number): RawPacket => ({ tsMicros: t0 + i * 1000, data: ipFrame({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: udpDatagram(1000, 53, new Uint8Array(4)) }) });
  const other = (i: number): RawPacket => ({ tsMicros: t0 + i * 1000, data: ipFrame({ src: '10.0.0.3', dst: '10.0.0.4', proto: 17, payload: udpDatagram(2000, 53, new Uint8Array(4)) }) });
  const early = join(tmp, 'rot-early.pcap');
  const late = join(tmp, 'rot-late.pcap');
  writeFileSync(early, writePcap([dns(0), dns(1), dns(2)], { linkType: 1 }));
  // the late file: a flow that stays open past the idle timeout of the early file's packets
  writeFileSync(late, writePcap([dns(3000), other(3001), dns(3002), other(500_000)], { linkType: 1 }));
  const read = async (files: string[]) => {
    let summary: CaptureFlowSummary | undefined;
    const warnings: string[] = [];
    const flows = rows(await captureTable(files, { onSummary: (s) => (summary = s), warn: (m) => warnings.push(m) }));
    return { flows, summary: summary as CaptureFlowSummary, warnings };
  };
  const durations = (r: { flows: Record<string, string | number>[] }) => r.flows.map((f) => `${f['Src IP']} ${f['Total Fwd Packet']} ${f['Flow Duration']}`).sort();
  const inOrder = await read([early, late]);
  assert.deepEqual(durations(inOrder), ['10.0.0.1 5 3002000', '10.0.0.3 1 0', '10.0.0.3 1 0']);
  assert.deepEqual([inOrder.summary.meter.outOfOrder, inOrder.summary.meter.earlierFiles], [0, 0]);
  assert.deepEqual(inOrder.warnings, []);
  // newest first: the early file's flow is metered afresh, whole, not joined to the later packets
  // nor cut into pieces against the later clock
  const reversed = await read([late, early]);
  assert.deepEqual(durations(reversed), ['10.0.0.1 2 2000', '10.0.0.1 3 2000', '10.0.0.3 1 0', '10.0.0.3 1 0']);
  assert.equal(reversed.summary.meter.earlierFiles, 1);
  assert.equal(reversed.warnings.length, 1);
  assert.match(reversed.warnings[0], /^\S+rot-early\.pcap starts before the packets read before it: the files are out of time order, .*give the files oldest first/);
  // a file that starts less than a second before the last packets (a ring buffer of dumpcap on two
  // interfaces): no restart; its packets join their flows, taken at the time of the packet before
  const ringA = join(tmp, 'ring-a.pcap');
  const ringB = join(tmp, 'ring-b.pcap');
  writeFileSync(ringA, writePcap([dns(0), dns(10)], { linkType: 1 }));
  writeFileSync(ringB, writePcap([dns(9), dns(11)], { linkType: 1 }));
  const ring = await read([ringA, ringB]);
  assert.deepEqual(durations(ring), ['10.0.0.1 4 11000']);
  assert.deepEqual([ring.summary.meter.earlierFiles, ring.summary.meter.outOfOrder], [0, 1]);
  // inside one file (dumpcap writing two interfaces in turns): taken at the time of the packet before
  const mixed = join(tmp, 'mixed.pcap');
  writeFileSync(mixed, writePcap([dns(2), dns(3), dns(0), dns(1), dns(4)], { linkType: 1 }));
  const m = await read([mixed]);
  assert.equal(m.flows.length, 1);
  const f = m.flows[0];
  assert.equal(f['Flow Duration'], 2000);
  for (const c of ['Flow IAT Min', 'Fwd IAT Min', 'Fwd IAT Total', 'Flow IAT Mean']) assert.ok((f[c] as number) >= 0, `${c} = ${f[c]}`);
  assert.equal(f['Flow IAT Min'], 0);
  assert.equal(m.summary.meter.outOfOrder, 2);
  assert.deepEqual(m.warnings.length, 1);
  assert.match(m.warnings[0], /^2 packets came earlier than the packet before them in their flow \(several interfaces in one capture, which dumpcap writes in turns, .*no gap or duration is negative; give the files oldest first, or sort the capture \(reordercap\)$/);
});

test('an empty packet record is counted as empty, not as cut by the snap length', async () => {
  const t0 = 1.7e15;
  const whole = ipFrame({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: udpDatagram(1000, 53, new Uint8Array(40)) });
  const packets: RawPacket[] = [
    { tsMicros: t0, data: whole },
    { tsMicros: t0 + 1, data: new Uint8Array(0), wireLen: 0 }, // a record of no bytes
    { tsMicros: t0 + 2, data: whole.subarray(0, 30), wireLen: whole.length }, // cut inside the IPv4 header
  ];
  const f = join(tmp, 'empty-records.pcap');
  writeFileSync(f, writePcap(packets, { linkType: 1 }));
  let summary: CaptureFlowSummary | undefined;
  const warnings: string[] = [];
  await captureTable([f], { onSummary: (s) => (summary = s), warn: (m) => warnings.push(m) });
  const s = summary as CaptureFlowSummary;
  assert.deepEqual([s.packets, s.ipPackets, s.emptyPackets, s.truncatedPackets], [3, 1, 1, 1]);
  assert.deepEqual(warnings, [
    'skipped 1 packet cut before their headers ended (snap length too small)',
    'skipped 1 empty packet record (no bytes captured, length 0 on the wire)',
  ]);
});
