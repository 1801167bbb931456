/**
 * Tunnels opened (tunnels.ts): the same traffic inside VXLAN, Geneve, GTP-U, GRE (IP, key and
 * sequence, Ethernet, MPLS), ERSPAN I/II/III, IP in IP, L2TP and PPTP, over IPv4 and IPv6 underlays
 * and nested, and its IPv6 inside Teredo,
 * gives the flows the traffic gives on its own, counted by tunnel; packets that only look like a
 * tunnel stay what they are; tshark reads the inner conversations as we do; a scan inside a
 * mirrored VXLAN session is found from the scanner's address.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { cellText, getColumn, type FlowTable } from '../flows/table.js';
import { captureTable, writePcap } from '../testing/capture-writer.js';
import { arpFrame, ipFrame, tcpSegment, udpDatagram, TCP } from '../testing/frame-builder.js';
import { skipWithoutProgram } from '../testing/programs.js';
import { CARRIES_ETHERNET, TUNNEL_KEY, TUNNEL_NAMES, teredoFrame, tunnelled, type TunnelName, type Underlay } from '../testing/tunnel-frames.js';
import type { CaptureFlowSummary } from './capture-flows.js';
import { captureAccounting } from './capture-accounting.js';
import { macText, type DecodedPacket } from './decoded-packet.js';
import { TUNNEL_NONE } from './tunnels.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-tunnel-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));

const CLIENT_MAC = '02:00:00:00:01:05';
const SERVER_MAC = '02:00:00:00:01:09';
const T0 = 1_796_000_000_000_000;

/** A client's traffic: a TCP exchange with data (IPv4), a DNS query and answer, an IPv6 TCP exchange, an ARP request and reply. */
function conversation(): { ts: number; frame: Uint8Array; ip: boolean }[] {
  const out: { ts: number; frame: Uint8Array; ip: boolean }[] = [];
  let t = T0;
  const v4 = (fromClient: boolean, proto: number, payload: Uint8Array, v6 = false) => {
    const [a, b] = v6 ? ['2001:db8:1::5', '2001:db8:1::9'] : ['10.1.0.5', '10.1.0.9'];
    out.push({ ts: (t += 1500), frame: ipFrame({ src: fromClient ? a : b, dst: fromClient ? b : a, srcMac: fromClient ? CLIENT_MAC : SERVER_MAC, dstMac: fromClient ? SERVER_MAC : CLIENT_MAC, proto, payload, ttl: fromClient ? 64 : 63 }), ip: true });
  };
  for (const v6 of [false, true]) {
    v4(true, 6, tcpSegment(40000, 80, TCP.SYN, 100), v6);
    v4(false, 6, tcpSegment(80, 40000, TCP.SYN | TCP.ACK, 500, 101), v6);
    v4(true, 6, tcpSegment(40000, 80, TCP.ACK, 101, 501), v6);
    v4(true, 6, tcpSegment(40000, 80, TCP.ACK | TCP.PSH, 101, 501, Buffer.from('GET / HTTP/1.1\r\nHost: intranet\r\n\r\n')), v6);
    v4(false, 6, tcpSegment(80, 40000, TCP.ACK | TCP.PSH, 501, 137, Buffer.alloc(900, 0x41)), v6);
    v4(true, 6, tcpSegment(40000, 80, TCP.ACK | TCP.FIN, 137, 1401), v6);
    v4(false, 6, tcpSegment(80, 40000, TCP.ACK | TCP.FIN, 1401, 138), v6);
    v4(true, 6, tcpSegment(40000, 80, TCP.ACK, 138, 1402), v6);
  }
  out.push({ ts: (t += 1500), frame: ipFrame({ src: '10.1.0.5', dst: '10.1.0.53', srcMac: CLIENT_MAC, proto: 17, payload: udpDatagram(5353, 53, Buffer.alloc(30, 1)) }), ip: true });
  out.push({ ts: (t += 1500), frame: ipFrame({ src: '10.1.0.53', dst: '10.1.0.5', dstMac: CLIENT_MAC, proto: 17, payload: udpDatagram(53, 5353, Buffer.alloc(46, 2)) }), ip: true });
  out.push({ ts: (t += 1500), frame: arpFrame({ op: 1, senderMac: CLIENT_MAC, senderIp: '10.1.0.5', targetIp: '10.1.0.9' }), ip: false });
  out.push({ ts: (t += 1500), frame: arpFrame({ op: 2, senderMac: SERVER_MAC, senderIp: '10.1.0.9', targetMac: CLIENT_MAC, targetIp: '10.1.0.5' }), ip: false });
  return out;
}

