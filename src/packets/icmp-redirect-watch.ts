/**
 * ICMP redirects (IPv4 type 5, ICMPv6 type 137): a router telling a host "for that destination,
 * use this other gateway". Only the host's current router may say so; from anyone else it is how
 * a man in the middle reroutes a victim's traffic through itself (the gateway it names is often
 * the sender). Two findings per sender:
 *  - `packet.icmp-redirect` (severity `icmpRedirect.severity`): redirects from a host that is not a
 *    known router. Known routers: `icmpRedirect.routers`, routers offered by DHCP in the capture
 *    (dhcp-watch.ts, from servers it does not report), and senders of IPv6 router advertisements.
 *  - `packet.icmp-redirect-burst` (one severity lower): a known router sending more than
 *    `icmpRedirect.maxRedirects` within `icmpRedirect.windowSeconds` (a routing problem, or a
 *    spoofer using the router's address).
 * The evidence names who was redirected, for which destinations, to which gateways.
 *
 * Memory: at most `limits.maxGroupsPerRule` senders and router advertisers (further ones counted
 * in `evictions`), each with bounded samples.
 */
import type { Finding, Severity } from '../detect/finding.js';
import { addressWordsText } from '../detect/ip-address.js';
import type { IcmpRedirectConfig, LimitsConfig } from '../detect/rules-config.js';
import { L3_IPV4, macText, PROTO_ICMPV6, type DecodedPacket } from './decoded-packet.js';
import { addressMatcher, CappedSet, findingTargets, isoMicros } from './packet-finding.js';
import { ICMPV6_ROUTER_ADVERTISEMENT, redirectFields } from './packet-fields.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

interface Sender {
  ip: string;
  macs: CappedSet<string>;
  /** the same MACs as numbers (at most 8), to ask whose they are */
  macKeys: number[];
  count: number;
  first: number;
  last: number;
  /** times of the latest redirects, at most maxRedirects + 1, to test the window */
  recent: number[];
  burst: boolean;
  victims: CappedSet<string>;
  gateways: CappedSet<string>;
  destinations: CappedSet<string>;
  /** redirects naming the sender itself as the gateway */
  toItself: number;
  /** ICMPv6 redirects to a better router (target not the destination itself): the routers named */
  betterRouters: CappedSet<string>;
  /** ICMPv6 redirects whose hop limit is not 255 (RFC 4861 says drop them: they came from off-link) */
  offLink: number;
}

export class IcmpRedirectWatch {
  private readonly senders = new Map<string, Sender>();
  private readonly advertisers = new Set<string>();
  private readonly configured: (ip: string | null) => boolean;
  evictions = 0;

  constructor(
    private readonly cfg: IcmpRedirectConfig,
    private readonly limits: LimitsConfig,
  ) {
    this.configured = addressMatcher(cfg.routers);
  }

  observe(d: DecodedPacket): void {
    if (d.icmpType < 0 || d.fragment === 2) return;
    const family = d.l3 === L3_IPV4 ? 4 : 6;
    if (d.proto === PROTO_ICMPV6 && d.icmpType === ICMPV6_ROUTER_ADVERTISEMENT) {
      if (this.advertisers.size < this.limits.maxGroupsPerRule) this.advertisers.add(addressWordsText(d.src, 6));
      else this.evictions++;
      return;
    }
    const r = redirectFields(d);
    if (!r) return;
    const ip = addressWordsText(d.src, family);
    let s = this.senders.get(ip);
    if (!s) {
      if (this.senders.size >= this.limits.maxGroupsPerRule) {
        this.evictions++;
        return;
      }
      const { maxTrackedDistinct: cap, sampleSize: n } = this.limits;
      s = { ip, macs: new CappedSet(8, 8), macKeys: [], count: 0, first: d.tsMicros, last: d.tsMicros, recent: [], burst: false, victims: new CappedSet(cap, n), gateways: new CappedSet(cap, n), destinations: new CappedSet(cap, n), betterRouters: new CappedSet(8, 8), toItself: 0, offLink: 0 };
      this.senders.set(ip, s);
    }
    s.count++;
    s.last = d.tsMicros;
    if (d.srcMacHi >= 0) {
      s.macs.add(macText(d.srcMacHi, d.srcMacLo));
      const key = d.srcMacHi * 4294967296 + d.srcMacLo;
      if (s.macKeys.length < 8 && !s.macKeys.includes(key)) s.macKeys.push(key);
    }
    s.victims.add(addressWordsText(d.dst, family));
    if (r.gateway !== null) s.gateways.add(r.gateway);
    if (r.destination !== null) s.destinations.add(r.destination);
    if (r.gateway === ip) s.toItself++;
    if (family === 6 && r.gateway !== null && r.gateway !== r.destination) s.betterRouters.add(r.gateway);
    if (family === 6 && d.ttl !== 255) s.offLink++;
    s.recent.push(d.tsMicros);
    if (s.recent.length > this.cfg.maxRedirects + 1) s.recent.shift();
    if (s.recent.length > this.cfg.maxRedirects && d.tsMicros - s.recent[0] <= this.cfg.windowSeconds * 1e6) s.burst = true;
  }

