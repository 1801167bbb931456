/**
 * IP fragments no ordinary stack sends, one finding per source and kind:
 *
 * - `packet.tiny-fragment`: first fragments too small to hold their transport header (decoder.ts
 *   tinyFirstFragment). IPv4 links carry at least 68 bytes (RFC 791), so a first fragment holds a
 *   whole TCP header; IPv6 requires the whole header chain in the first fragment (RFC 7112). Cutting
 *   the header so that ports or flags arrive later is a way past filters and IDSs that match on them
 *   (RFC 1858; nmap -f, fragroute). The probes inside are judged as usual (fragment-headers.ts hands
 *   the detectors their flags).
 * - `packet.fragment-overlap`: fragments of one datagram whose byte ranges overlap with other
 *   bounds (an exact repeat, a retransmitted or duplicated fragment, is not one). The receiver's
 *   reassembly then picks which bytes win, and stacks pick differently: an IDS that reassembles one
 *   way is shown other bytes than the host gets (Ptacek and Newsham's evasion; fragroute's overlap
 *   modes); teardrop's overlaps crashed old stacks. RFC 5722 has IPv6 receivers drop such datagrams.
 * - `packet.oversized-datagram`: a fragment that ends past the largest datagram IP allows (65,535
 *   bytes with its IPv4 header; an IPv6 payload of 65,535): the "ping of death", which overflowed
 *   reassembly buffers.
 *
 * Overlaps need each datagram's fragments seen so far: a table of at most `limits.maxGroupsPerRule`
 * datagrams (the oldest dropped first, counted unless all its bytes had come; a datagram is forgotten
 * 60 s after its last fragment, as reassembly timers do, checked from the oldest), each with at most 64 byte ranges (past that, its later
 * fragments are not compared). Sources are bounded the same way. Ordinary traffic reaches this
 * watch only for its fragments, which are few.
 */
import type { Finding } from '../detect/finding.js';
import type { FragmentsConfig, LimitsConfig } from '../detect/rules-config.js';
import { addressTextMemo, FRAGMENT_FIRST, L3_IPV4, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, type DecodedPacket } from './decoded-packet.js';
import { CappedSet, findingTargets, isoMicros } from './packet-finding.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

const PROTO_NAMES: Readonly<Record<number, string>> = { [PROTO_TCP]: 'TCP', [PROTO_UDP]: 'UDP', [PROTO_ICMP]: 'ICMP', [PROTO_ICMPV6]: 'ICMPv6' };
/** a datagram's fragments are forgotten this long after its last one (Linux's ipfrag_time is 30 s) */
const DATAGRAM_IDLE_MICROS = 60e6;
/** byte ranges kept per datagram */
const MAX_RANGES = 64;

type Kind = 'tiny' | 'overlap' | 'oversized';

interface Tally {
  /** fragments of this kind */
  fragments: number;
  /** datagrams they belonged to (overlaps: datagrams with one) */
  datagrams: number;
  first: number;
  last: number;
  /** tiny: the smallest header part; oversized: the largest end (bytes) */
  extreme: number;
  protocols: Map<number, number>;
  hosts: CappedSet<string>;
  ports: CappedSet<number>;
}

interface Sender {
  ip: string;
  kinds: Partial<Record<Kind, Tally>>;
}

/** One datagram's fragments so far (a class: one shape for every datagram, no array for its identity). */
class Datagram {
  last: number;
  /** [start, end) of each fragment seen, flat */
  readonly ranges: number[] = [];
  overlapped = false;
  oversized = false;
  /** bytes of the distinct ranges, and where the last fragment (no more to follow) ends (-1: not seen) */
  bytes = 0;
  lastEnd = -1;
  // its identity: source and destination words, fragment id, protocol (IPv4; 0 for IPv6)
  private readonly s0: number;
  private readonly s1: number;
  private readonly s2: number;
  private readonly s3: number;
  private readonly d0: number;
  private readonly d1: number;
  private readonly d2: number;
  private readonly d3: number;
  private readonly fragId: number;

  constructor(
    readonly key: number,
    d: DecodedPacket,
    private readonly proto: number,
  ) {
    this.last = d.tsMicros;
    this.s0 = d.src[0];
    this.s1 = d.src[1];
    this.s2 = d.src[2];
    this.s3 = d.src[3];
    this.d0 = d.dst[0];
    this.d1 = d.dst[1];
    this.d2 = d.dst[2];
    this.d3 = d.dst[3];
    this.fragId = d.fragId;
  }

  /** whether `d` (of protocol `proto`, 0 for IPv6) is a fragment of this datagram */
  holds(d: DecodedPacket, proto: number): boolean {
    const s = d.src;
    const t = d.dst;
    return this.fragId === d.fragId && this.proto === proto && this.s3 === s[3] && this.d3 === t[3] && this.s0 === s[0] && this.s1 === s[1] && this.s2 === s[2] && this.d0 === t[0] && this.d1 === t[1] && this.d2 === t[2];
  }

