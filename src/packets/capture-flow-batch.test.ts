/**
 * The flow batch's own bookkeeping, on real captures (IPv4 and IPv6, TCP, UDP, ICMP, fragments):
 * a batch that starts tiny and grows many times (its columns lie in one padded block that is
 * copied on each growth) holds exactly the cells of a batch that never grows; every categorical
 * code points into its dictionary in order of first appearance, missing cells (no known service)
 * are -1; Flow ID and uid, written as bytes, say what the row's other columns and flowUid say; every
 * row's features are its flow's own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellText, type FlowTable } from '../flows/table.js';
import { ByteSource } from '../sources/byte-source.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { CaptureFlowBatch } from './capture-flow-batch.js';
import { writeIpv6 } from './ipv6-text.js';
import { addressWordsText } from '../detect/ip-address.js';
import { cicFeaturesInto, CIC_FEATURE_COUNT } from './cic-features.js';
import { CIC_FEATURES } from '../sources/cicflowmeter.js';
import { addressText, DecodedPacket, L3_IPV4, L3_IPV6, PROTO_UDP } from './decoded-packet.js';
import { decodePacket, DECODE_OK } from './decoder.js';
import { FlowMeter } from './flow-meter.js';
import { readCapture } from './read-capture.js';
import { flowUid } from './zeek-conn.js';
import { skipWithoutProgram } from '../testing/programs.js';

const CAPTURES = ['http_ip4and6.pcapng', 'ip_frag_source.pcapng', 'ipv6_fragments.pcapng', 'icmp_traceroute.pcapng', 'dns_query_response.pcapng', 'synscan.pcapng'];

test('a growing batch equals a roomy one cell for cell; codes, Flow ID and uid are right', { skip: skipWithoutShared('pcaps', 'synscan.pcapng') }, async () => {
  const tiny = new CaptureFlowBatch(['x'], 1);
  const roomy = new CaptureFlowBatch(['x'], 8192);
  const uids: string[] = [];
  // each address's text made afresh, to hold the batches' cached texts against
  const srcTexts: string[] = [];
  const dstTexts: string[] = [];
  // each flow's features computed on their own, to hold the batches' rows against
  const features: Float64Array[] = [];
  const meter = new FlowMeter((m, slot) => {
    const row = new Float64Array(CIC_FEATURE_COUNT);
    cicFeaturesInto(m, slot, row, 0, 1);
    features.push(row);
    tiny.add(m, slot, 0);
    roomy.add(m, slot, 0);
    uids.push(flowUid(m, slot));
    srcTexts.push(addressText(m.keys, m.family(slot), m.srcWord(slot)));
    dstTexts.push(addressText(m.keys, m.family(slot), m.dstWord(slot)));
  });
  const d = new DecodedPacket();
  for (const name of CAPTURES) {
    const file = sharedPath('pcaps', name) as string;
    await readCapture(new ByteSource({ display: file, path: file }).chunks(), file, (p) => {
      if (decodePacket(p, d) === DECODE_OK && (d.l3 === L3_IPV4 || d.l3 === L3_IPV6)) meter.packet(d);
    });
  }
  meter.flush();
  const a: FlowTable = tiny.flush();
  const b: FlowTable = roomy.flush();
  assert.ok(a.rowCount > 2000, `${a.rowCount} flows`);
  assert.equal(a.rowCount, b.rowCount);
  let v6 = 0;
  let noService = 0;
  for (let j = 0; j < a.columns.length; j++) {
    const x = a.columns[j];
    const y = b.columns[j];
    assert.equal(x.name, y.name);
    assert.equal(x.role, y.role);
    if (x.kind === 'numeric' && y.kind === 'numeric') {
      assert.equal(x.values.length, a.rowCount);
      assert.deepEqual(x.values, y.values, x.name);
      continue;
    }
    assert.ok(x.kind === 'categorical' && y.kind === 'categorical');
    assert.equal(x.codes.length, a.rowCount);
    // dictionary in order of first appearance, every entry used, codes in range
    let next = 0;
    for (let r = 0; r < a.rowCount; r++) {
      const c = x.codes[r];
      assert.ok(c >= -1 && c < x.dictionary.length, `${x.name} row ${r}: code ${c}`);
      if (c === next) next++;
      else assert.ok(c < next, `${x.name} row ${r}: code ${c} before ${next}`);
      assert.equal(cellText(x, r), cellText(y, r), `${x.name} row ${r}`);
    }
    assert.equal(next, x.dictionary.length, `${x.name}: unused dictionary entries`);
    // Flow ID and uid are coded by row (a 5-tuple split by a timeout repeats); the others by value
    if (x.name !== 'Flow ID' && x.name !== 'uid') assert.equal(new Set(x.dictionary).size, x.dictionary.length, `${x.name}: a value coded twice`);
  }
  const col = (name: string) => a.columns.find((c) => c.name === name)!;
  for (let r = 0; r < a.rowCount; r++) {
    const text = (name: string): string => cellText(col(name), r);
    assert.equal(text('Flow ID'), `${text('Src IP')}-${text('Dst IP')}-${text('Src Port')}-${text('Dst Port')}-${text('Protocol')}`);
    assert.equal(text('uid'), uids[r]);
    assert.equal(text('Src IP'), srcTexts[r], `row ${r}`);
    assert.equal(text('Dst IP'), dstTexts[r], `row ${r}`);
    if (text('Src IP').includes(':')) v6++;
    if (text('service') === '') noService++;
  }
  assert.ok(v6 > 0 && v6 < a.rowCount, 'both address families present');
  // every row's features where its flow's own computation put them (in the padded block, across growths)
  CIC_FEATURES.forEach((name, j) => {
    const c = col(name);
    assert.ok(c.kind === 'numeric');
    for (let r = 0; r < a.rowCount; r++) assert.ok(Object.is(c.values[r], features[r][j]), `${name} row ${r}: ${c.values[r]}, not ${features[r][j]}`);
  });
  assert.ok(noService > 0, 'some flows have no known service (missing cells)');
});

test("IPv6 address texts are each address's own, with more addresses than the batch keeps texts of (and ones differing in a single word)", () => {
  const batch = new CaptureFlowBatch(['x'], 1024);
  const want: string[] = [];
  const meter = new FlowMeter((m, slot) => {
    batch.add(m, slot, 0);
    want.push(`${addressText(m.keys, 6, m.srcWord(slot))} ${addressText(m.keys, 6, m.dstWord(slot))}`);
  });
  const d = new DecodedPacket();
  d.l3 = L3_IPV6;
  d.proto = PROTO_UDP;
  d.ipLen = 48;
  d.l4HeaderLen = 8;
  // 50,000 one-packet flows from addresses that share three words of four, in turn each word
  for (let i = 0; i < 50_000; i++) {
    d.tsMicros = 1e15 + i;
    d.src.set([0x20010db8, 0, 0, 0]);
    d.src[i % 4] ^= (i * 2654435761) >>> 0;
    d.dst.set([0xfd000000, 0, 0, (i % 7) + 1]);
    d.srcPort = 1024 + (i % 60000);
    d.dstPort = 53;
    meter.packet(d);
  }
  meter.flush();
  const t = batch.flush();
  assert.equal(t.rowCount, want.length);
  const src = t.columns.find((c) => c.name === 'Src IP')!;
  const dst = t.columns.find((c) => c.name === 'Dst IP')!;
  for (let r = 0; r < t.rowCount; r++) assert.equal(`${cellText(src, r)} ${cellText(dst, r)}`, want[r], `row ${r}`);
});

test('IPv6 texts written as bytes are the texts addressWordsText makes, for every pattern of zero groups', () => {
  const b = Buffer.alloc(48);
  const w = new Uint32Array(8);
  let seed = 7;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  // group values of one to four hex digits, and ones with inner zeros (a leading-zero bug shows there)
  const values = [1, 0xf, 0x10, 0xab, 0x100, 0x1ff, 0x1000, 0xffff, 0x8001, 0x0a0b];
  let checked = 0;
  for (let zeros = 0; zeros < 256; zeros++) {
    for (let trial = 0; trial < 12; trial++) {
      // the address at word 4, after four words of something else (the meter's keys hold two addresses)
      for (let i = 0; i < 4; i++) w[i] = rnd();
      const g = (i: number): number => ((zeros >> i) & 1 ? 0 : trial < values.length ? values[(trial + i) % values.length] : (rnd() & 0xffff) || 1);
      for (let i = 0; i < 4; i++) w[4 + i] = ((g(2 * i) << 16) | g(2 * i + 1)) >>> 0;
      const want = addressWordsText(w, 6, 4);
      assert.equal(b.toString('latin1', 0, writeIpv6(b, w, 4)), want, `zero groups ${zeros.toString(2).padStart(8, '0')}`);
      checked++;
    }
  }
  assert.equal(checked, 256 * 12);
  assert.equal(b.toString('latin1', 0, writeIpv6(b, new Uint32Array(4), 0)), '::');
});

test('an IPv4-mapped IPv6 address is written ::ffff:192.0.2.1 in Src IP, Dst IP and Flow ID, as tshark shows it', { skip: skipWithoutShared('pcaps', 'http_ip4and6.pcapng') }, async () => {
  // the IPv6 connection of a real capture, its client moved to ::ffff:192.0.2.1 (hex: ::ffff:c000:201)
  const { readPackets, writePcap, captureTable } = await import('../testing/capture-writer.js');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1];
  const client = Buffer.from(new Uint32Array([0x20010db8, 0x10002, 0, 0x1002]).buffer).swap32();
  const out = [];
  for (const p of await readPackets(sharedPath('pcaps', 'http_ip4and6.pcapng')!)) {
    const d = Buffer.from(p.data);
    if (d.readUInt16BE(12) !== 0x86dd) continue;
    for (const at of [22, 38]) if (d.subarray(at, at + 16).equals(client)) d.set(mapped, at);
    out.push({ ...p, data: d });
  }
  assert.equal(out.length, 10);
  const dir = mkdtempSync(join(tmpdir(), 'ns-mapped-'));
  try {
    const file = join(dir, 'mapped.pcap');
    writeFileSync(file, writePcap(out, { linkType: 1 }));
    const [t] = await captureTable([file]);
    const col = (name: string) => t.columns.find((c) => c.name === name)!;
    assert.equal(t.rowCount, 1);
    assert.equal(cellText(col('Src IP'), 0), '::ffff:192.0.2.1');
    assert.equal(cellText(col('Dst IP'), 0), '2001:db8:1:2::1000');
    assert.match(cellText(col('Flow ID'), 0), /^(::ffff:192\.0\.2\.1-2001:db8:1:2::1000|2001:db8:1:2::1000-::ffff:192\.0\.2\.1)-/);
    if (!skipWithoutProgram('tshark')) {
      const { execFileSync } = await import('node:child_process');
      const first = execFileSync('tshark', ['-r', file, '-c', '1', '-T', 'fields', '-e', 'ipv6.src'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
      assert.equal(first, '::ffff:192.0.2.1', 'tshark writes it so');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