const COLUMNS = ['Src IP', 'Src Port', 'Dst IP', 'Dst Port', 'Protocol', 'Flow Duration', 'Total Fwd Packet', 'Total Bwd packets', 'Total Length of Fwd Packet', 'Total Length of Bwd Packet', 'Fwd Header Length', 'orig_ip_bytes', 'resp_ip_bytes', 'conn_state', 'history'];

function rows(tables: FlowTable[]): string[] {
  const out: string[] = [];
  for (const t of tables) {
    const cols = COLUMNS.map((n) => getColumn(t, n)!);
    for (let r = 0; r < t.rowCount; r++) out.push(cols.map((c) => cellText(c, r)).join('|'));
  }
  return out.sort();
}

let files = 0;
async function read(frames: readonly { ts: number; frame: Uint8Array }[], snapLen?: number): Promise<{ rows: string[]; summary: CaptureFlowSummary; warnings: string[]; macs: Set<string>; tunnels: Set<number> }> {
  const file = join(dir, `t${files++}.pcap`);
  writeFileSync(file, writePcap(frames.map((f) => ({ tsMicros: f.ts, data: snapLen ? f.frame.slice(0, snapLen) : f.frame, wireLen: f.frame.length })), { linkType: 1, snapLen }));
  let summary: CaptureFlowSummary | undefined;
  const warnings: string[] = [];
  const macs = new Set<string>();
  const tunnels = new Set<number>();
  const onPacket = (d: DecodedPacket) => {
    if (d.srcMacHi >= 0) macs.add(macText(d.srcMacHi, d.srcMacLo));
    tunnels.add(d.tunnel);
  };
  const tables = await captureTable([file], { onSummary: (s) => (summary = s), warn: (m) => warnings.push(m), onPacket });
  return { rows: rows(tables), summary: summary!, warnings, macs, tunnels };
}

const plainFrames = conversation();
const accountingOf = (s: CaptureFlowSummary) => captureAccounting(s, s.meter, { flows: s.flows, maxFlows: s.maxFlows, garbledBlocks: 0 });

for (const underlay of [{}, { src: '2001:db8:ff::1', dst: '2001:db8:ff::2' }] as Underlay[]) {
  const over = underlay.src ? 'IPv6' : 'IPv4';
  test(`every tunnel over ${over}: the flows are those of the traffic inside, counted by tunnel; the tunnel makes no flow`, async () => {
    const plain = await read(plainFrames);
    assert.equal(plain.rows.length, 3, 'two TCP exchanges, and the DNS query and answer as one flow');
    for (const name of TUNNEL_NAMES) {
      const ethernet = CARRIES_ETHERNET.has(name);
      // ARP rides only in tunnels of Ethernet frames
      const inner = plainFrames.filter((f) => f.ip || ethernet);
      const t = await read(
        inner.map((f, i) => ({ ts: f.ts, frame: tunnelled(name, f.frame, underlay, i) })),
      );
      assert.deepEqual(t.rows, plain.rows, `${name} over ${over}: the inner flows`);
      assert.equal(t.summary.tunnelPackets.reduce((a, x) => a + x, 0), inner.length, `${name}: every packet counted as tunnelled`);
      const acc = accountingOf(t.summary);
      assert.equal(acc.tunneledPackets, inner.length);
      assert.equal(acc.tunnels[TUNNEL_KEY[name]], inner.length, `${name}: counted under ${TUNNEL_KEY[name]}`);
      assert.equal(acc.packetsSkipped, 0, `${name}: nothing skipped`);
      assert.equal(acc.arpPackets, ethernet ? 2 : 0, `${name}: the ARP frames inside`);
      assert.ok(!t.tunnels.has(TUNNEL_NONE), `${name}: every packet the detectors saw says its tunnel`);
      // the link-layer detectors see the hosts' MACs inside an Ethernet tunnel, and no MAC (not the tunnel endpoints') otherwise
      assert.deepEqual([...t.macs].sort(), ethernet ? [CLIENT_MAC, '02:00:00:00:00:01', SERVER_MAC].sort() : [], `${name}: MACs`);
      assert.match(t.warnings.join('\n'), new RegExp(`^${inner.length} packets inside tunnels \\([A-Za-z0-9 -]+ ${inner.length}\\) were read from the headers inside`, 'm'), name);
    }
  });
}

