/**
 * Fuzzing the capture path (readers → decoder → packet detectors and flow meter → flow batch → the
 * flow records `flows` writes) with
 * fast-check: a corpus made from ../shared/pcaps (each capture as pcapng, as pcap in both byte
 * orders and resolutions, and re-encapsulated into every link type we decode) and one capture of
 * the packets the detectors parse past the transport header (DHCP and DHCPv6 answers, ICMP and
 * ICMPv6 redirects, router and neighbor advertisements, ARP; the shared captures have few or none),
 * those packets on every link type (the rarer ones of link-headers.ts too), inside every tunnel the decoder opens (VXLAN, Geneve, GTP-U, GRE, ERSPAN, IP in IP, L2TP, PPTP, Teredo),
 * then mutated: bytes flipped, 32- and 16-bit
 * fields overwritten with hostile lengths (0, 1, 0xffff, 0x7fffffff, ...), cut short, bytes inserted
 * or dropped, and fed in random chunk sizes. The contract: every input either reads to the end or
 * stops with one UserError (naming a byte offset when the file is damaged); never another
 * exception, a hang, or memory beyond the reader's bounds.
 *
 * Used by capture-fuzz.test.ts (a short run in npm test) and as a script for the long run:
 *   node dist/testing/capture-fuzz.js [RUNS=1000000] [SEED]
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ByteWindow } from '../packets/byte-window.js';
import { CaptureFlowBatch } from '../packets/capture-flow-batch.js';
import { newCapturePacket } from '../packets/capture-packet.js';
import { FlowMeter } from '../packets/flow-meter.js';
import { PcapParser } from '../packets/pcap-reader.js';
import { PcapngParser } from '../packets/pcapng-reader.js';
import { captureKind } from '../packets/read-capture.js';
import { UserError } from '../util/errors.js';
import { radiotap, reencapsulate, wlanDataFrame, wlanManagement, writePcap, writePcapng, type RawPacket } from './capture-writer.js';
import { CARRIES_ETHERNET, TUNNEL_NAMES, teredoFrame, tunnelled as tunnelledFrame } from './tunnel-frames.js';
import { packetDetectors, type PacketDetectors } from '../packets/packet-evidence.js';
import { decodeToMeter, emptyPacketCounts } from '../packets/decode-to-meter.js';
import { formatFlows, type FlowOutputFormat, type FlowRecordFormat } from '../packets/flow-records.js';
import type { FlowTable } from '../flows/table.js';
import { arpFrame, dhcpAnswer, dhcpv6Answer, icmpMessage, icmpRedirectV4, icmpRedirectV6, ipFragment, ipFragments, ipFrame, neighborAdvertisementV6, routerAdvertisementV6, TCP, tcpSegment } from './frame-builder.js';
import { sharedPath } from './shared-data.js';

/** Packets of a pcapng file read synchronously (corpus building only). */
function packetsOf(bytes: Uint8Array): RawPacket[] {
  const out: RawPacket[] = [];
  const win = new ByteWindow(bytes.length + 16);
  win.push(bytes);
  const p = newCapturePacket();
  const kind = captureKind(bytes);
  const parser = kind === 'pcap' ? new PcapParser('corpus', bytes) : new PcapngParser('corpus');
  parser.consume(win, p, (q) => out.push({ tsMicros: q.tsMicros, data: q.data.slice(q.offset, q.offset + q.capLen), wireLen: q.wireLen }));
  return out;
}

/**
 * Packets whose payload a detector reads field by field (option lists, quoted headers, link-layer
 * options): what a mutation must reach for the fuzz to test those parsers.
 */
