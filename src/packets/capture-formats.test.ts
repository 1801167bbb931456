/**
 * The same traffic in every capture format and link type decodes to the same flows: real captures
 * from ../shared/pcaps rewritten by our test writer (pcap µs/ns in both byte orders; pcapng with
 * several sections of either byte order and several interfaces with their own link types and
 * resolutions; 802.1Q, QinQ, Linux cooked v1/v2, raw IP, BSD/OpenBSD loopback; gzip) and by
 * Wireshark's editcap and tcpdump. Also: damaged files yield every packet before the damage and one
 * error naming the byte offset; a garbled block inside a good pcapng is counted and skipped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { cellText, getColumn, type FlowTable } from '../flows/table.js';
import { streamDataset } from '../sources/read-dataset.js';
import { ByteSource } from '../sources/byte-source.js';
import { captureTable, radiotap, readPackets, reencapsulate, wlanDataFrame, writePcap, writePcapng, type Encapsulation, type RawPacket } from '../testing/capture-writer.js';
import { newCapturePacket } from './capture-packet.js';
import { captureAccounting } from './capture-accounting.js';
import type { CaptureFlowSummary } from './capture-flows.js';
import { DecodedPacket, L3_IPV4, macText } from './decoded-packet.js';
import { decodePacket, DECODE_OK } from './decoder.js';
import { run, skipWithoutProgram } from '../testing/programs.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { CIC_COLUMNS } from './flow-records.js';
import { readCapture } from './read-capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'ns-capfmt-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SOURCES = ['http_ip4and6.pcapng', 'dns_query_response.pcapng', 'tcp_handshake.pcapng', 'icmp_echo.pcapng', 'ip_frag_source.pcapng', 'ipv6_fragments.pcapng', 'dns_tcp.pcapng'];
const skip = skipWithoutShared('pcaps', 'http_ip4and6.pcapng');

/** One line per flow: every CIC column but the running id, plus Zeek state and history; sorted. */
function signature(tables: FlowTable[], keep?: (t: FlowTable, r: number) => boolean): string[] {
  const rows: string[] = [];
  for (const t of tables) {
    const cols = [...CIC_COLUMNS.slice(1), 'conn_state', 'history'].map((n) => getColumn(t, n));
    for (let r = 0; r < t.rowCount; r++) if (!keep || keep(t, r)) rows.push(cols.map((c) => (c ? cellText(c, r) : '?')).join(','));
  }
  return rows.sort();
}

async function flowsOf(path: string): Promise<string[]> {
  return signature(await captureTable([path]));
}

/** `p` with its frame replaced by `data` (undefined: none), its length on the wire changed by as much */
function rewrapped(p: RawPacket, data: Uint8Array | undefined): RawPacket {
  return { ...p, data: data as Uint8Array, wireLen: data && (p.wireLen ?? p.data.length) + data.length - p.data.length };
}

let counter = 0;
function save(buf: Buffer, ext: string): string {
  const p = join(tmp, `c${++counter}.${ext}`);
  writeFileSync(p, buf);
  return p;
}

async function allPackets(): Promise<{ name: string; path: string; packets: RawPacket[] }[]> {
  const out = [];
  for (const n of SOURCES) {
    const path = sharedPath('pcaps', n) as string;
    out.push({ name: n, path, packets: await readPackets(path) });
  }
  return out;
}

test('classic pcap in both byte orders and resolutions, and gzip, give the flows of the pcapng original', { skip }, async () => {
  for (const { name, path, packets } of await allPackets()) {
    const want = await flowsOf(path);
    assert.ok(want.length > 0, name);
    for (const [be, ns] of [[false, false], [true, false], [false, true], [true, true]]) {
      const buf = writePcap(packets, { linkType: 1, bigEndian: be, nanoseconds: ns });
      assert.deepEqual(await flowsOf(save(buf, 'pcap')), want, `${name} as pcap ${be ? 'big' : 'little'}-endian ${ns ? 'ns' : 'µs'}`);
      if (be && ns) assert.deepEqual(await flowsOf(save(gzipSync(buf), 'pcap.gz')), want, `${name} as gzip-compressed pcap`);
    }
  }
});

test('pcapng with several sections (either byte order) and interfaces (own link type and resolution)', { skip }, async () => {
  for (const { name, path, packets } of await allPackets()) {
    const want = await flowsOf(path);
    const half = Math.ceil(packets.length / 2);
    const ifaces = [
      { linkType: 1, tsresol: 6 },
      { linkType: 276, tsresol: 9 },
      { linkType: 113, tsresol: 3 + 3 }, // µs written as if_tsresol 6 explicitly
    ];
    const put = (ps: RawPacket[], from: number) =>
      ps.map((p, i) => {
        const iface = (from + i) % 3;
        return { iface, p: { ...p, data: reencapsulate(p.data, ifaces[iface].linkType) as Uint8Array } };
      });
    const buf = writePcapng([
      { bigEndian: false, interfaces: ifaces, packets: put(packets.slice(0, half), 0) },
      { bigEndian: true, interfaces: [ifaces[1], ifaces[0], ifaces[2]], packets: put(packets.slice(half), half).map((x) => ({ ...x, iface: [1, 0, 2][x.iface] })) },
    ]);
    assert.deepEqual(await flowsOf(save(buf, 'pcapng')), want, `${name} as a two-section pcapng`);
  }
});

