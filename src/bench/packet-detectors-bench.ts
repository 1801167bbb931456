/**
 * What the packet detectors cost per packet, against what decoding that packet costs, on the same
 * packets in the same run: a replay of ../shared/pcaps (re-addressed, synscan in one replay of ten,
 * as capture-bench makes it) held in memory, each packet decoded into the one reused struct as the
 * capture path does, and (a) nothing more, (b) the ARP detector alone (what `analyze` ran before),
 * (c) every packet detector. The detectors' cost is the difference to (a) within each round
 * (seven rounds, the median; the machine is shared), fresh detectors each round. With `--each`,
 * also every detector alone (its own cost over decoding), to see which one to work on (on a
 * shared machine a detector below about 10 ns per packet is within the noise, even negative).
 * With `--capture FILE`, the first `packets` packets of that capture instead of the replay (an
 * ordinary capture has another mix: tens of packets per flow, few handshakes).
 *
 *   node dist/bench/packet-detectors-bench.js ../shared [packets] [--each] [--capture FILE]
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveRulesConfig } from '../detect/rules-config.js';
import { ArpWatch } from '../packets/arp-watch.js';
import { newCapturePacket } from '../packets/capture-packet.js';
import { DecodedPacket, L3_ARP, L3_IPV4, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP } from '../packets/decoded-packet.js';
import { decodePacket, DECODE_OK } from '../packets/decoder.js';
import { DhcpWatch } from '../packets/dhcp-watch.js';
import { IcmpRedirectWatch } from '../packets/icmp-redirect-watch.js';
import { IpConflictWatch } from '../packets/ip-conflict-watch.js';
import { NdpWatch } from '../packets/ndp-watch.js';
import { packetDetectors } from '../packets/packet-evidence.js';
import { RouterAdvertWatch } from '../packets/router-advert-watch.js';
import { SynWatch } from '../packets/syn-watch.js';
import { TtlJumpWatch } from '../packets/ttl-jump-watch.js';
import { PingSweepWatch } from '../packets/ping-sweep-watch.js';
import { IcmpFloodWatch } from '../packets/icmp-flood-watch.js';
import { ArpScanWatch } from '../packets/arp-scan-watch.js';
import { StealthScanWatch } from '../packets/stealth-scan-watch.js';
import { FragmentWatch } from '../packets/fragment-watch.js';
import { MacFloodWatch } from '../packets/mac-flood-watch.js';
import { readCapture } from '../packets/read-capture.js';
import { ByteSource } from '../sources/byte-source.js';
import { readPackets } from '../testing/capture-writer.js';
import { makeReplayCapture } from './capture-bench.js';

function cpuSeconds(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** The first `count` packets of a capture, copied (reading stops keeping them there, not reading). */
async function firstPackets(file: string, count: number): Promise<{ data: Uint8Array; wireLen: number; tsMicros: number }[]> {
  const out: { data: Uint8Array; wireLen: number; tsMicros: number }[] = [];
  await readCapture(new ByteSource({ display: file, path: file }).chunks(), file, (p) => {
    if (out.length < count) out.push({ tsMicros: p.tsMicros, data: p.data.slice(p.offset, p.offset + p.capLen), wireLen: p.wireLen });
  });
  return out;
}

/** Each detector alone, as packetDetectors feeds it (same protocol tests), with default settings. */
function soloDetectors(): Record<string, () => { observe: (d: DecodedPacket) => void; done: () => void }> {
  const r = resolveRulesConfig({});
  const solo = <W extends { observe: (d: DecodedPacket) => void }>(make: () => W, accepts: (d: DecodedPacket) => boolean, done: (w: W) => void) => () => {
    const w = make();
    return { observe: (d: DecodedPacket) => void (accepts(d) && w.observe(d)), done: () => done(w) };
  };
  const tcp = (d: DecodedPacket): boolean => d.l3 !== L3_ARP && d.proto === PROTO_TCP;
  return {
    arp: solo(() => new ArpWatch(), (d) => d.l3 === L3_ARP || d.l3 === L3_IPV4, (w) => w.findings()),
    syn: solo(() => new SynWatch(r.synScan, r.synFlood, r.limits), tcp, (w) => w.findings()),
    ttl: solo(() => new TtlJumpWatch(r.ttlJump, r.limits), tcp, (w) => w.findings()),
    dup: solo(() => new IpConflictWatch(r.duplicateIp, r.limits), (d) => d.l3 === L3_IPV4, (w) => w.findings()),
    dhcp: solo(() => new DhcpWatch(r.dhcp, r.limits), (d) => d.l3 !== L3_ARP && d.proto === PROTO_UDP, (w) => w.findings()),
    icmp: solo(() => new IcmpRedirectWatch(r.icmpRedirect, r.limits), (d) => d.l3 !== L3_ARP && (d.proto === PROTO_ICMP || d.proto === PROTO_ICMPV6), (w) => w.findings()),
    ndp: solo(() => new NdpWatch(r.limits), (d) => d.l3 !== L3_ARP && d.proto === PROTO_ICMPV6, (w) => w.findings()),
    ra: solo(() => new RouterAdvertWatch(r.routerAdvert, r.limits), (d) => d.l3 !== L3_ARP && d.proto === PROTO_ICMPV6, (w) => w.findings()),
    ping: solo(() => new PingSweepWatch(r.pingSweep, r.limits), (d) => d.l3 !== L3_ARP && (d.proto === PROTO_ICMP || d.proto === PROTO_ICMPV6), (w) => w.findings()),
    pingFlood: solo(() => new IcmpFloodWatch(r.icmpFlood, r.limits), (d) => d.l3 !== L3_ARP && (d.proto === PROTO_ICMP || d.proto === PROTO_ICMPV6), (w) => w.findings()),
    arpScan: solo(() => new ArpScanWatch(r.arpScan, r.limits), (d) => d.l3 === L3_ARP || d.proto === PROTO_ICMPV6, (w) => w.findings()),
    stealth: solo(() => new StealthScanWatch(r.synScan, r.limits), tcp, (w) => w.findings()),
    fragments: solo(() => new FragmentWatch(r.fragments, r.limits), (d) => d.l3 !== L3_ARP && d.fragment !== 0, (w) => w.findings()),
    macFlood: solo(() => new MacFloodWatch(r.macFlood, r.limits), (d) => d.srcMacHi >= 0, (w) => w.findings()),
  };
}