function detectorPackets(): RawPacket[] {
  const frames: Uint8Array[] = [
    arpFrame({ op: 1, senderMac: '02:00:00:00:00:01', senderIp: '192.168.1.10', targetIp: '192.168.1.1' }),
    arpFrame({ op: 2, senderMac: '02:00:00:00:00:fe', senderIp: '192.168.1.1', targetMac: '02:00:00:00:00:01', targetIp: '192.168.1.10' }),
    arpFrame({ op: 2, senderMac: '02:00:00:00:00:66', senderIp: '192.168.1.1', targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: '192.168.1.1' }),
    ipFrame({ src: '192.168.1.1', dst: '255.255.255.255', proto: 17, payload: dhcpAnswer({ type: 2, serverId: '192.168.1.1', yourIp: '192.168.1.50', routers: ['192.168.1.1'], dns: ['192.168.1.1', '9.9.9.9'] }) }),
    ipFrame({ srcMac: '02:00:00:00:00:66', src: '192.168.1.66', dst: '255.255.255.255', proto: 17, payload: dhcpAnswer({ type: 5, serverId: '192.168.1.66', yourIp: '192.168.1.51', routers: ['192.168.1.66'] }) }),
    ipFrame({ src: 'fe80::1', dst: 'fe80::99', proto: 17, payload: dhcpv6Answer(7, Buffer.from([0, 1, 0, 1, 1, 2, 3, 4]), ['2001:db8::53']) }),
    ipFrame({ src: '192.168.1.1', dst: '192.168.1.10', proto: 1, payload: icmpRedirectV4('192.168.1.66', '192.168.1.10', '203.0.113.5') }),
    ipFrame({ src: 'fe80::1', dst: 'fe80::10', ttl: 255, proto: 58, payload: icmpRedirectV6('fe80::66', '2001:db8:5::1') }),
    ipFrame({ src: 'fe80::1', dst: 'ff02::1', ttl: 255, proto: 58, payload: routerAdvertisementV6(1800, ['2001:db8:1::/64'], '02:00:00:00:00:fe') }),
    ipFrame({ src: 'fe80::66', dst: 'ff02::1', ttl: 255, proto: 58, payload: neighborAdvertisementV6('fe80::1', '02:00:00:00:00:66') }),
    ipFrame({ src: '192.168.1.10', dst: '192.168.1.20', proto: 1, payload: icmpMessage(8, 0, Buffer.alloc(12)) }),
    ipFrame({ src: '192.168.1.10', dst: '192.168.1.20', ttl: 64, proto: 6, payload: tcpSegment(40000, 22, TCP.SYN) }),
    ipFrame({ src: '192.168.1.20', dst: '192.168.1.10', ttl: 64, proto: 6, payload: tcpSegment(22, 40000, TCP.SYN | TCP.ACK, 9, 2) }),
    ipFrame({ src: '192.168.1.10', dst: '192.168.1.20', ttl: 64, proto: 6, payload: tcpSegment(40000, 22, TCP.ACK, 2, 10) }),
    ipFrame({ src: '192.168.1.10', dst: '192.168.1.20', ttl: 3, proto: 6, payload: tcpSegment(40000, 22, TCP.ACK | TCP.PSH, 2, 10, Buffer.from('hello')) }),
    // TCP headers split by tiny first fragments (fragment-headers.ts reads the later ones' flags), IPv4 and IPv6
    ...ipFragments({ src: '192.168.1.66', dst: '192.168.1.20', proto: 6, payload: tcpSegment(40001, 25, TCP.SYN, 7) }, 8, 77),
    ...ipFragments({ src: '2001:db8::66', dst: '2001:db8::20', proto: 6, payload: tcpSegment(40001, 25, TCP.FIN, 7) }, 8, 78),
    // teardrop's overlapping pair (fragment-watch.ts)
    ipFragment({ src: '192.168.1.66', dst: '192.168.1.20', proto: 17, payload: Buffer.alloc(48) }, 0, true, 79),
    ipFragment({ src: '192.168.1.66', dst: '192.168.1.20', proto: 17, payload: Buffer.alloc(4) }, 24, false, 79),
    // a protocol scan's probe and the host's answer (protocol-scan-watch.ts)
    ipFrame({ src: '192.168.1.66', dst: '192.168.1.20', proto: 47, payload: Buffer.alloc(0) }),
    ipFrame({ src: '192.168.1.20', dst: '192.168.1.66', proto: 1, payload: icmpMessage(3, 2, Buffer.alloc(28)) }),
  ];
  return frames.map((data, i) => ({ tsMicros: 1_700_000_000_000_000 + i * 1000, data, wireLen: data.length }));
}