test('tunnels inside tunnels: VXLAN inside GRE, and IP in IP inside Geneve, give the inner flows, counted under the outermost', async () => {
  const plain = await read(plainFrames);
  const ip = plainFrames.filter((f) => f.ip);
  const vxlanInGre = await read(ip.map((f, i) => ({ ts: f.ts, frame: tunnelled('gretap', tunnelled('vxlan', f.frame, { src: '198.51.100.1', dst: '198.51.100.2' }, i), {}, i) })));
  assert.deepEqual(vxlanInGre.rows, plain.rows);
  assert.equal(accountingOf(vxlanInGre.summary).tunnels.gre, ip.length);
  assert.equal(accountingOf(vxlanInGre.summary).tunnels.vxlan, 0);
  const ipipInGeneve = await read(ip.map((f, i) => ({ ts: f.ts, frame: tunnelled('geneve', tunnelled('ipip', f.frame, {}, i), {}, i) })));
  assert.deepEqual(ipipInGeneve.rows, plain.rows);
  assert.equal(accountingOf(ipipInGeneve.summary).tunnels.geneve, ip.length);
});

test('packets that only look like tunnels stay what they are: UDP to 4789 without VXLAN\'s flag or with garbage inside, GRE version 1 without PPP carrying IP (PPTP\'s encrypted PPP), UDP to 3544 without Teredo\'s IPv6, GRE with routing, an unknown GRE protocol, a fragmented tunnel packet', async () => {
  const udp = (dport: number, body: Uint8Array) => ipFrame({ src: '10.2.0.1', dst: '10.2.0.2', proto: 17, payload: udpDatagram(50000, dport, body) });
  const gre = (head: number[], body: Uint8Array) => ipFrame({ src: '10.2.0.1', dst: '10.2.0.2', proto: 47, payload: Buffer.concat([Buffer.from(head), Buffer.from(body)]) });
  const inner = plainFrames[0].frame;
  // VXLAN's flag and an "Ethernet frame" whose IPv4 header says it is 12 bytes long: not a VXLAN packet after all
  const garbage = Buffer.from(inner);
  garbage[14] = 0x43;
  const cases: [string, Uint8Array, string][] = [
    ['UDP to 4789, no I flag', udp(4789, Buffer.concat([Buffer.alloc(8), inner])), '17'],
    ['UDP to 4789, a malformed packet inside', udp(4789, Buffer.concat([Buffer.from([0x08, 0, 0, 0, 0, 0, 0x2a, 0]), garbage])), '17'],
    ['UDP to 6081, Geneve version 1', udp(6081, Buffer.concat([Buffer.from([0x40, 0, 0x65, 0x58, 0, 0, 7, 0]), inner])), '17'],
    ['UDP to 2152, a GTP-C message', udp(2152, Buffer.concat([Buffer.from([0x32, 0x10, 0, 8, 0, 0, 0, 1, 0, 1, 0, 0]), Buffer.from(inner).subarray(14)])), '17'],
    ['GRE version 1 (PPTP) whose payload is no PPP carrying IP', gre([0x30, 0x81, 0x88, 0x0b, 0, 40, 0, 1, 0, 0, 0, 1], Buffer.from(inner).subarray(14)), '47'],
    // PPTP as it mostly is: PPP compressed and encrypted by MPPE (protocol 0x00FD), nothing to read inside
    ['PPTP carrying MPPE-encrypted PPP', gre([0x30, 0x01, 0x88, 0x0b, 0, 42, 0, 1, 0, 0, 0, 1, 0xff, 0x03, 0x00, 0xfd], Buffer.alloc(38, 0x9c)), '47'],
    ['UDP to 3544 whose "IPv6 header" says another length than the datagram holds', udp(3544, Buffer.concat([Buffer.from([0x60, 0, 0, 0, 0, 200, 6, 64]), Buffer.alloc(32), Buffer.from(inner).subarray(34)])), '17'],
    ['UDP to 3544 holding no IPv6', udp(3544, Buffer.from(inner).subarray(14)), '17'],
    ['GRE with routing', gre([0x40, 0, 0x08, 0x00, 0, 0, 0, 0], Buffer.from(inner).subarray(14)), '47'],
    ['GRE carrying WCCP', gre([0, 0, 0x88, 0x3e], Buffer.from(inner).subarray(14)), '47'],
  ];
  for (const [what, frame, proto] of cases) {
    const r = await read([{ ts: T0, frame }]);
    assert.equal(r.rows.length, 1, what);
    assert.equal(r.rows[0].split('|')[4], proto, `${what}: a flow of the outer packet`);
    assert.equal(r.summary.tunnelPackets.reduce((a, x) => a + x, 0), 0, `${what}: not counted as tunnelled`);
    assert.equal(r.summary.malformedPackets, 0, what);
  }
  // a VXLAN packet cut into IPv4 fragments: the first holds the tunnel's header, no reassembly here
  const whole = Buffer.from(tunnelled('vxlan', plainFrames[4].frame, {}, 0));
  const first = Buffer.from(whole.subarray(0, 14 + 20 + 64));
  first.writeUInt16BE(20 + 64, 16);
  first.writeUInt16BE(0x2000, 20);
  const r = await read([{ ts: T0, frame: first }]);
  assert.deepEqual(r.rows.map((x) => x.split('|').slice(0, 5).join('|')), ['192.0.2.1|49152|192.0.2.2|4789|17']);
});

