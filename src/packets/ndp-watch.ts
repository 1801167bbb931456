/**
 * Duplicate IPv6 addresses, from neighbor advertisements (ICMPv6 type 136, RFC 4861): the IPv6
 * counterpart of arp-watch's `arp.ip-conflict`. One address advertised by two link-layer
 * addresses is a duplicate address or neighbor-advertisement spoofing (the NDP form of ARP
 * poisoning). The MAC is the advertisement's target link-layer option, else the frame's source.
 *  - `ndp.ip-conflict` (severity 2).
 * Memory: at most `limits.maxGroupsPerRule` addresses, 8 MACs each (further ones counted).
 */
import type { Finding } from '../detect/finding.js';
import type { LimitsConfig } from '../detect/rules-config.js';
import { macText, type DecodedPacket } from './decoded-packet.js';
import { isoMicros } from './packet-finding.js';
import { neighborAdvertisement } from './packet-fields.js';
import { thousands } from '../util/thousands.js';

interface Claim {
  mac: string;
  first: number;
  last: number;
  count: number;
}

export class NdpWatch {
  private readonly claims = new Map<string, Claim[]>();
  evictions = 0;

  constructor(private readonly limits: LimitsConfig) {}

  observe(d: DecodedPacket): void {
    const na = neighborAdvertisement(d);
    if (!na) return;
    const mac = na.mac ?? (d.srcMacHi >= 0 ? macText(d.srcMacHi, d.srcMacLo) : null);
    if (mac === null) return;
    let list = this.claims.get(na.target);
    if (!list) {
      if (this.claims.size >= this.limits.maxGroupsPerRule) {
        this.evictions++;
        return;
      }
      this.claims.set(na.target, (list = []));
    }
    const known = list.find((c) => c.mac === mac);
    if (known) {
      known.last = d.tsMicros;
      known.count++;
    } else if (list.length < 8) list.push({ mac, first: d.tsMicros, last: d.tsMicros, count: 1 });
    else this.evictions++;
  }

  findings(): Finding[] {
    const out: Finding[] = [];
    for (const [ip, list] of this.claims) {
      if (list.length < 2) continue;
      const macs = list.map((c) => c.mac);
      out.push({
        ruleId: 'ndp.ip-conflict',
        title: 'One IPv6 address advertised by several MACs',
        category: 'spoofing',
        severity: 2,
        srcIp: ip,
        targets: { ips: [ip], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
        firstSeen: isoMicros(Math.min(...list.map((c) => c.first))),
        lastSeen: isoMicros(Math.max(...list.map((c) => c.last))),
        count: list.reduce((a, c) => a + c.count, 0),
        counted: ['advertisement', 'advertisements'],
        evidence: { macs, advertisements: list.map((c) => c.count) },
        rows: [],
        reason: `${ip} was advertised by neighbor advertisements from ${thousands(list.length)} MACs (${macs.join(', ')}): a duplicate address, or NDP spoofing (the IPv6 form of ARP poisoning).`,
      });
    }
    return out;
  }
}