/** The seed corpus: every shared capture in several formats and link types, kept small, and the detectors' packets. */
export function captureCorpus(maxPackets = 40): Uint8Array[] {
  const dir = sharedPath('pcaps');
  if (!dir) return [];
  const own = detectorPackets();
  const out: Uint8Array[] = [writePcap(own, { linkType: 1 }), writePcapng([{ interfaces: [{ linkType: 1 }], packets: own.map((p) => ({ iface: 0, p })) }])];
  // PPP, Cisco HDLC, 802.11 (with radiotap, 4-address and QoS frames; an encrypted frame, a beacon, an A-MSDU) NFLOG (both byte orders), and frames in 802.1ah and MPLS pseudowires;
  // the rarer link layers (link-headers.ts): pflog, enc, ipnet, PPI (Ethernet, 802.11 with its FCS), Prism, AVS, ERF (an extension header, IP records), netANALYZER
  for (const [lt, variant] of [[9, 'plain'], [9, 'compressed'], [50, 'cisco'], [104, 'plain'], [105, 'wds'], [127, 'tods'], [127, 'fromds'], [239, 'plain'], [239, 'swapped'], [1, 'pbb'], [1, 'eompls-cw'], [1, 'eompls'],
    [117, 'openbsd'], [109, 'plain'], [226, 'plain'], [192, 'plain'], [192, 'fcs'], [119, 'plain'], [119, 'avs'], [163, 'plain'], [197, 'ext'], [197, 'ip'], [240, 'plain'], [241, 'plain']] as const) {
    const re = own.map((p) => ({ ...p, data: reencapsulate(p.data, lt, variant) })).filter((p): p is RawPacket => p.data !== undefined);
    if (lt === 127) {
      const t = own[0].tsMicros - 1000;
      re.push({ tsMicros: t, data: radiotap(Buffer.concat([Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(6, 0xff), Buffer.alloc(12, 2), Buffer.alloc(14)])) });
      re.push({ tsMicros: t + 1, data: radiotap(wlanDataFrame({ dir: 'tods', src: Buffer.alloc(6, 2), dst: Buffer.alloc(6, 4), etherType: 0x0800, body: own[10].data.subarray(14), flags: 0x40 })) });
      // a beacon with its elements (wifi-twin-watch.ts reads the SSID and security), announced twice over
      const rsn = Buffer.from([48, 20, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 2, 0, 0]);
      const beaconBody = (privacy: boolean, extra: Buffer[]) => Buffer.concat([Buffer.alloc(8), Buffer.from([0x64, 0, privacy ? 0x11 : 0x01, 0x04, 0, 4]), Buffer.from('Corp'), ...extra]);
      re.push({ tsMicros: t - 2, data: radiotap(wlanManagement(8, { receiver: Buffer.alloc(6, 0xff), transmitter: Buffer.alloc(6, 3), bssid: Buffer.alloc(6, 3), body: beaconBody(true, [rsn]) })) });
      re.push({ tsMicros: t - 1, data: radiotap(wlanManagement(8, { receiver: Buffer.alloc(6, 0xff), transmitter: Buffer.alloc(6, 9), bssid: Buffer.alloc(6, 9), body: beaconBody(false, []) })) });
      // an A-MSDU of three packets (decodeSubframe reads each subframe's MACs and length)
      const sub = (p: RawPacket) => ({ dst: p.data.subarray(0, 6), src: p.data.subarray(6, 12), etherType: (p.data[12] << 8) | p.data[13], body: p.data.subarray(14) });
      re.push({ tsMicros: t + 5, data: radiotap(wlanDataFrame({ dir: 'tods', src: Buffer.alloc(6, 2), dst: Buffer.alloc(6, 4), etherType: 0, body: new Uint8Array(0), subframes: [sub(own[11]), sub(own[12]), sub(own[0])] })) });
      // deauthentications (wifi-deauth-watch.ts reads their BSSID and reason code)
      for (let i = 0; i < 3; i++) re.push({ tsMicros: t + 2 + i, data: radiotap(wlanManagement(12, { receiver: Buffer.alloc(6, 0xff), transmitter: Buffer.alloc(6, 2), bssid: Buffer.alloc(6, 2), body: Buffer.from([7, 0]) })) });
    }
    out.push(writePcap(re, { linkType: lt }));
  }
  // the detectors' packets inside every tunnel the decoder opens (tunnels.ts), over IPv4 and IPv6, and nested
  const tunnelled = TUNNEL_NAMES.flatMap((name, k) =>
    own.filter((p) => CARRIES_ETHERNET.has(name) || p.data[12] !== 0x08 || p.data[13] !== 0x06).map((p, i) => ({ ...p, data: tunnelledFrame(name, p.data, k % 2 ? { src: '2001:db8:ff::1', dst: '2001:db8:ff::2' } : {}, i) })),
  );
  tunnelled.push(...own.slice(10, 14).map((p, i) => ({ ...p, data: tunnelledFrame('gretap', tunnelledFrame('vxlan', p.data, {}, i), {}, i) })));
  // and the IPv6 ones inside Teredo, with each of its indications
  const indications = ['none', 'origin', 'auth'] as const;
  tunnelled.push(...own.filter((p) => p.data[12] === 0x86 && p.data[13] === 0xdd).map((p, i) => ({ ...p, data: teredoFrame(p.data, i % 2 === 0, indications[i % 3]) })));
  out.push(writePcap(tunnelled, { linkType: 1 }));
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.pcapng')).sort()) {
    const raw = readFileSync(join(dir, f));
    const ps = packetsOf(raw).slice(0, maxPackets);
    out.push(writePcapng([{ interfaces: [{ linkType: 1 }], packets: ps.map((p) => ({ iface: 0, p })) }]));
    out.push(writePcap(ps, { linkType: 1, bigEndian: true, nanoseconds: true }));
    for (const lt of [113, 276, 101, 0, 108, 9, 127, 239]) {
      const re = ps.map((p) => ({ ...p, data: reencapsulate(p.data, lt) })).filter((p): p is RawPacket => p.data !== undefined);
      if (re.length > 0) out.push(writePcap(re, { linkType: lt }));
    }
    const vlan = ps.map((p) => ({ ...p, data: reencapsulate(p.data, 1, 'qinq') as Uint8Array }));
    out.push(writePcapng([{ bigEndian: true, interfaces: [{ linkType: 1, tsresol: 9 }], packets: vlan.map((p) => ({ iface: 0, p })) }]));
  }
  return out;
}

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'u32'; at: number; value: number; le: boolean }
  | { kind: 'u16'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'drop'; at: number; count: number };