  /** every byte of the datagram seen once: its ranges, none overlapping, add up to where its last fragment ends */
  complete(): boolean {
    return !this.overlapped && this.lastEnd >= 0 && this.bytes === this.lastEnd;
  }
}

const TITLES: Readonly<Record<Kind, string>> = {
  tiny: 'Tiny IP fragments (a transport header split across fragments)',
  overlap: 'Overlapping IP fragments',
  oversized: 'Oversized IP datagram in fragments (ping of death)',
};

export class FragmentWatch {
  private readonly senders = new Map<string, Sender>();
  /** by a 31-bit hash of their identity, in order of their first fragment */
  private readonly datagrams = new Map<number, Datagram>();
  private readonly closed: Finding[] = [];
  evictions = 0;

  constructor(
    private readonly cfg: FragmentsConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'maxTrackedDistinct' | 'sampleSize'>,
  ) {}

  /** A fragment (d.fragment is not FRAGMENT_NONE). */
  observe(d: DecodedPacket): void {
    const v4 = d.l3 === L3_IPV4;
    const start = d.fragment === FRAGMENT_FIRST ? 0 : d.fragOffset;
    const end = start + d.fragDataLen;
    // the largest datagram: 65,535 bytes with the IPv4 header; an IPv6 payload of 65,535 (no jumbograms in fragments)
    const oversized = end + (v4 ? d.ipHeaderLen : 0) > 65535;
    if (d.tinyFragment) this.count(d, 'tiny', d.l4HeaderLen, true);
    // (no text per fragment: a capture's ordinary fragments, a few in a hundred packets, all come here)
    const proto = v4 ? d.proto : 0;
    const src = d.src;
    const dst = d.dst;
    let h = Math.imul(src[3] ^ d.fragId, 0x9e3779b1) ^ Math.imul(dst[3] ^ proto, 0x85ebca6b);
    if (!v4) h ^= Math.imul(src[0] ^ src[1] ^ src[2], 0xc2b2ae35) ^ Math.imul(dst[0] ^ dst[1] ^ dst[2], 0x27d4eb2f);
    const key = (h ^ (h >>> 15)) & 0x3fffffff;
    let g = this.datagrams.get(key);
    // a datagram idle past the reassembly time, or another that hashes alike: this one starts afresh
    if (g && (d.tsMicros - g.last > DATAGRAM_IDLE_MICROS || !g.holds(d, proto))) {
      this.datagrams.delete(key);
      g = undefined;
    }
    if (!g) {
      if (d.tsMicros >= this.nextSweep) this.forgetIdle(d.tsMicros);
      if (this.datagrams.size >= this.limits.maxGroupsPerRule) {
        const old = this.datagrams.values().next().value as Datagram;
        this.datagrams.delete(old.key);
        // (a datagram whose fragments were all seen, without overlap, loses nothing)
        if (!old.complete()) this.evictions++;
      }
      g = new Datagram(key, d, proto);
      this.datagrams.set(key, g);
    }
    if (d.tsMicros > g.last) g.last = d.tsMicros;
    if (oversized) {
      this.count(d, 'oversized', end, !g.oversized);
      g.oversized = true;
    }
    const r = g.ranges;
    let overlaps = false;
    let repeat = false;
    for (let i = 0; i < r.length; i += 2) {
      if (r[i] === start && r[i + 1] === end) repeat = true;
      else if (start < r[i + 1] && r[i] < end) overlaps = true;
    }
    if (overlaps) {
      this.count(d, 'overlap', 0, !g.overlapped);
      g.overlapped = true;
    }
    if (!repeat && r.length < 2 * MAX_RANGES) {
      r.push(start, end);
      g.bytes += end - start;
    }
    if (!d.moreFragments) g.lastEnd = end;
  }

  /** when the idle datagrams are next looked for (once a second of capture time: a walk's start per new datagram was a third of this watch's time) */
  private nextSweep = -Infinity;

  private forgetIdle(now: number): void {
    this.nextSweep = now + 1e6;
    for (const g of this.datagrams.values()) {
      if (now - g.last <= DATAGRAM_IDLE_MICROS) break;
      this.datagrams.delete(g.key);
    }
  }

