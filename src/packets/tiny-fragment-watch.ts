/**
 * Tiny fragments (`packet.tiny-fragment`): IP first fragments too small to hold their transport
 * header (decoder.ts tinyFirstFragment). No ordinary stack sends one: IPv4 fragments at a link's
 * MTU, at least 68 bytes by RFC 791, and a first fragment then carries the whole TCP header; IPv6
 * requires the whole header chain in the first fragment (RFC 7112). Cutting the header so that the
 * ports or flags arrive in a later fragment is a way past filters and IDSs that match on them
 * (RFC 1858; nmap -f, fragroute), so one such fragment is worth a finding: one per source, with its
 * count, targets and protocols. The probes themselves are judged as usual (a fragmented SYN scan is
 * still a SYN scan: fragment-headers.ts hands the detectors the flags).
 *
 * Memory: at most `limits.maxGroupsPerRule` sources (the least recently active closed early and
 * counted), `limits.maxTrackedDistinct` targets per source. Ordinary traffic never reaches the table.
 */
import type { Finding } from '../detect/finding.js';
import type { LimitsConfig, TinyFragmentConfig } from '../detect/rules-config.js';
import { addressTextMemo, L3_IPV4, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, type DecodedPacket } from './decoded-packet.js';
import { CappedSet, findingTargets, isoMicros } from './packet-finding.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

const PROTO_NAMES: Readonly<Record<number, string>> = { [PROTO_TCP]: 'TCP', [PROTO_UDP]: 'UDP', [PROTO_ICMP]: 'ICMP', [PROTO_ICMPV6]: 'ICMPv6' };

interface Sender {
  ip: string;
  first: number;
  last: number;
  fragments: number;
  /** the smallest first fragment's transport bytes */
  smallest: number;
  protocols: Map<number, number>;
  hosts: CappedSet<string>;
  ports: CappedSet<number>;
}

export class TinyFragmentWatch {
  private readonly senders = new Map<string, Sender>();
  private readonly closed: Finding[] = [];
  evictions = 0;

  constructor(
    private readonly cfg: TinyFragmentConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'maxTrackedDistinct' | 'sampleSize'>,
  ) {}

  observe(d: DecodedPacket): void {
    if (!d.tinyFragment) return;
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
        this.closed.push(this.finding(old));
        this.evictions++;
      }
      const cap = this.limits.maxTrackedDistinct;
      const n = this.limits.sampleSize;
      s = { ip, first: d.tsMicros, last: d.tsMicros, fragments: 0, smallest: Infinity, protocols: new Map(), hosts: new CappedSet(cap, n), ports: new CappedSet(cap, n) };
      this.senders.set(ip, s);
    }
    if (d.tsMicros > s.last) s.last = d.tsMicros;
    s.fragments++;
    if (d.l4HeaderLen < s.smallest) s.smallest = d.l4HeaderLen;
    s.protocols.set(d.proto, (s.protocols.get(d.proto) ?? 0) + 1);
    s.hosts.add(addressTextMemo(d.dst, family));
    // ports when the fragment held them (TCP, UDP: its first 4 bytes)
    if ((d.proto === PROTO_TCP || d.proto === PROTO_UDP) && d.payloadCaptured >= 4) s.ports.add(d.dstPort);
  }

  /** One finding per source so far, sources closed early first (a live capture asks again and again). */
  findings(): Finding[] {
    return [...this.closed, ...[...this.senders.values()].map((s) => this.finding(s))];
  }

  private finding(s: Sender): Finding {
    const protocols = [...s.protocols].map(([p, n]) => `${thousands(n)} ${PROTO_NAMES[p] ?? `protocol ${p}`}`).join(', ');
    const hosts = s.hosts.size;
    const plusHosts = s.hosts.capped ? '+' : '';
    return {
      ruleId: 'packet.tiny-fragment',
      title: 'Tiny IP fragments (a transport header split across fragments)',
      category: 'evasion',
      severity: this.cfg.severity,
      srcIp: s.ip,
      targets: findingTargets(s.hosts, s.ports.size > 0 ? s.ports : null),
      firstSeen: isoMicros(s.first),
      lastSeen: isoMicros(s.last),
      count: s.fragments,
      counted: ['fragment', 'fragments'],
      evidence: {
        fragments: s.fragments,
        smallestHeaderBytes: s.smallest,
        protocols: [...s.protocols.keys()].map((p) => PROTO_NAMES[p] ?? String(p)),
        hosts,
        ports: s.ports.size,
        durationSeconds: Math.round(s.last - s.first) / 1e6,
      },
      rows: [],
      reason:
        `${s.ip} sent ${thousands(s.fragments)} IP first ${plural(s.fragments, 'fragment')} too small to hold ${s.fragments === 1 ? 'its' : 'their'} transport header ` +
        `(${protocols}; the smallest held ${s.smallest} ${plural(s.smallest, 'byte')} of it) to ${thousands(hosts)}${plusHosts} ${plural(hosts, 'host')}` +
        (s.ports.size > 0 ? ` on ${thousands(s.ports.size)}${s.ports.capped ? '+' : ''} ${plural(s.ports.size, 'port')}` : '') +
        `: no ordinary stack fragments so; splitting the header hides ports and flags from filters that match on them (RFC 1858; nmap -f, fragroute).`,
    };
  }
}
