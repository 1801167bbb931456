/**
 * Host discovery on the link by ARP (`arp.scan`): one sender asking by ARP for the MACs of more than
 * `arpScan.hosts` distinct addresses that never answer, with no gap longer than
 * `arpScan.windowSeconds` between its requests. A ping sweep of the local subnet (`nmap -sn`, a
 * script pinging every address, arp-scan) looks like this on the wire: an address no machine holds
 * gets no ICMP packet at all, the kernel only asks for its MAC, three times, and gives up; so the
 * flows show just the few hosts that answered, and the flow rules (which need many hosts) see no sweep.
 *
 * IPv6 is the same with neighbor solicitations (ICMPv6 135) and advertisements (136): `ndp.scan`,
 * under the same settings (a sweep of an on-link IPv6 prefix sends only solicitations for silent
 * addresses; those from :: are duplicate address detection and are left out).
 *
 * Ordinary ARP raises nothing: a host asks for its gateway and a few peers, and they answer; a
 * router asks for many hosts, and they answer too. A reply counts for the requester it is sent to.
 * A capture that sees only broadcasts (a switch's access port, not the requester's own link or a
 * mirror) misses the replies, so a busy router's requests there look unanswered: raise `hosts`.
 *
 * Memory: at most `limits.maxGroupsPerRule` senders (the least recently active dropped, counted), and
 * at most `limits.maxTrackedDistinct` addresses per sender episode (counts beyond are lower bounds).
 */
import type { Finding } from '../detect/finding.js';
import type { ArpScanConfig, LimitsConfig } from '../detect/rules-config.js';
import { addressText, L3_ARP, L3_IPV6, macText, PROTO_ICMPV6, type DecodedPacket } from './decoded-packet.js';
import { neighborSolicitationTarget, neighborAdvertisement } from './packet-fields.js';
import { thousands } from '../util/thousands.js';
import { askedAddresses, askedCount, UnansweredRequests } from './unanswered-requests.js';

const ipText = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
const iso = (us: number): string => new Date(us / 1000).toISOString();

export class ArpScanWatch {
  private readonly requests: UnansweredRequests<{ readonly v6: boolean; readonly mac: string }>;

  constructor(
    private readonly cfg: ArpScanConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'maxTrackedDistinct' | 'sampleSize'>,
  ) {
    this.requests = new UnansweredRequests(cfg, limits);
  }

  /** episodes closed early because too many senders were open at once */
  get evictions(): number {
    return this.requests.evictions;
  }

  /** ARP requests and replies; and ICMPv6 neighbor solicitations and advertisements */
  observe(d: DecodedPacket): void {
    if (d.l3 === L3_ARP) {
      const sender = d.arpSenderIp;
      const target = d.arpTargetIp;
      // a reply from `sender` to the requester `target`: the requester's question was answered
      if (d.arpOp === 2) return this.answer(ipText(target), ipText(sender));
      // an address probe (sender 0.0.0.0) or a gratuitous request (asking for itself) discovers nothing
      if (d.arpOp !== 1 || sender === 0 || target === sender) return;
      this.ask(false, ipText(sender), macText(d.arpSenderMacHi, d.arpSenderMacLo), ipText(target), d.tsMicros);
      return;
    }
    if (d.l3 !== L3_IPV6 || d.proto !== PROTO_ICMPV6) return;
    if (d.icmpType === 136) {
      const na = neighborAdvertisement(d);
      if (na) this.answer(addressText(d.dst, 6), na.target);
      return;
    }
    if (d.icmpType !== 135) return;
    const target = neighborSolicitationTarget(d);
    const src = d.src;
    // from :: : duplicate address detection, nobody asking for anyone
    if (target === null || (src[0] | src[1] | src[2] | src[3]) === 0) return;
    const sender = addressText(src, 6);
    if (target === sender) return;
    this.ask(true, sender, d.srcMacHi >= 0 ? macText(d.srcMacHi, d.srcMacLo) : 'no MAC', target, d.tsMicros);
  }

  private answer(requester: string, from: string): void {
    this.requests.answer(requester, from);
  }

  private ask(v6: boolean, sender: string, mac: string, target: string, ts: number): void {
    this.requests.ask(sender, target, ts, () => ({ v6, mac }));
  }

  /** Every sender whose unanswered requests crossed the threshold, closed episodes first. */
  findings(): Finding[] {
    const out: Finding[] = [];
    for (const ep of this.requests.crossed()) {
      const { v6, mac } = ep.extra;
      const asked = askedAddresses(ep);
      const unanswered = askedCount(ep) - ep.answered;
      const sample = asked.slice(0, this.limits.sampleSize);
      const span = (ep.last - ep.first) / 1e6;
      const plus = ep.capped ? '+' : '';
      out.push({
        ruleId: v6 ? 'ndp.scan' : 'arp.scan',
        title: v6 ? 'Neighbor discovery scan (host discovery on the link)' : 'ARP scan (host discovery on the link)',
        category: 'reconnaissance',
        severity: this.cfg.severity,
        srcIp: ep.sender,
        targets: { ips: sample, ipCount: askedCount(ep), ports: [], portCount: 0, countsCapped: ep.capped },
        firstSeen: iso(ep.first),
        lastSeen: iso(ep.last),
        count: ep.requests,
        counted: v6 ? ['neighbor solicitation', 'neighbor solicitations'] : ['ARP request', 'ARP requests'],
        evidence: {
          mac: mac,
          addressesAsked: askedCount(ep),
          answered: ep.answered,
          unanswered,
          requests: ep.requests,
          threshold: this.cfg.hosts,
          windowSeconds: this.cfg.windowSeconds,
          durationSeconds: Math.round(span * 1000) / 1000,
          addressesSample: sample,
        },
        rows: [],
        reason:
          `${ep.sender} (${mac}) asked by ${v6 ? 'neighbor solicitation' : 'ARP'} for ${thousands(askedCount(ep))}${plus} addresses on its link in ${span.toFixed(1)} s, ` +
          `${thousands(unanswered)}${plus} of which never answered (${thousands(ep.answered)} did): host discovery, as a ping or ARP sweep of the subnet makes it ` +
          `(more than ${this.cfg.hosts} unanswered, no gap over ${this.cfg.windowSeconds} s).`,
      });
    }
    return out;
  }
}
