/**
 * Duplicate IPv6 addresses, from neighbor advertisements (ICMPv6 type 136, RFC 4861): the IPv6
 * counterpart of arp-watch's `arp.ip-conflict`. One address advertised by two link-layer
 * addresses is a duplicate address or neighbor-advertisement spoofing (the NDP form of ARP
 * poisoning). The MAC is the advertisement's target link-layer option, else the frame's source.
 *  - `ndp.ip-conflict` (severity 2). The MAC that advertised the address first is taken for its
 *    owner; when exactly one other MAC advertised it later, that MAC is the suspect (parasite6
 *    answers every solicitation with its own MAC), named with its own address when it has one (the
 *    one IPv6 address it sent ICMPv6 from that no other MAC advertised, else its IPv4 address on the
 *    link), else with no source: before, the source was the address taken, the victim (often the
 *    gateway), for respond to ban.
 * Memory: at most `limits.maxGroupsPerRule` addresses, 8 MACs each (further ones counted).
 */
import type { Finding } from '../detect/finding.js';
import type { LimitsConfig } from '../detect/rules-config.js';
import { addressWordsText } from '../detect/ip-address.js';
import { L3_IPV6, macText, type DecodedPacket } from './decoded-packet.js';
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
  /** MAC → the unicast IPv6 addresses it sent ICMPv6 from (at most 8): its own, unless spoofed */
  private readonly sentFrom = new Map<string, string[]>();
  evictions = 0;

  /** the MAC and address of the last ICMPv6 sender noted (-1: none yet) */
  private lastMacHi = -1;
  private lastMacLo = -1;
  private readonly lastSrc = new Uint32Array(4);

  constructor(private readonly limits: LimitsConfig) {}

  /** a MAC's unicast IPv6 source address, kept (at most 8 per MAC) */
  private noteSender(d: DecodedPacket): void {
    const mac = macText(d.srcMacHi, d.srcMacLo);
    let from = this.sentFrom.get(mac);
    if (!from && this.sentFrom.size < this.limits.maxGroupsPerRule) this.sentFrom.set(mac, (from = []));
    if (from && from.length < 8) {
      const src = addressWordsText(d.src, 6);
      if (!from.includes(src)) from.push(src);
    }
    // remembered only once it was kept: a MAC refused by a full table is asked again, as before
    if (from) {
      this.lastMacHi = d.srcMacHi;
      this.lastMacLo = d.srcMacLo;
      this.lastSrc.set(d.src);
    }
  }

  observe(d: DecodedPacket): void {
    if (d.l3 === L3_IPV6 && d.srcMacHi >= 0 && d.src[0] !== 0 && d.src[0] >>> 24 !== 0xff) {
      const s = d.src;
      // hosts send ICMPv6 again and again from the same MAC and address: nothing new to note then
      const same = d.srcMacHi === this.lastMacHi && d.srcMacLo === this.lastMacLo && s[0] === this.lastSrc[0] && s[1] === this.lastSrc[1] && s[2] === this.lastSrc[2] && s[3] === this.lastSrc[3];
      if (!same) this.noteSender(d);
    }
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

  /** `ipv4Of`: a MAC's own IPv4 address on the link (arp-watch's view), when known */
  findings(ipv4Of: (mac: string) => string | undefined = () => undefined): Finding[] {
    const out: Finding[] = [];
    for (const [ip, list] of this.claims) {
      if (list.length < 2) continue;
      const macs = list.map((c) => c.mac);
      const byTime = [...list].sort((a, b) => a.first - b.first);
      const suspect = byTime.length === 2 && byTime[1].first > byTime[0].first ? byTime[1] : null;
      if (suspect) {
        const owner = byTime[0];
        const own = this.ownAddress(suspect.mac) ?? ipv4Of(suspect.mac) ?? null;
        const name = `${suspect.mac}${own === null ? '' : ` (${own}'s MAC)`}`;
        out.push({
          ruleId: 'ndp.ip-conflict',
          title: 'One IPv6 address advertised by several MACs',
          category: 'spoofing',
          severity: 2,
          srcIp: own,
          targets: { ips: [ip], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
          firstSeen: isoMicros(suspect.first),
          lastSeen: isoMicros(Math.max(...list.map((c) => c.last))),
          count: list.reduce((a, c) => a + c.count, 0),
          counted: ['advertisement', 'advertisements'],
          evidence: { macs, advertisements: list.map((c) => c.count), address: ip, ownerMac: owner.mac, spooferMac: suspect.mac, spooferIp: own },
          rows: [],
          reason:
            `${ip} was advertised by neighbor advertisements from ${thousands(list.length)} MACs (${macs.join(', ')}); ${name} sent ${thousands(suspect.count)} ${suspect.count === 1 ? 'advertisement' : 'advertisements'} of it, ` +
            `the first after ${owner.mac} had advertised it: NDP spoofing of ${ip} by ${own ?? suspect.mac} (the IPv6 form of ARP poisoning; parasite6 answers every solicitation so), or a duplicate address.`,
        });
        continue;
      }
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

  /** the one address `mac` sent ICMPv6 from that no other MAC advertised, or undefined */
  private ownAddress(mac: string): string | undefined {
    const others = [...this.sentFrom].filter(([m]) => m !== mac);
    const mine = (this.sentFrom.get(mac) ?? []).filter((a) => (this.claims.get(a) ?? []).every((c) => c.mac === mac) && !others.some(([, from]) => from.includes(a)));
    return mine.length === 1 ? mine[0] : undefined;
  }
}