test('every link type: Ethernet with 802.1Q and QinQ (and IP in MPLS or PPPoE, frames in 802.1ah or an MPLS pseudowire), Linux cooked v1/v2, raw IP, loopback, PPP, Cisco HDLC, 802.11 with and without radiotap, NFLOG in either byte order, pflog, enc, ipnet, PPI, Prism, AVS, ERF, netANALYZER', { skip }, async () => {
  for (const { name, path, packets } of await allPackets()) {
    const tables = await captureTable([path]);
    const want = signature(tables);
    const v4 = signature(tables, (t, r) => !cellText(getColumn(t, 'Src IP')!, r).includes(':'));
    const v6 = signature(tables, (t, r) => cellText(getColumn(t, 'Src IP')!, r).includes(':'));
    const cases: [number, Encapsulation, string[]][] = [
      [1, 'vlan', want], [1, 'qinq', want], [1, 'mpls', want], [1, 'pppoe', want], [1, 'pbb', want], [1, 'eompls-cw', want], [1, 'eompls', want], [113, 'plain', want], [276, 'plain', want], [101, 'plain', want],
      [0, 'plain', want], [108, 'plain', want], [228, 'plain', v4], [229, 'plain', v6],
      [9, 'plain', want], [9, 'compressed', want], [50, 'plain', want], [50, 'cisco', want], [104, 'plain', want],
      [105, 'tods', want], [105, 'wds', want], [127, 'fromds', want], [127, 'tods', want], [239, 'plain', want], [239, 'swapped', want],
      // the rarer ones (link-headers.ts): pflog of FreeBSD's and OpenBSD's size, enc, ipnet, PPI with
      // Ethernet or 802.11 (its FCS after the frame, or none), Prism (and AVS in a Prism file), AVS,
      // ERF (Ethernet with and without an extension header, IP records), netANALYZER
      [117, 'plain', want], [117, 'openbsd', want], [109, 'plain', want], [226, 'plain', want],
      [192, 'plain', want], [192, 'tods', want], [192, 'fcs', want], [119, 'plain', want], [119, 'avs', want], [163, 'plain', want],
      [197, 'plain', want], [197, 'ext', want], [197, 'ip', want], [240, 'plain', want], [241, 'plain', want],
    ];
    for (const [lt, variant, expected] of cases) {
      const ps = packets.map((p) => rewrapped(p, reencapsulate(p.data, lt, variant))).filter((p): p is RawPacket => p.data !== undefined);
      const file = save(writePcap(ps, { linkType: lt }), 'pcap');
      assert.deepEqual(await flowsOf(file), expected, `${name} on link type ${lt} ${variant}`);
    }
  }
});