const hostile = fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 12, 13, 16, 20, 24, 28, 0x3f, 0x40, 0xff, 0x100, 0xfff, 0xffff, 0x10000, 0x40000, 0x7fffffff, 0x80000000, 0xffffffff);
// positions spread evenly over the file (fast-check would otherwise favour 0: the magic number, every time)
const pos = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((x) => x / 1e6);
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: pos, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: pos, value: fc.oneof(hostile, fc.nat()), le: fc.boolean() }),
  fc.record({ kind: fc.constant('u16' as const), at: pos, value: fc.oneof(hostile.map((v) => v & 0xffff), fc.integer({ min: 0, max: 0xffff })) }),
  fc.record({ kind: fc.constant('cut' as const), at: pos }),
  fc.record({ kind: fc.constant('insert' as const), at: pos, bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: pos, count: fc.integer({ min: 1, max: 64 }) }),
);

export function mutate(seed: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Buffer.from(seed);
  for (const m of ms) {
    const at = Math.floor(m.at * b.length);
    switch (m.kind) {
      case 'flip':
        if (at < b.length) b[at] = m.value;
        break;
      case 'u32':
        if (at + 4 <= b.length) m.le ? b.writeUInt32LE(m.value >>> 0, at) : b.writeUInt32BE(m.value >>> 0, at);
        break;
      case 'u16':
        if (at + 2 <= b.length) b.writeUInt16BE(m.value, at);
        break;
      case 'cut':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'drop':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
        break;
    }
  }
  return b;
}

/** A batch of flows as `flows` writes it, in every record format and layout (a time or a value no layout can write is a crash); its row count. */
function written(t: FlowTable): number {
  for (const [rec, out] of FLOW_LAYOUTS) formatFlows(t, rec, out);
  return t.rowCount;
}
const FLOW_LAYOUTS: readonly (readonly [FlowRecordFormat, FlowOutputFormat])[] = [['cic', 'csv'], ['cic', 'jsonl'], ['zeek', 'tsv'], ['zeek', 'csv'], ['zeek', 'jsonl']];

export interface FuzzOutcome {
  packets: number;
  flows: number;
  error?: string;
}

/**
 * Run one input through the whole capture path, synchronously, in chunks of the given sizes.
 * Returns what happened; throws only when the contract is broken (an error other than a UserError).
 */