  /**
   * `learnedRouters`: router addresses other detectors saw announced (DHCP option 3).
   * `ownAddressOf`: a MAC's own address on the link, when known (arp-watch's view: announced by ARP
   * or sent from, by no other MAC). A redirect whose MAC is another host's was sent under a borrowed
   * address, the classic spoofed "redirect from the gateway": it is reported whoever's address it
   * bears, with the MAC's owner as the source and the address borrowed among the targets. Before,
   * its source was the address borrowed (the gateway, for respond to ban), and under a router's
   * address known from DHCP it was not reported at all (only a burst of more than 10 was).
   */
  findings(learnedRouters: ReadonlySet<string> = new Set(), ownAddressOf: (mac: number) => string | undefined = () => undefined): Finding[] {
    const out: Finding[] = [];
    for (const s of this.senders.values()) {
      // IPv4 only: the MAC's own address is an IPv4 one (thc's redir6 forges the router's MAC too)
      const owners = s.ip.includes(':') ? [] : [...new Set(s.macKeys.map(ownAddressOf).filter((o): o is string => o !== undefined && o !== s.ip))];
      const spoofer = owners.length === 1 ? owners[0] : null;
      if (spoofer !== null) {
        out.push(this.spoofed(s, spoofer));
        continue;
      }
      const known = this.configured(s.ip) || learnedRouters.has(s.ip) || this.advertisers.has(s.ip);
      // an ICMPv6 redirect names either the destination itself (it is on-link) or a better router: a
      // router that never advertised itself is no router, whatever address the redirect bears
      // (thc's redir6 forges the real router's address and MAC; it was not reported, a known router's)
      const strangers = known ? s.betterRouters.sample.filter((g) => !this.advertisers.has(g) && !this.configured(g)) : [];
      if (strangers.length) {
        out.push(this.toStranger(s, strangers));
        continue;
      }
      if (known && !s.burst) continue;
      const severity = (known ? Math.min(4, this.cfg.severity + 1) : this.cfg.severity) as Severity;
      const knownText = this.cfg.routers.length || learnedRouters.size || this.advertisers.size
        ? `known routers: ${[...this.cfg.routers, ...learnedRouters, ...[...this.advertisers].slice(0, 4)].slice(0, 8).join(', ')}`
        : 'no router is configured (rules.icmpRedirect.routers) or was seen announced';
      const what =
        `${s.ip}${s.macs.size ? ` (${s.macs.sample.join(', ')})` : ''} sent ${thousands(s.count)} ICMP ${plural(s.count, 'redirect')} to ${s.victims.sample.join(', ')}` +
        `${s.destinations.size ? ` for ${s.destinations.sample.slice(0, 5).join(', ')}` : ''}` +
        `${s.gateways.size ? `, naming ${s.gateways.sample.slice(0, 5).join(', ')} as the gateway${s.toItself ? ' (itself)' : ''}` : ''}`;
      out.push(
        this.redirectFinding(s, {
          ruleId: known ? 'packet.icmp-redirect-burst' : 'packet.icmp-redirect',
          title: known ? 'Burst of ICMP redirects from a router' : 'ICMP redirect from a host that is not a known router',
          severity,
          srcIp: s.ip,
          impersonated: false,
          evidence: { gatewayIsSender: s.toItself, ipv6OffLink: s.offLink, knownRouter: known, maxRedirects: this.cfg.maxRedirects, windowSeconds: this.cfg.windowSeconds },
          reason: known
            ? `${what}: more than ${this.cfg.maxRedirects} within ${this.cfg.windowSeconds} s from a known router (a routing problem, or someone spoofing the router).`
            : `${what}, but it is not a known router (${knownText}): a redirect from another host is how a man in the middle reroutes traffic through itself.`,
        }),
      );
    }
    return out;
  }

