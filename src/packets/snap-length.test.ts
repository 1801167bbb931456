/**
 * Captures taken with a small snap length (`tcpdump -s 64`): an IPv6 TCP packet over Ethernet keeps
 * 10 bytes of its TCP header, its ports among them. Such packets were skipped whole, and with them
 * every IPv6 TCP connection of the capture. tshark reads their ports and leaves them out of its
 * `conv,tcp` table (the table is empty here); its `conv,ipv6` counts them. We keep them in their
 * flows (ports, IP lengths) and count them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cellText, getColumn, type FlowTable } from '../flows/table.js';
import { captureTable, readPackets, writePcap } from '../testing/capture-writer.js';
import { skipWithoutProgram } from '../testing/programs.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import type { CaptureFlowSummary } from './capture-flows.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-snap-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const skip = skipWithoutShared('pcaps', 'http_ip4and6.pcapng');

/** http_ip4and6.pcapng (one HTTP exchange over IPv4, the same over IPv6) as if captured with `-s snap` */
async function snapped(snap: number): Promise<string> {
  const pk = await readPackets(sharedPath('pcaps', 'http_ip4and6.pcapng')!);
  const file = join(dir, `snap${snap}.pcap`);
  writeFileSync(file, writePcap(pk.map((p) => ({ ...p, wireLen: p.wireLen ?? p.data.length, data: p.data.slice(0, snap) })), { linkType: 1, snapLen: snap }));
  return file;
}

const COLUMNS = ['Src IP', 'Src Port', 'Dst IP', 'Dst Port', 'Protocol', 'Flow Duration', 'Total Fwd Packet', 'Total Bwd packets', 'orig_ip_bytes', 'resp_ip_bytes'];

function rows(tables: FlowTable[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tables) {
    const cols = names.map((n) => getColumn(t, n)!);
    for (let r = 0; r < t.rowCount; r++) out.push(cols.map((c) => cellText(c, r)).join('|'));
  }
  return out;
}

async function read(file: string): Promise<{ tables: FlowTable[]; summary: CaptureFlowSummary }> {
  let summary: CaptureFlowSummary | undefined;
  const tables = await captureTable([file], { onSummary: (s) => (summary = s) });
  return { tables, summary: summary! };
}

test('snap length 64: IPv6 TCP packets cut inside their TCP header stay in their flow (ports, packets, IP bytes, duration) and are counted', { skip }, async () => {
  const full = await read(sharedPath('pcaps', 'http_ip4and6.pcapng')!);
  const cut = await read(await snapped(64));
  assert.equal(cut.summary.truncatedPackets, 0, 'none skipped');
  assert.equal(cut.summary.transportCutShortPackets, 10, 'the 10 IPv6 packets, counted');
  assert.equal(full.summary.transportCutShortPackets, 0);
  // both connections, with the flow figures the IP headers give, as in the whole capture
  assert.deepEqual(rows(cut.tables, COLUMNS), rows(full.tables, COLUMNS));
  assert.equal(rows(cut.tables, COLUMNS).length, 2);
});