test('a tunnel packet cut by the snap length inside the inner headers is skipped as truncated, and said', async () => {
  const frames = plainFrames.filter((f) => f.ip).map((f, i) => ({ ts: f.ts, frame: tunnelled('vxlan', f.frame, {}, i) }));
  // outer 14 + 20 + 8 + VXLAN 8, inner Ethernet 14 and 10 bytes of the IP header
  const r = await read(frames, 14 + 20 + 8 + 8 + 14 + 10);
  assert.equal(r.summary.truncatedPackets, frames.length);
  assert.equal(r.rows.length, 0);
  assert.match(r.warnings.join('\n'), /cut before their headers ended/);
});

test('tshark reads the conversations inside the tunnels as we do (VXLAN, Geneve, GTP-U, GRE, ERSPAN, IP in IP, PPTP)', { skip: skipWithoutProgram('tshark') }, async () => {
  for (const name of ['vxlan', 'geneve', 'gtp', 'gre-key-seq', 'gretap', 'erspan2', 'erspan3', 'ipip', 'pptp'] as TunnelName[]) {
    const file = join(dir, `tshark-${name}.pcap`);
    const frames = plainFrames.filter((f) => f.ip).map((f, i) => ({ tsMicros: f.ts, data: tunnelled(name, f.frame, {}, i) }));
    writeFileSync(file, writePcap(frames, { linkType: 1 }));
    const conv = execFileSync('tshark', ['-r', file, '-q', '-n', '-z', 'conv,tcp', '-z', 'conv,udp'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    // the inner TCP connection over IPv4: 5 frames from the client, 3 from the server (tshark lists them towards the first address first)
    assert.match(conv, /10\.1\.0\.5:40000\s+<->\s+10\.1\.0\.9:80\s+3\s+\d+ bytes\s+5\s+\d+ bytes\s+8\b/, `${name}: tshark's conversation inside\n${conv}`);
    assert.match(conv, /10\.1\.0\.5:5353\s+<->\s+10\.1\.0\.53:53\s+1\s+\d+ bytes\s+1\s+\d+ bytes\s+2\b/, `${name}: the DNS exchange`);
    const ours = await read(frames.map((f) => ({ ts: f.tsMicros, frame: f.data })));
    assert.ok(ours.rows.some((r) => r.startsWith('10.1.0.5|40000|10.1.0.9|80|6|') && r.split("|")[6] === "5" && r.split("|")[7] === "3"), name);
  }
});

test('Teredo: IPv6 across an IPv4 NAT (with an origin or an authentication indication, or neither) gives the IPv6 flows inside, counted as Teredo; tshark reads them alike', async () => {
  const v6 = plainFrames.filter((f) => f.ip && Buffer.from(f.frame).readUInt16BE(12) === 0x86dd);
  assert.equal(v6.length, 8);
  const plain = await read(v6);
  const indications = ['none', 'origin', 'auth'] as const;
  // the client's packets to the relay, the server's back from it, each with one of the indications in turn
  const frames = v6.map((f, i) => ({ ts: f.ts, frame: teredoFrame(f.frame, f.frame[6 + 5] === 0x05, indications[i % 3]) }));
  const t = await read(frames);
  assert.deepEqual(t.rows, plain.rows, 'the IPv6 connection inside, not a UDP flow between client and relay');
  const acc = accountingOf(t.summary);
  assert.equal(acc.tunnels.teredo, v6.length);
  assert.equal(acc.packetsSkipped, 0);
  assert.deepEqual([...t.macs], [], 'no MAC inside: the tunnel endpoints\' are not the hosts\'');
  if (!skipWithoutProgram('tshark')) {
    const file = join(dir, 'tshark-teredo.pcap');
    writeFileSync(file, writePcap(frames.map((f) => ({ tsMicros: f.ts, data: f.frame })), { linkType: 1 }));
    const conv = execFileSync('tshark', ['-r', file, '-q', '-n', '-z', 'conv,tcp'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    assert.match(conv, /2001:db8:1::5:40000\s+<->\s+2001:db8:1::9:80\s+3\s+\d+ bytes\s+5\s+\d+ bytes\s+8\b/, conv);
  }
});

test('netsentinel analyze of a mirrored VXLAN session: a SYN scan inside is found from the scanner, the tunnel endpoints are no source', async () => {
  const frames: { tsMicros: number; data: Uint8Array }[] = [];
  let t = T0;
  let n = 0;
  const mirror = (f: Uint8Array) => frames.push({ tsMicros: (t += 300), data: tunnelled('vxlan', f, { src: '172.31.5.10', dst: '172.31.9.20' }, n++) });
  for (let port = 1; port <= 400; port++) {
    mirror(ipFrame({ src: '10.1.0.66', dst: '10.1.0.9', srcMac: '02:00:00:00:01:66', dstMac: SERVER_MAC, proto: 6, payload: tcpSegment(61000, port, TCP.SYN, 7) }));
    mirror(ipFrame({ src: '10.1.0.9', dst: '10.1.0.66', srcMac: SERVER_MAC, dstMac: '02:00:00:00:01:66', proto: 6, payload: tcpSegment(port, 61000, port === 80 ? TCP.SYN | TCP.ACK : TCP.RST | TCP.ACK, 0, 8) }));
  }
  const file = join(dir, 'mirror.pcap');
  writeFileSync(file, writePcap(frames, { linkType: 1 }));
  const r = spawnSync(process.execPath, [main, 'analyze', file, '--store', 'none', '-o', join(dir, 'mirror-out'), '--json', '--no-report', '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const sources: { ip: string; rules: string[] }[] = out.riskyIps;
  const scanner = sources.find((s) => s.ip === '10.1.0.66');
  assert.ok(scanner?.rules.some((r) => /scan/.test(r)), `a scan from the scanner inside: ${JSON.stringify(sources.map((s) => [s.ip, s.rules]))}`);
  assert.ok(!sources.some((s) => s.ip.startsWith('172.31.')), 'the tunnel endpoints are no risky source');
  assert.doesNotMatch(readFileSync(join(dir, 'mirror-out', 'flows_scored.csv'), 'utf8'), /172\.31\./, 'nor in any flow');
  assert.equal(out.capture.tunneledPackets, 800);
  assert.equal(out.capture.tunnels.vxlan, 800);
  assert.ok(out.capture.flows >= 400, 'a flow per probed port');
});