  /**
   * The IPv4 addresses redirects were sent under from another host's MAC (see findings): reported
   * here, so ip-conflict-watch does not report them again as a duplicate of the address borrowed
   * (its source was that address: the gateway).
   */
  borrowedAddresses(ownAddressOf: (mac: number) => string | undefined): Set<string> {
    const out = new Set<string>();
    for (const s of this.senders.values()) {
      if (s.ip.includes(':')) continue;
      const owners = new Set(s.macKeys.map(ownAddressOf).filter((o): o is string => o !== undefined && o !== s.ip));
      if (owners.size === 1) out.add(s.ip);
    }
    return out;
  }

  /** `packet.icmp-redirect` for a known router's ICMPv6 redirects to `strangers`, routers that never advertised */
  private toStranger(s: Sender, strangers: string[]): Finding {
    const victims = [...s.victims.sample];
    // the traffic goes to the router named: that is the man in the middle (the sender's address is forged)
    const named = strangers.length === 1 ? strangers[0] : null;
    return this.redirectFinding(s, {
      ruleId: 'packet.icmp-redirect',
      title: 'ICMPv6 redirect to a router that never advertised itself',
      severity: this.cfg.severity,
      srcIp: named,
      impersonated: true,
      evidence: { notRouters: strangers, knownRouter: true, ipv6OffLink: s.offLink },
      reason:
        `${s.ip}${s.macs.size ? ` (${s.macs.sample.join(', ')})` : ''}, a known router, sent ${thousands(s.count)} ICMPv6 ${plural(s.count, 'redirect')} to ${victims.join(', ')}` +
        `${s.destinations.size ? ` for ${s.destinations.sample.slice(0, 5).join(', ')}` : ''}, naming ${strangers.join(', ')} as a better router, which never advertised itself as one: ` +
        `a forged redirect (thc's redir6 sends them under the router's address and MAC) diverting the traffic to ${named ?? 'those addresses'}.`,
    });
  }

  /** `packet.icmp-redirect` for redirects sent under `s.ip` from the MAC of `spoofer` (another host) */
  private spoofed(s: Sender, spoofer: string): Finding {
    return this.redirectFinding(s, {
      ruleId: 'packet.icmp-redirect',
      title: "ICMP redirect sent under another host's address",
      severity: this.cfg.severity,
      srcIp: spoofer,
      impersonated: true,
      evidence: { spoofedSender: s.ip, spooferIp: spoofer, gatewayIsSpoofer: s.gateways.sample.includes(spoofer), maxRedirects: this.cfg.maxRedirects, windowSeconds: this.cfg.windowSeconds },
      reason:
        `${thousands(s.count)} ICMP ${plural(s.count, 'redirect')} under ${s.ip}'s address came from ${s.macs.sample.join(', ')}, the MAC of ${spoofer}, to ${s.victims.sample.join(', ')}` +
        `${s.destinations.size ? ` for ${s.destinations.sample.slice(0, 5).join(', ')}` : ''}` +
        `${s.gateways.size ? `, naming ${s.gateways.sample.slice(0, 5).join(', ')} as the gateway${s.gateways.sample.includes(spoofer) ? ` (${spoofer} itself)` : ''}` : ''}` +
        `: a spoofed redirect, how a man in the middle reroutes traffic through itself.`,
    });
  }

  /**
   * What every redirect finding of sender `s` holds: its redirects, MACs, victims, destinations and
   * gateways, and `evidence` after them; `impersonated`: the address the redirects bore is a target
   * too (their sender was someone else), beside the hosts redirected.
   */
  private redirectFinding(
    s: Sender,
    f: Pick<Finding, 'ruleId' | 'title' | 'severity' | 'srcIp' | 'reason'> & { readonly impersonated: boolean; readonly evidence: Record<string, unknown> },
  ): Finding {
    const victims = [...s.victims.sample];
    return {
      ruleId: f.ruleId,
      title: f.title,
      category: 'spoofing',
      severity: f.severity,
      srcIp: f.srcIp,
      targets: f.impersonated ? { ips: [...victims, s.ip], ipCount: s.victims.size + 1, ports: [], portCount: 0, countsCapped: s.victims.size > victims.length } : findingTargets(s.victims, null),
      firstSeen: isoMicros(s.first),
      lastSeen: isoMicros(s.last),
      count: s.count,
      counted: ['ICMP redirect', 'ICMP redirects'],
      evidence: { redirects: s.count, senderMacs: [...s.macs.sample], redirected: victims, destinations: [...s.destinations.sample], gateways: [...s.gateways.sample], ...f.evidence },
      rows: [],
      reason: f.reason,
    };
  }
}