export function runCapturePath(bytes: Uint8Array, chunkSizes: readonly number[]): FuzzOutcome {
  const win = new ByteWindow(4096);
  const p = newCapturePacket();
  const batch = new CaptureFlowBatch(['fuzz'], 64);
  let flows = 0;
  const meter = new FlowMeter((m, slot) => {
    batch.add(m, slot, 0);
    if (batch.rows >= 64) flows += written(batch.flush());
  }, { maxFlows: 16 });
  let packets = 0;
  let parser: PcapParser | PcapngParser | undefined;
  // as analyze runs them (decode-to-meter.ts): every decoded packet, before the meter; small tables
  // so that their eviction is fuzzed too, and their findings made now and then as a live capture does
  const detectors: PacketDetectors = packetDetectors({ limits: { maxGroupsPerRule: 100 } }, { live: true, warn: () => undefined });
  // the one decode → count → detectors → meter step of files and live captures (decode-to-meter.ts)
  const counts = emptyPacketCounts();
  const step = decodeToMeter(
    counts,
    meter,
    (q) => {
      detectors.onPacket(q);
      if ((counts.packets & 31) === 0) detectors.opened();
    },
    detectors.onMalformed,
  );
  const sink = (q: typeof p): void => {
    packets++;
    if (q.offset < 0 || q.offset + q.capLen > q.data.length) throw new Error(`packet ${q.number} outside the buffer`);
    step(q);
  };
  try {
    let at = 0;
    let i = 0;
    while (at < bytes.length) {
      const n = Math.max(1, chunkSizes.length ? chunkSizes[i++ % chunkSizes.length] : bytes.length);
      win.push(bytes.subarray(at, at + n));
      at += n;
      if (!parser) {
        if (win.available < 24 && at < bytes.length) continue;
        const head = win.buf.subarray(win.start, win.end);
        const kind = captureKind(head);
        if (!kind) throw new UserError('not a capture');
        parser = kind === 'pcap' ? new PcapParser('fuzz', head) : new PcapngParser('fuzz');
      }
      parser.consume(win, p, sink);
      if (win.buf.length > (32 << 20) + bytes.length) throw new Error(`reader window grew to ${win.buf.length} bytes`);
    }
    if (!parser) throw new UserError('empty');
    parser.finish(win);
    detectors.opened();
    meter.flush();
    flows += written(batch.flush());
    return { packets, flows };
  } catch (e) {
    if (e instanceof UserError) return { packets, flows, error: e.message };
    throw e;
  }
}

export function inputArbitrary(corpus: readonly Uint8Array[]): fc.Arbitrary<{ bytes: Uint8Array; chunks: number[] }> {
  return fc
    .record({
      seed: fc.integer({ min: 0, max: corpus.length - 1 }),
      mutations: fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
      chunks: fc.array(fc.integer({ min: 1, max: 4096 }), { maxLength: 4 }),
    })
    .map(({ seed, mutations, chunks }) => ({ bytes: mutate(corpus[seed], mutations), chunks }));
}

/** The long run: count, time, crashes. */
function main(): void {
  const runs = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? Date.now() % 2147483647);
  const corpus = captureCorpus();
  if (corpus.length === 0) {
    process.stderr.write('capture-fuzz: ../shared/pcaps not found; nothing to fuzz\n');
    process.exit(2);
  }
  let count = 0;
  let damaged = 0;
  let packets = 0;
  const t0 = Date.now();
  const r = fc.check(
    fc.property(inputArbitrary(corpus), ({ bytes, chunks }) => {
      const o = runCapturePath(bytes, chunks);
      count++;
      packets += o.packets;
      if (o.error) damaged++;
      if (count % 100000 === 0) process.stderr.write(`capture-fuzz: ${count.toLocaleString('en-US')} inputs, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    }),
    { numRuns: runs, seed },
  );
  const secs = (Date.now() - t0) / 1000;
  const out = { inputs: count, seconds: secs, crashes: r.failed ? 1 : 0, stoppedWithUserError: damaged, packetsDecoded: packets, seed, corpus: corpus.length, rssMb: Math.round(process.resourceUsage().maxRSS / 1024), counterexample: r.failed ? String(r.errorInstance) : undefined };
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(r.failed ? 1 : 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