test('the rarer link layers as Wireshark reads the test writer\'s headers, and what the headers say: a damaged frame, a GPIO event, ATM cells, a header too short', { skip }, async () => {
  const path = sharedPath('pcaps', 'http_ip4and6.pcapng') as string;
  const packets = await readPackets(path);
  const want = await flowsOf(path);
  const wrap = (lt: number, v: Encapsulation = 'plain'): RawPacket[] => packets.map((p) => rewrapped(p, reencapsulate(p.data, lt, v))).filter((p): p is RawPacket => p.data !== undefined);
  // tshark finds the IP packets inside each header as our reader does (Wireshark shows netANALYZER's transparent mode raw)
  if (!skipWithoutProgram('tshark')) {
    const ipOf = (file: string): number => run('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'ipv6.src']).toString().split('\n').filter((l) => /[0-9a-f]/.test(l)).length;
    const original = ipOf(path);
    assert.ok(original > 0);
    const cases: [number, Encapsulation][] = [[117, 'plain'], [117, 'openbsd'], [109, 'plain'], [226, 'plain'], [192, 'plain'], [192, 'tods'], [192, 'fcs'], [119, 'plain'], [119, 'avs'], [163, 'plain'], [197, 'plain'], [197, 'ext'], [197, 'ip'], [240, 'plain']];
    for (const [lt, v] of cases) assert.equal(ipOf(save(writePcap(wrap(lt, v), { linkType: lt }), 'pcap')), original, `tshark on link type ${lt} ${v}`);
  }
  const summaryOf = async (ps: RawPacket[], linkType: number): Promise<{ flows: string[]; s: CaptureFlowSummary }> => {
    let s: CaptureFlowSummary | undefined;
    const tables = await captureTable([save(writePcap(ps, { linkType }), 'pcap')], { onSummary: (x) => (s = x), warn: () => {} });
    return { flows: signature(tables), s: s! };
  };
  // PPI's 802.11-common flags: "FCS error" (0x0004) — the frames are skipped as damaged, as radiotap's are
  const damaged = wrap(192, 'fcs').map((p) => {
    const data = Buffer.from(p.data);
    data[20] |= 0x04;
    return { ...p, data };
  });
  const ppi = await summaryOf(damaged, 192);
  assert.equal(ppi.s.wlanBadFcsPackets, packets.length);
  assert.deepEqual(ppi.flows, []);
  assert.deepEqual((await summaryOf(wrap(192, 'fcs'), 192)).flows, want, 'the same frames without the flag');
  // netANALYZER: an error flag (FCS error, 0x04) makes a frame malformed; a GPIO event (0x100) is no frame; a header version 0 is not one
  const flagged = (ps: RawPacket[], bits: number): RawPacket[] => ps.map((p) => {
    const data = Buffer.from(p.data);
    data.writeUInt32LE((data.readUInt32LE(0) | bits) >>> 0, 0);
    return { ...p, data };
  });
  const na = await summaryOf(flagged(wrap(240), 0x04), 240);
  assert.equal(na.s.malformedPackets, packets.length);
  assert.deepEqual(na.flows, []);
  assert.equal((await summaryOf(flagged(wrap(240), 0x100), 240)).s.otherPackets, packets.length);
  const v0 = wrap(240).map((p) => {
    const data = Buffer.from(p.data);
    data.writeUInt32LE(data.readUInt32LE(0) & ~0x3c00, 0);
    return { ...p, data };
  });
  assert.equal((await summaryOf(v0, 240)).s.malformedPackets, packets.length);
  // an ERF record of ATM cells (type 3): counted as other, nothing made of it
  const atm = wrap(197).map((p) => {
    const data = Buffer.from(p.data);
    data[8] = 3;
    return { ...p, data };
  });
  const erf = await summaryOf(atm, 197);
  assert.equal(erf.s.otherPackets, packets.length);
  assert.deepEqual(erf.flows, []);
  // a pflog header whose length byte is below the smallest pf header
  const short = wrap(117).map((p) => {
    const data = Buffer.from(p.data);
    data[0] = 20;
    return { ...p, data };
  });
  assert.equal((await summaryOf(short, 117)).s.malformedPackets, wrap(117).length);
});

test('captures converted by editcap and tcpdump give the same flows', { skip: skip || skipWithoutProgram('editcap', 'tcpdump') }, async () => {
  for (const name of SOURCES) {
    const path = sharedPath('pcaps', name) as string;
    const want = await flowsOf(path);
    const us = join(tmp, `${name}.pcap`);
    const ns = join(tmp, `${name}.ns.pcap`);
    const back = join(tmp, `${name}.back.pcapng`);
    const td = join(tmp, `${name}.tcpdump.pcap`);
    run('editcap', ['-F', 'pcap', path, us]);
    run('editcap', ['-F', 'nsecpcap', path, ns]);
    run('editcap', ['-F', 'pcapng', us, back]);
    run('tcpdump', ['-r', path, '-w', td], undefined);
    for (const f of [us, ns, back, td]) assert.deepEqual(await flowsOf(f), want, `${name} via ${f}`);
  }
});

test('a capture on stdin (a pipe) reads like the file', { skip }, async () => {
  const path = sharedPath('pcaps', 'http_ip4and6.pcapng') as string;
  const want = signature(await captureTable([path]));
  const tables: FlowTable[] = [];
  for await (const t of streamDataset(['-'], { stdin: Readable.from([readFileSync(path)]), warn: () => {} })) tables.push(t);
  assert.deepEqual(signature(tables), want);
});

test('a truncated pcap yields every packet before the damage, then one error naming the byte offset', { skip }, async () => {
  const packets = await readPackets(sharedPath('pcaps', 'http_google.pcapng') as string);
  const buf = writePcap(packets, { linkType: 1 });
  // cut inside the 8th record: 7 whole records precede it
  let at = 24;
  for (let i = 0; i < 7; i++) at += 16 + packets[i].data.length;
  for (const cut of [at + 5, at + 16 + 3]) {
    const file = save(buf.subarray(0, cut), 'pcap');
    let seen = 0;
    await assert.rejects(
      readCapture(new ByteSource({ display: file, path: file }).chunks(), file, () => seen++),
      (e: Error) => e.name === 'UserError' && e.message.includes(`byte ${at}`) && /truncated pcap record/.test(e.message),
    );
    assert.equal(seen, 7);
  }
  // a record header with an impossible length: garbled at its offset
  const bad = Buffer.from(buf);
  bad.writeUInt32LE(0x7fffffff, at + 8);
  let seen = 0;
  const file = save(bad, 'pcap');
  await assert.rejects(readCapture(new ByteSource({ display: file, path: file }).chunks(), file, () => seen++), (e: Error) => e.message.includes(`byte ${at}`) && /garbled/.test(e.message));
  assert.equal(seen, 7);
});

test('pcapng: a garbled packet block is counted and skipped; broken framing stops at its offset', { skip }, async () => {
  const packets = (await readPackets(sharedPath('pcaps', 'http_google.pcapng') as string)).slice(0, 6);
  const good = writePcapng([{ interfaces: [{ linkType: 1 }], packets: packets.map((p) => ({ iface: 0, p })) }]);
  // find the 3rd enhanced packet block and claim a captured length past its end
  let o = 0;
  let epb = 0;
  let third = -1;
  while (o < good.length) {
    const type = good.readUInt32LE(o);
    const len = good.readUInt32LE(o + 4);
    if (type === 6 && ++epb === 3) third = o;
    o += len;
  }
  const garbled = Buffer.from(good);
  garbled.writeUInt32LE(60000, third + 20);
  let seen = 0;
  const f1 = save(garbled, 'pcapng');
  const sum = await readCapture(new ByteSource({ display: f1, path: f1 }).chunks(), f1, () => seen++);
  assert.equal(seen, 5);
  assert.equal(sum.garbledBlocks, 1);
  const broken = Buffer.from(good);
  broken.writeUInt32LE(13, third + 4);
  seen = 0;
  const f2 = save(broken, 'pcapng');
  await assert.rejects(readCapture(new ByteSource({ display: f2, path: f2 }).chunks(), f2, () => seen++), (e: Error) => e.message.includes(`byte ${third}`));
  assert.equal(seen, 2);
  seen = 0;
  const f3 = save(good.subarray(0, third + 30), 'pcapng');
  await assert.rejects(readCapture(new ByteSource({ display: f3, path: f3 }).chunks(), f3, () => seen++), (e: Error) => e.message.includes(`byte ${third}`) && /truncated/.test(e.message));
  assert.equal(seen, 2);
});

test('simple packet blocks and binary timestamp resolutions are read', { skip }, async () => {
  const packets = await readPackets(sharedPath('pcaps', 'http_google.pcapng') as string);
  const buf = writePcapng([
    { interfaces: [{ linkType: 1, tsresol: 0x80 | 20 }], packets: packets.map((p, i) => ({ iface: 0, p, simple: i % 3 === 2 })) },
  ]);
  const got: number[] = [];
  const f = save(buf, 'pcapng');
  await readCapture(new ByteSource({ display: f, path: f }).chunks(), f, (p) => got.push(p.tsMicros));
  assert.equal(got.length, packets.length);
  for (let i = 0; i < got.length; i++) {
    const expect = i % 3 === 2 ? got[i - 1] : packets[i].tsMicros; // a simple block has no time: the last one stands in
    assert.ok(Math.abs(got[i] - expect) <= 1, `packet ${i + 1}: ${got[i]} vs ${expect}`);
  }
});

test('a capture whose header names the wrong link type says so, naming the file; IP-less MPLS is counted, not dropped unsaid', { skip }, async () => {
  const packets = await readPackets(sharedPath('pcaps', 'http_ip4and6.pcapng') as string);
  const read = async (file: string) => {
    const warnings: string[] = [];
    let flows = 0;
    for (const t of await captureTable([file], { warn: (m) => warnings.push(m) })) flows += t.rowCount;
    return { flows, warnings };
  };
  // raw IP packets under an Ethernet header: every "frame" has some other EtherType
  const rawAsEthernet = save(writePcap(packets.map((p) => ({ ...p, data: reencapsulate(p.data, 101) as Uint8Array })), { linkType: 1 }), 'pcap');
  const a = await read(rawAsEthernet);
  assert.equal(a.flows, 0);
  assert.deepEqual(a.warnings, [`${rawAsEthernet}: none of its 20 packets is IP or ARP when read as Ethernet (20 of another EtherType or family): if it holds IP traffic, the link type in its header is wrong (editcap -T sets another)`]);
  // Ethernet frames under a raw IP header: every packet is malformed
  const ethernetAsRaw = save(writePcap(packets, { linkType: 101 }), 'pcap');
  const b = await read(ethernetAsRaw);
  assert.equal(b.flows, 0);
  assert.match(b.warnings[0], new RegExp(`^${ethernetAsRaw.replace(/[.\\/]/g, '\\$&')}: none of its 20 packets is IP or ARP when read as raw IP \\(20 malformed\\)`));
  // the right link type: no such warning
  assert.deepEqual((await read(save(writePcap(packets, { linkType: 1 }), 'pcap'))).warnings, []);
  // a pseudowire of another kind in MPLS (a control word, then no Ethernet frame), and PPP's link control in a PPPoE session: counted and said
  const atm = packets.slice(0, 10).map((p) => ({ ...p, data: Buffer.concat([Buffer.from(p.data.subarray(0, 12)), Buffer.from([0x88, 0x47, 0x00, 0x3e, 0x81, 0x40, 0, 0, 0, 0]), Buffer.alloc(40, 0xee)]) }));
  const lcp = packets.slice(0, 10).map((p) => ({ ...p, data: Buffer.concat([Buffer.from(p.data.subarray(0, 12)), Buffer.from([0x88, 0x64, 0x11, 0x00, 0x12, 0x34, 0, 6, 0xc0, 0x21, 9, 1, 0, 4])]) }));
  const c = await read(save(writePcap([...atm, ...lcp], { linkType: 1 }), 'pcap'));
  assert.equal(c.flows, 0);
  assert.ok(c.warnings.includes('20 packets inside MPLS or PPPoE carrying neither IP nor an Ethernet frame (PPP control, other pseudowires): they are in no flow (counted as other)'), c.warnings.join('\n'));
});

test('802.11: what carries no flow is counted and said (beacons, control frames, encrypted frames, retransmissions, damaged frames); MACs by the DS bits; tshark reads the frames as we do', { skip }, async () => {
  const src = sharedPath('pcaps', 'tcp_handshake.pcapng') as string;
  const packets = await readPackets(src);
  const read = async (file: string) => {
    const warnings: string[] = [];
    const tables = await captureTable([file], { warn: (m) => warnings.push(m) });
    return { flows: signature(tables), warnings };
  };
  const t0 = packets[0].tsMicros;
  const sta = Buffer.from([2, 0, 0, 0, 0, 0x51]);
  const ap = Buffer.from([0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01]);
  // a beacon (management, subtype 8), an ACK (control: 10 bytes), a null-function data frame (no body)
  const beacon = radiotap(Buffer.concat([Buffer.from([0x80, 0x00, 0, 0]), Buffer.alloc(6, 0xff), ap, ap, Buffer.from([0, 0]), Buffer.alloc(12)]));
  const ack = radiotap(Buffer.concat([Buffer.from([0xd4, 0x00, 0, 0]), sta]));
  const nullData = radiotap(Buffer.concat([Buffer.from([0x48, 0x01, 0, 0]), ap, sta, ap, Buffer.from([0, 0])]));
  const body = (p: RawPacket) => Buffer.from(p.data).subarray(14);
  const encrypted = [0, 1, 2, 3, 4].map((i) => packets[i % packets.length]).map((p) => radiotap(wlanDataFrame({ dir: 'tods', src: sta, dst: ap, etherType: 0x0800, body: body(p), flags: 0x40 })));
  const other = [beacon, beacon, beacon, ack, nullData, ...encrypted].map((data, i) => ({ tsMicros: t0 - 1000 + i, data }));
  const wifi = packets.map((p) => rewrapped(p, reencapsulate(p.data, 127, 'tods') as Uint8Array));
  const file = save(writePcap([...other, ...wifi], { linkType: 127 }), 'pcap');
  const all = await read(file);
  assert.deepEqual(all.flows, await flowsOf(src), 'the open frames make the flows of the original');
  assert.deepEqual(all.warnings, [
    "5 802.11 data frames are encrypted (WEP or WPA): what they carry is in no flow (counted as other); decrypt the capture first with the network's key (airdecap-ng -e SSID -p PASSPHRASE FILE, or Wireshark's 802.11 decryption and File > Export) and analyze that",
  ]);
  // a capture of beacons and encrypted frames only: the decryption advice, not "the link type is wrong"
  const locked = await read(save(writePcap([...other.slice(0, 3), ...other.slice(5, 10)], { linkType: 127 }), 'pcap'));
  assert.deepEqual(locked.flows, []);
  assert.equal(locked.warnings.length, 1, locked.warnings.join('\n'));
  assert.match(locked.warnings[0], /5 802\.11 data frames are encrypted \(WEP or WPA\)/);
  const beacons = save(writePcap(other.slice(0, 3), { linkType: 127 }), 'pcap');
  assert.deepEqual((await read(beacons)).warnings, [`${beacons}: none of its 3 802.11 frames carries IP or ARP (management, control and empty data frames: beacons, probes, acknowledgements): no flow to make`]);
  // a monitor-mode capture holds retransmissions (Retry bit, the same sequence number) and frames
  // received damaged (radiotap's bad-FCS flag): skipped and said, or each copy counted again in its flow
  const noisy: RawPacket[] = [];
  packets.forEach((p, i) => {
    const frame = (flags: number) => radiotap(wlanDataFrame({ dir: 'tods', src: sta, dst: ap, etherType: 0x0800, body: body(p), seq: 100 + i, flags }), 0x10);
    // each frame with its FCS (radiotap's FCS flag: 4 bytes after the frame)
    const fcs = (f: Buffer) => Buffer.concat([f, Buffer.from([0xde, 0xad, 0xbe, 0xef])]);
    noisy.push({ tsMicros: p.tsMicros, data: fcs(frame(0)) });
    noisy.push({ tsMicros: p.tsMicros + 1, data: fcs(frame(0x08)) });
    noisy.push({ tsMicros: p.tsMicros + 2, data: radiotap(wlanDataFrame({ dir: 'tods', src: sta, dst: ap, etherType: 0x0800, body: body(p), seq: 900 + i }), 0x50) });
  });
  const repeated = await read(save(writePcap(noisy, { linkType: 127 }), 'pcap'));
  assert.deepEqual(repeated.flows, await flowsOf(src), 'each packet once');
  assert.deepEqual(repeated.warnings, [
    `skipped ${packets.length} 802.11 retransmissions of frames already read (Retry bit, the same transmitter and sequence number), as a receiver drops them`,
    `skipped ${packets.length} 802.11 frames received damaged (radiotap: bad FCS)`,
  ]);
  // a Retry frame whose first transmission the capture missed is the only copy: kept
  const firstMissed = packets.map((p, i) => ({ tsMicros: p.tsMicros, data: radiotap(wlanDataFrame({ dir: 'tods', src: sta, dst: ap, etherType: 0x0800, body: body(p), seq: 300 + i, flags: 0x08 })) }));
  assert.deepEqual((await read(save(writePcap(firstMissed, { linkType: 127 }), 'pcap'))).flows, await flowsOf(src));
  // the source and destination MACs a link-layer detector reads, by the To DS / From DS bits
  const d = new DecodedPacket();
  const cp = newCapturePacket();
  const macs = (frame: Uint8Array, linkType: number): string => {
    Object.assign(cp, { data: frame, offset: 0, capLen: frame.length, wireLen: frame.length, linkType });
    assert.equal(decodePacket(cp, d), DECODE_OK);
    return `${macText(d.srcMacHi, d.srcMacLo)} > ${macText(d.dstMacHi, d.dstMacLo)} ${d.l3 === L3_IPV4 ? 'IPv4' : d.etherType}`;
  };
  const server = Buffer.from([2, 0, 0, 0, 0, 0x99]);
  const ipBody = body(packets[0]);
  assert.equal(macs(wlanDataFrame({ dir: 'tods', src: sta, dst: server, etherType: 0x0800, body: ipBody }), 105), '02:00:00:00:00:51 > 02:00:00:00:00:99 IPv4');
  assert.equal(macs(wlanDataFrame({ dir: 'fromds', src: server, dst: sta, etherType: 0x0800, body: ipBody }), 105), '02:00:00:00:00:99 > 02:00:00:00:00:51 IPv4');
  assert.equal(macs(radiotap(wlanDataFrame({ dir: 'wds', src: sta, dst: server, etherType: 0x0800, body: ipBody })), 127), '02:00:00:00:00:51 > 02:00:00:00:00:99 IPv4');
  // Wireshark reads our frames as the same conversation: the writer makes real 802.11
  if (!skipWithoutProgram('tshark')) {
    // the conversation and its frames each way (the bytes are of frames, longer in 802.11)
    const conv = (f: string) => {
      const m = /(\S+:\d+)\s+<->\s+(\S+:\d+)\s+(\d+)\s+\S+ bytes\s+(\d+)\s/.exec(run('tshark', ['-r', f, '-q', '-z', 'conv,tcp']).toString());
      return m ? m.slice(1, 5).join(' ') : undefined;
    };
    const want = conv(src);
    assert.match(want ?? '', /^\d+\.\d+\.\d+\.\d+:\d+ \d+\.\d+\.\d+\.\d+:\d+ \d+ \d+$/, 'tshark lists the conversation');
    assert.equal(conv(file), want);
  }
});

test('802.11 A-MSDU: each packet an aggregated frame holds is its own, in its flow; a subframe that contradicts its frame is skipped and said; tshark counts the same packets', { skip }, async () => {
  const src = sharedPath('pcaps', 'http_ip4and6.pcapng') as string;
  const packets = await readPackets(src);
  const sta = Buffer.from([2, 0, 0, 0, 0, 0x51]);
  const ap = Buffer.from([0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01]);
  // the capture's packets three to a frame (each subframe keeps its own MACs and EtherType), as a
  // station's driver aggregates them; the frame has one time, its first packet's
  const frames: RawPacket[] = [];
  for (let i = 0; i < packets.length; i += 3) {
    const group = packets.slice(i, i + 3).map((p) => {
      const f = Buffer.from(p.data);
      return { dst: f.subarray(0, 6), src: f.subarray(6, 12), etherType: f.readUInt16BE(12), body: f.subarray(14) };
    });
    frames.push({ tsMicros: packets[i].tsMicros, data: radiotap(wlanDataFrame({ dir: 'tods', src: sta, dst: ap, etherType: 0, body: new Uint8Array(0), subframes: group })) });
  }
  const file = save(writePcap(frames, { linkType: 127 }), 'pcap');
  const counts = ['Src IP', 'Src Port', 'Dst IP', 'Dst Port', 'Protocol', 'Total Fwd Packet', 'Total Bwd packets', 'Total Length of Fwd Packet', 'Total Length of Bwd Packet', 'orig_ip_bytes', 'resp_ip_bytes'];
  const project = (tables: FlowTable[]) => tables.flatMap((t) => Array.from({ length: t.rowCount }, (_, r) => counts.map((c) => cellText(getColumn(t, c)!, r)).join('|'))).sort();
  let summary: CaptureFlowSummary | undefined;
  const warnings: string[] = [];
  const tables = await captureTable([file], { onSummary: (x) => (summary = x), warn: (m) => warnings.push(m) });
  assert.deepEqual(project(tables), project(await captureTable([src])), 'every packet in its flow, once');
  assert.equal(summary!.wlanAggregatePackets, frames.length);
  assert.equal(summary!.wlanSubframes, packets.length);
  assert.equal(summary!.ipPackets, packets.length);
  assert.deepEqual(warnings, []);
  const acc = captureAccounting(summary!, summary!.meter, { flows: summary!.flows, maxFlows: summary!.maxFlows, garbledBlocks: 0 });
  assert.equal(acc.packetsRead, frames.length);
  assert.equal(acc.packetsDecoded + acc.packetsSkipped, acc.packetsRead);
  assert.equal(acc.ipPackets + acc.arpPackets + acc.otherPackets, acc.packetsDecoded - acc.wlanAggregatePackets + acc.wlanSubframes - acc.wlanBadSubframes);
  // tshark opens the subframes too: the same packets in each conversation
  if (!skipWithoutProgram('tshark')) {
    const conv = run('tshark', ['-r', file, '-q', '-z', 'conv,tcp']).toString();
    assert.match(conv, /172\.16\.16\.140:53350\s+<->\s+172\.16\.16\.139:80\s+4\s+\S+ bytes\s+6\s/, conv);
  }
  // a frame whose last subframe says it is longer than what is left of the frame
  const broken = Buffer.from(frames[0].data);
  const last = broken.length - (Buffer.from(packets[2].data).length - 14 + 8) - 14;
  broken.writeUInt16BE(0xfff0, last + 12);
  const bad: string[] = [];
  let s2: CaptureFlowSummary | undefined;
  await captureTable([save(writePcap([{ ...frames[0], data: broken }], { linkType: 127 }), 'pcap')], { onSummary: (x) => (s2 = x), warn: (m) => bad.push(m) });
  assert.equal(s2!.wlanBadSubframes, 1);
  assert.equal(s2!.ipPackets, 2, 'the two subframes before it');
  assert.ok(bad.includes("skipped 1 subframe of 1 802.11 frame aggregating several packets (A-MSDU): cut short by the snap length, or with a length past the frame's end (the rest of such a frame unread)"), bad.join('\n'));
});

test('a file that is no pcap or pcapng shows its magic number, names a kin format it knows, and the command that converts it', async () => {
  const modified = save(Buffer.concat([Buffer.from([0x34, 0xcd, 0xb2, 0xa1]), Buffer.alloc(40)]), 'pcap');
  await assert.rejects(captureTable([modified]), {
    message: `${modified}: not a pcap or pcapng capture (unknown magic number 34 cd b2 a1: the 'modified' pcap of old Red Hat tcpdump); editcap -F pcap converts any capture Wireshark reads`,
  });
  // binary (text named .pcap is said as text: see the test after the variants)
  const other = save(Buffer.concat([Buffer.from('0123'), Buffer.alloc(32, 0)]), 'pcap');
  await assert.rejects(captureTable([other]), { message: `${other}: not a pcap or pcapng capture (unknown magic number 30 31 32 33); editcap -F pcap converts any capture Wireshark reads` });
});

test("the old tcpdump variants with longer record headers (Nokia, Red Hat 6.1: standard magic number) are named, with the editcap command that converts them", async () => {
  // what editcap -F nokiapcap / rh6_1pcap write: a standard pcap file header, then record headers of 16 + 4 or 16 + 8 bytes
  const variant = (extra: number): Buffer => {
    const head = writePcap([], { linkType: 1 });
    const recs = [0, 1, 2].map((i) => {
      const h = Buffer.alloc(16 + extra);
      h.writeUInt32LE(1700000000 + i, 0);
      h.writeUInt32LE(250000 * i, 4);
      h.writeUInt32LE(60, 8);
      h.writeUInt32LE(60, 12);
      return Buffer.concat([h, Buffer.alloc(60, 0x11 + i)]);
    });
    return Buffer.concat([head, ...recs]);
  };
  for (const [extra, name] of [[4, 'Nokia'], [8, 'Red Hat 6.1']] as const) {
    const path = save(variant(extra), 'pcap');
    await assert.rejects(captureTable([path]), (e: Error) => {
      assert.match(e.message, new RegExp(`^${path.replace(/[.\\/]/g, '\\$&')} byte 100: garbled pcap record header of packet 2 \\(.*\\); 1 packet before it was read: its records look like the ${name} tcpdump variant of pcap \\(record headers ${16 + extra} bytes long, not 16\\), which this reader does not read; convert it with editcap -F pcap IN OUT`));
      return true;
    });
  }
  // a garbled record in an ordinary pcap gets no such hint
  const plain = writePcap([0, 1, 2].map((i) => ({ tsMicros: 1.7e15 + i, data: new Uint8Array(60).fill(0x11) })), { linkType: 1 });
  plain.writeUInt32LE(0xffffffff, 24 + 76 + 8);
  await assert.rejects(captureTable([save(plain, 'pcap')]), (e: Error) => {
    assert.match(e.message, /garbled pcap record header of packet 2 \(captured length 4294967295 is larger than any pcap record \(262144\)\); 1 packet before it was read$/);
    return true;
  });
});

test('a text file named .pcap gets one message from flows and from analyze (the capture reader and the dataset reader)', async () => {
  for (const text of ['garbage\n', 'src,dst,bytes\n10.0.0.1,10.0.0.2,300\n10.0.0.3,10.0.0.4,200\n']) {
    const path = save(Buffer.from(text), 'pcap');
    const messageOf = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    const fromFlows = await messageOf(captureTable([path]));
    const fromAnalyze = await messageOf((async () => {
      for await (const t of streamDataset([path], { warn: () => {} })) void t;
    })());
    assert.match(fromFlows, /: named like a packet capture but holds text: it starts with bytes [0-9a-f ]+, not a pcap or pcapng header/);
    assert.equal(fromFlows, fromAnalyze);
  }
  // a text file under another name is still refused by flows as no capture
  await assert.rejects(captureTable([save(Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'), 'bin')]), /not a pcap or pcapng capture \(unknown magic number 30 31 32 33\)/);
});

test('nanosecond captures give whole microseconds, the same in pcap and pcapng as in the microsecond capture libpcap would make', async () => {
  // three UDP packets of one flow at ….265167246, ….265182464 and ….266000999 s (nanoseconds)
  const nanos = [1796534140265167246n, 1796534140265182464n, 1796534140266000999n];
  const frame = Buffer.from(
    '0200000000020200000000010800' + '4500002400004000401100007f0000017f000001' + 'd8b80035001000000102030405060708',
    'hex',
  );
  const us = nanos.map((n) => Number(n / 1000n));
  const packets: RawPacket[] = us.map((t) => ({ tsMicros: t, data: frame }));
  // classic pcap, nanosecond: the writer puts whole µs; the nanoseconds below are patched in
  const pcap = writePcap(packets, { linkType: 1, nanoseconds: true });
  for (let i = 0, o = 24; i < nanos.length; i++, o += 16 + frame.length) pcap.writeUInt32LE(Number(nanos[i] % 1000000000n), o + 4);
  // pcapng, if_tsresol 9: each enhanced packet block's 64-bit count of nanoseconds patched likewise
  const ng = writePcapng([{ interfaces: [{ linkType: 1, tsresol: 9 }], packets: packets.map((p) => ({ iface: 0, p })) }]);
  for (let o = 0, i = 0; o < ng.length; o += ng.readUInt32LE(o + 4)) {
    if (ng.readUInt32LE(o) !== 6) continue;
    ng.writeUInt32LE(Number(nanos[i] >> 32n), o + 12);
    ng.writeUInt32LE(Number(nanos[i] & 0xffffffffn), o + 16);
    i++;
  }
  const micro = save(writePcap(packets, { linkType: 1 }), 'pcap');
  for (const [kind, file] of [['pcap', save(pcap, 'pcap')], ['pcapng', save(ng, 'pcapng')]]) {
    assert.deepEqual((await readPackets(file)).map((p) => p.tsMicros), us, `${kind}: whole microseconds, the nanoseconds below cut off`);
    assert.deepEqual(await flowsOf(file), await flowsOf(micro), `${kind}: the flows of the microsecond capture`);
  }
  const [flow] = await captureTable([micro]);
  assert.equal(cellText(getColumn(flow, 'Flow Duration')!, 0), String(us[2] - us[0]));
});