export async function packetDetectorCost(shared: string, count = 300_000, opts: { each?: boolean; capture?: string } = {}): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'ns-pktdet-'));
  try {
    let raw: { data: Uint8Array; wireLen?: number; tsMicros: number }[];
    if (opts.capture) raw = await firstPackets(opts.capture, count);
    else {
      const pcaps = join(shared, 'pcaps');
      const sources = readdirSync(pcaps).filter((f) => f.endsWith('.pcapng')).sort().map((f) => join(pcaps, f));
      const file = join(dir, 'replay.pcap');
      await makeReplayCapture(sources, file, count, sources.filter((s) => s.endsWith('synscan.pcapng')));
      raw = (await readPackets(file)).slice(0, count);
    }
    const cps = raw.map((r) => ({ ...newCapturePacket(), data: r.data, capLen: r.data.length, wireLen: r.wireLen ?? r.data.length, tsMicros: r.tsMicros }));
    const d = new DecodedPacket();
    const decodeOnly = (): void => {
      for (const p of cps) decodePacket(p, d);
    };
    const arpOnly = (): void => {
      const a = new ArpWatch();
      for (const p of cps) if (decodePacket(p, d) === DECODE_OK) a.observe(d);
      a.findings();
    };
    let findings = 0;
    const all = (): void => {
      const det = packetDetectors({}, { warn: () => {} });
      for (const p of cps) if (decodePacket(p, d) === DECODE_OK) det.onPacket(d);
      void det.provider.finish([]).then((r) => (findings = r.findings?.length ?? 0));
    };
    const each = opts.each ? Object.entries(soloDetectors()) : [];
    const alone = (make: () => { observe: (d: DecodedPacket) => void; done: () => void }) => (): void => {
      const w = make();
      for (const p of cps) if (decodePacket(p, d) === DECODE_OK) w.observe(d);
      w.done();
    };
    // rounds of the three back to back, so a busy moment of the shared machine hits all three;
    // the median of each round's differences
    const rounds = Array.from({ length: 7 }, () => {
      const base = cpuSeconds(decodeOnly);
      const solo: Record<string, number> = {};
      for (const [name, make] of each) solo[name] = cpuSeconds(alone(make)) - base;
      return { base, arp: cpuSeconds(arpOnly) - base, all: cpuSeconds(all) - base, solo };
    });
    const median = (xs: number[]): number => xs.sort((x, y) => x - y)[xs.length >> 1];
    const decode = median(rounds.map((r) => r.base));
    const arp = median(rounds.map((r) => r.arp));
    const every = median(rounds.map((r) => r.all));
    await Promise.resolve();
    const ns = (s: number): number => Math.round((s / cps.length) * 1e9);
    const out: Record<string, number> = { packets: cps.length, findings, decode_ns_per_packet: ns(decode), arp_ns_per_packet: ns(arp), all_detectors_ns_per_packet: ns(every) };
    for (const [name] of each) out[`${name}_alone_ns_per_packet`] = ns(median(rounds.map((r) => r.solo[name])));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--capture');
  const capture = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const each = args.includes('--each');
  const [shared, n] = args.filter((a) => a !== '--each');
  packetDetectorCost(shared ?? '../shared', n ? Number(n) : undefined, { each, capture }).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e) => {
      process.stderr.write(`packet-detectors-bench: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