  /** one more fragment of `kind` from d's source (`newDatagram`: the first of its datagram to count) */
  private count(d: DecodedPacket, kind: Kind, value: number, newDatagram: boolean): void {
    const family = d.l3 === L3_IPV4 ? 4 : 6;
    const ip = addressTextMemo(d.src, family);
    let s = this.senders.get(ip);
    if (s) {
      this.senders.delete(ip);
      this.senders.set(ip, s);
    } else {
      if (this.senders.size >= this.limits.maxGroupsPerRule) {
        const old = this.senders.values().next().value as Sender;
        this.senders.delete(old.ip);
        this.closed.push(...this.findingsOf(old));
        this.evictions++;
      }
      s = { ip, kinds: {} };
      this.senders.set(ip, s);
    }
    let t = s.kinds[kind];
    if (!t) {
      const cap = this.limits.maxTrackedDistinct;
      const n = this.limits.sampleSize;
      t = s.kinds[kind] = { fragments: 0, datagrams: 0, first: d.tsMicros, last: d.tsMicros, extreme: kind === 'tiny' ? Infinity : 0, protocols: new Map(), hosts: new CappedSet(cap, n), ports: new CappedSet(cap, n) };
    }
    if (d.tsMicros > t.last) t.last = d.tsMicros;
    t.fragments++;
    if (newDatagram) t.datagrams++;
    if (kind === 'tiny' ? value < t.extreme : value > t.extreme) t.extreme = value;
    t.protocols.set(d.proto, (t.protocols.get(d.proto) ?? 0) + 1);
    t.hosts.add(addressTextMemo(d.dst, family));
    // ports when the packet holds them (a first fragment's first 4 bytes; a later one's are its flow's)
    if ((d.proto === PROTO_TCP || d.proto === PROTO_UDP) && d.fragment === FRAGMENT_FIRST && (d.payloadCaptured >= 4 || !d.tinyFragment)) t.ports.add(d.dstPort);
  }

  /** Every source's findings so far, sources closed early first (a live capture asks again and again). */
  findings(): Finding[] {
    const out = [...this.closed];
    for (const s of this.senders.values()) out.push(...this.findingsOf(s));
    return out;
  }

  private findingsOf(s: Sender): Finding[] {
    return (['tiny', 'overlap', 'oversized'] as const).filter((k) => s.kinds[k]).map((k) => this.finding(s.ip, k, s.kinds[k] as Tally));
  }

  private finding(ip: string, kind: Kind, t: Tally): Finding {
    const protocols = [...t.protocols].map(([p, n]) => `${thousands(n)} ${PROTO_NAMES[p] ?? `protocol ${p}`}`).join(', ');
    const hosts = t.hosts.size;
    const to =
      `to ${thousands(hosts)}${t.hosts.capped ? '+' : ''} ${plural(hosts, 'host')}` +
      (t.ports.size > 0 ? ` on ${thousands(t.ports.size)}${t.ports.capped ? '+' : ''} ${plural(t.ports.size, 'port')}` : '');
    const frags = `${thousands(t.fragments)} ${plural(t.fragments, 'fragment')}`;
    const datagrams = `${thousands(t.datagrams)} ${plural(t.datagrams, 'datagram')}`;
    const reason =
      kind === 'tiny'
        ? `${ip} sent ${thousands(t.fragments)} IP first ${plural(t.fragments, 'fragment')} too small to hold ${t.fragments === 1 ? 'its' : 'their'} transport header ` +
          `(${protocols}; the smallest held ${t.extreme} ${plural(t.extreme, 'byte')} of it) ${to}: no ordinary stack fragments so; ` +
          'splitting the header hides ports and flags from filters that match on them (RFC 1858; nmap -f, fragroute).'
        : kind === 'overlap'
          ? `${ip} sent ${frags} overlapping others of the same datagram with other bounds (${datagrams}; ${protocols}) ${to}: ` +
            'which bytes win is up to the receiver\'s reassembly, so an IDS can be shown other data than the host gets (fragroute), or an old stack crashed (teardrop).'
          : `${ip} sent ${frags} (${datagrams}; ${protocols}) ${to} ending past the largest IP datagram (up to byte ${thousands(t.extreme)}, more than 65,535): ` +
            'a "ping of death", which overflowed reassembly buffers.';
    return {
      ruleId: kind === 'tiny' ? 'packet.tiny-fragment' : kind === 'overlap' ? 'packet.fragment-overlap' : 'packet.oversized-datagram',
      title: TITLES[kind],
      category: kind === 'oversized' ? 'denial-of-service' : 'evasion',
      severity: this.cfg.severity,
      srcIp: ip,
      targets: findingTargets(t.hosts, t.ports.size > 0 ? t.ports : null),
      firstSeen: isoMicros(t.first),
      lastSeen: isoMicros(t.last),
      count: t.fragments,
      counted: ['fragment', 'fragments'],
      evidence: {
        fragments: t.fragments,
        datagrams: t.datagrams,
        ...(kind === 'tiny' ? { smallestHeaderBytes: t.extreme } : kind === 'oversized' ? { largestEndBytes: t.extreme } : {}),
        protocols: [...t.protocols.keys()].map((p) => PROTO_NAMES[p] ?? String(p)),
        hosts,
        ports: t.ports.size,
        durationSeconds: Math.round(t.last - t.first) / 1e6,
      },
      rows: [],
      reason,
    };
  }
}