test('snap length 64: tshark counts the same IPv6 packets and bytes in conv,ipv6, and none in conv,tcp', { skip: skip || skipWithoutProgram('tshark') }, async () => {
  const file = await snapped(64);
  const tshark = (z: string): string => execFileSync('tshark', ['-r', file, '-q', '-z', z], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const v6 = /2001:db8:1:2::1002\s+<->\s+2001:db8:1:2::1000\s+(\d+)\s+\d+ bytes\s+(\d+)\s+\d+ bytes\s+(\d+)/.exec(tshark('conv,ipv6'));
  assert.ok(v6, 'tshark lists the IPv6 conversation');
  const { tables } = await read(file);
  const ours = rows(tables, ['Src IP', 'Total Fwd Packet', 'Total Bwd packets']).find((r) => r.startsWith('2001:db8:1:2::1002|'));
  // tshark's "<-" frames are towards its first address (the client): our backward packets
  assert.equal(ours, `2001:db8:1:2::1002|${v6[2]}|${v6[1]}`);
  assert.doesNotMatch(tshark('conv,tcp'), /2001:db8/, 'tshark leaves packets with a cut TCP header out of its TCP conversations');
});

test('snap length 68 (tcpdump\'s old default): the data offset and flags are captured, and the flows are those of the whole capture', { skip }, async () => {
  const full = await read(sharedPath('pcaps', 'http_ip4and6.pcapng')!);
  const cut = await read(await snapped(68));
  assert.equal(cut.summary.transportCutShortPackets, 10);
  const names = [...COLUMNS, 'conn_state', 'history', 'Fwd Header Length', 'Bwd Header Length', 'Total Length of Fwd Packet', 'Total Length of Bwd Packet', 'SYN Flag Count', 'FIN Flag Count'];
  assert.deepEqual(rows(cut.tables, names), rows(full.tables, names));
});

test('the decoder at every cut inside an IPv6 TCP or UDP header: ports from 4 bytes on, flags from 14, whole from the full header', async () => {
  const { ipFrame, tcpSegment, udpDatagram, TCP } = await import('../testing/frame-builder.js');
  const { decodePacket, DECODE_OK, DECODE_TRUNCATED } = await import('./decoder.js');
  const { DecodedPacket } = await import('./decoded-packet.js');
  const { newCapturePacket } = await import('./capture-packet.js');
  const tcp = ipFrame({ src: '2001:db8::1', dst: '2001:db8::2', proto: 6, payload: tcpSegment(40000, 443, TCP.SYN | TCP.ACK, 1, 0, new Uint8Array(100)) });
  const udp = ipFrame({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, payload: udpDatagram(5353, 53, new Uint8Array(30)) });
  const d = new DecodedPacket();
  const decode = (frame: Uint8Array, cap: number) => {
    const p = newCapturePacket();
    p.data = frame;
    p.capLen = cap;
    p.wireLen = frame.length;
    return decodePacket(p, d);
  };
  const l4 = 14 + 40;
  for (let k = 0; k <= 20; k++) {
    const r = decode(tcp, l4 + k);
    if (k < 4) {
      assert.equal(r, DECODE_TRUNCATED, `TCP, ${k} bytes`);
      continue;
    }
    assert.equal(r, DECODE_OK, `TCP, ${k} bytes`);
    assert.deepEqual([d.srcPort, d.dstPort, d.ipLen, d.transportCutShort], [40000, 443, 40 + 120, k < 20], `TCP, ${k} bytes`);
    assert.equal(d.tcpFlags, k >= 14 ? TCP.SYN | TCP.ACK : 0, `TCP flags, ${k} bytes`);
    // the data offset known from byte 13 on; before it, a 120-byte segment is taken as 20 of header and 100 of payload
    assert.deepEqual([d.l4HeaderLen, d.payloadLen], [20, 100], `TCP lengths, ${k} bytes`);
  }
  for (let k = 0; k <= 8; k++) {
    const r = decode(udp, l4 + k);
    if (k < 4) {
      assert.equal(r, DECODE_TRUNCATED, `UDP, ${k} bytes`);
      continue;
    }
    assert.equal(r, DECODE_OK, `UDP, ${k} bytes`);
    assert.deepEqual([d.srcPort, d.dstPort, d.l4HeaderLen, d.payloadLen, d.transportCutShort], [5353, 53, 8, 30, k < 8], `UDP, ${k} bytes`);
  }
  // a bare SYN cut before its data offset: all header, no payload
  const syn = ipFrame({ src: '2001:db8::1', dst: '2001:db8::2', proto: 6, payload: tcpSegment(40000, 443, TCP.SYN) });
  assert.equal(decode(syn, l4 + 10), DECODE_OK);
  assert.deepEqual([d.l4HeaderLen, d.payloadLen], [20, 0]);
});
