/**
 * IP protocol scans (`packet.protocol-scan`): one source sending packets of more than
 * `protocolScan.protocols` distinct IP protocols other than TCP, UDP, ICMP and ICMPv6 to one host,
 * no gap longer than `protocolScan.windowSeconds` between them. nmap -sO sends one packet per
 * protocol number and reads which the host supports from the "protocol unreachable" answers
 * (ICMP type 3 code 2; ICMPv6 parameter problem, unrecognized next header), which are counted as
 * evidence. Neither the port rules (these packets have no ports) nor any other watch saw it: the
 * scan raised nothing.
 *
 * Ordinary hosts speak few such protocols to one another (GRE, ESP and AH for a tunnel, IGMP, OSPF,
 * VRRP, PIM, SCTP), so the threshold sits above what one pair of them uses. Only packets of those
 * protocols reach this watch (packet-evidence.ts dispatches by protocol), so it costs ordinary
 * traffic nothing.
 *
 * Memory: at most `limits.maxGroupsPerRule` (source, host) pairs (the least recently active closed
 * early and counted); a pair's protocols are a 256-bit set.
 */
import type { Finding } from '../detect/finding.js';
import type { LimitsConfig, ProtocolScanConfig } from '../detect/rules-config.js';
import { addressTextMemo, L3_IPV4, type DecodedPacket } from './decoded-packet.js';
import { isoMicros } from './packet-finding.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

interface Pair {
  key: string;
  src: string;
  dst: string;
  first: number;
  last: number;
  packets: number;
  /** the protocols seen, one bit each */
  readonly seen: Uint32Array;
  /** in order of first appearance */
  readonly protocols: number[];
  unreachable: number;
}

export class ProtocolScanWatch {
  private readonly pairs = new Map<string, Pair>();
  private readonly closed: Finding[] = [];
  evictions = 0;

  constructor(
    private readonly cfg: ProtocolScanConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'sampleSize'>,
  ) {}

  /** A packet of a protocol other than TCP, UDP, ICMP and ICMPv6. */
  observe(d: DecodedPacket): void {
    const family = d.l3 === L3_IPV4 ? 4 : 6;
    const src = addressTextMemo(d.src, family);
    const dst = addressTextMemo(d.dst, family);
    const key = `${src} ${dst}`;
    let p = this.pairs.get(key);
    if (p && d.tsMicros - p.last > this.cfg.windowSeconds * 1e6) {
      this.close(p);
      p = undefined;
    }
    if (p) {
      this.pairs.delete(key);
      this.pairs.set(key, p);
    } else {
      if (this.pairs.size >= this.limits.maxGroupsPerRule) {
        this.close(this.pairs.values().next().value as Pair);
        this.evictions++;
      }
      p = { key, src, dst, first: d.tsMicros, last: d.tsMicros, packets: 0, seen: new Uint32Array(8), protocols: [], unreachable: 0 };
      this.pairs.set(key, p);
    }
    if (d.tsMicros > p.last) p.last = d.tsMicros;
    p.packets++;
    const proto = d.proto & 255;
    const bit = 1 << (proto & 31);
    if ((p.seen[proto >>> 5] & bit) === 0) {
      p.seen[proto >>> 5] |= bit;
      p.protocols.push(proto);
    }
  }

  /** An ICMP "protocol unreachable" (or ICMPv6 "unrecognized next header") from `d.src` to `d.dst`. */
  unreachable(d: DecodedPacket): void {
    if (this.pairs.size === 0) return;
    const family = d.l3 === L3_IPV4 ? 4 : 6;
    const p = this.pairs.get(`${addressTextMemo(d.dst, family)} ${addressTextMemo(d.src, family)}`);
    if (p) p.unreachable++;
  }

  private close(p: Pair): void {
    this.pairs.delete(p.key);
    if (p.protocols.length > this.cfg.protocols) this.closed.push(this.finding(p));
  }

  /** Every pair over the threshold so far, closed episodes first (a live capture asks again and again). */
  findings(): Finding[] {
    const out = [...this.closed];
    for (const p of this.pairs.values()) if (p.protocols.length > this.cfg.protocols) out.push(this.finding(p));
    return out;
  }

  private finding(p: Pair): Finding {
    const n = p.protocols.length;
    const span = (p.last - p.first) / 1e6;
    const sample = p.protocols.slice(0, this.limits.sampleSize);
    const answered = p.unreachable > 0 ? `; it answered "protocol unreachable" ${thousands(p.unreachable)} ${plural(p.unreachable, 'time')}` : '';
    return {
      ruleId: 'packet.protocol-scan',
      title: 'IP protocol scan',
      category: 'reconnaissance',
      severity: this.cfg.severity,
      srcIp: p.src,
      targets: { ips: [p.dst], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
      firstSeen: isoMicros(p.first),
      lastSeen: isoMicros(p.last),
      count: p.packets,
      counted: ['packet', 'packets'],
      evidence: {
        protocols: n,
        protocolsSample: sample,
        packets: p.packets,
        unreachable: p.unreachable,
        threshold: this.cfg.protocols,
        windowSeconds: this.cfg.windowSeconds,
        durationSeconds: Math.round(span * 1000) / 1000,
      },
      rows: [],
      reason:
        `${p.src} sent packets of ${thousands(n)} IP protocols other than TCP, UDP and ICMP (${sample.join(', ')}${n > sample.length ? ', ...' : ''}) ` +
        `to ${p.dst} in ${span.toFixed(1)} s${answered}: an IP protocol scan (nmap -sO), finding which protocols the host speaks ` +
        `(more than ${thousands(this.cfg.protocols)}).`,
    };
  }
}
