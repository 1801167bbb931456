/**
 * Rogue DHCP servers: a host answering DHCP (OFFER, ACK, NAK; DHCPv6 ADVERTISE, REPLY) hands its
 * clients their router and DNS servers, so a rogue one makes itself (or a friend) every victim's
 * gateway or resolver: a man in the middle without touching ARP. Servers are told apart by their
 * server identifier (option 54; DHCPv6 server DUID), else by source address (a relay agent
 * forwards a server's answer from its own address but keeps the identifier).
 *  - `dhcp.rogue-server` (severity `dhcp.severity`): with `dhcp.servers` set, any server whose
 *    source address or identifier is not in it.
 *  - `dhcp.second-server` (one severity lower): with no list, every server but the one on the link
 *    first (per address family): the first to answer DHCP, or to send IPv4 packets from its address
 *    (`onLinkSince`) if earlier; which one is yours only you can say, so the reason says how.
 * The evidence says what each offered (routers, DNS servers, addresses) and to how many clients.
 * The routers offered by servers not reported are the "known routers" of icmp-redirect-watch.ts.
 *
 * Memory: at most `limits.maxGroupsPerRule` servers (further ones counted in `evictions`).
 */
import type { Finding, Severity } from '../detect/finding.js';
import { addressWordsText } from '../detect/ip-address.js';
import type { DhcpConfig, LimitsConfig } from '../detect/rules-config.js';
import { L3_IPV4, macText, type DecodedPacket } from './decoded-packet.js';
import { addressMatcher, CappedSet, findingTargets, isoMicros } from './packet-finding.js';
import { dhcpServerMessage } from './packet-fields.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

interface Server {
  family: 4 | 6;
  key: string;
  serverId: string | null;
  addresses: CappedSet<string>;
  macs: CappedSet<string>;
  messages: Map<string, number>;
  first: number;
  last: number;
  routers: CappedSet<string>;
  dns: CappedSet<string>;
  offered: CappedSet<string>;
  clients: CappedSet<string>;
}

export class DhcpWatch {
  private readonly servers = new Map<string, Server>();
  private readonly allowed: (ip: string | null) => boolean;
  evictions = 0;
  private reported: Set<Server> | null = null;
  /**
   * when an IPv4 address first sent packets on the link (ip-conflict-watch's view), or undefined.
   * A rogue server answers at once (dnsmasq --no-ping, a DHCP starvation tool) while a real one
   * pings the address first (dnsmasq, ISC dhcpd: up to 3 s), so "the first to answer" was the rogue
   * one, and the real server, the gateway talking on the link all along, was reported instead
   */
  onLinkSince: (ip: string) => number | undefined = () => undefined;

  constructor(
    private readonly cfg: DhcpConfig,
    private readonly limits: LimitsConfig,
  ) {
    this.allowed = addressMatcher(cfg.servers);
  }

  observe(d: DecodedPacket): void {
    // a cheap port test first: this runs for every UDP packet
    if (d.srcPort !== 67 && d.srcPort !== 547) return;
    const m = dhcpServerMessage(d);
    if (!m) return;
    const src = addressWordsText(d.src, d.l3 === L3_IPV4 ? 4 : 6);
    const key = `${m.family} ${m.serverId ?? src}`;
    let s = this.servers.get(key);
    if (!s) {
      if (this.servers.size >= this.limits.maxGroupsPerRule) {
        this.evictions++;
        return;
      }
      const { maxTrackedDistinct: cap, sampleSize: n } = this.limits;
      s = { family: m.family, key, serverId: m.serverId, addresses: new CappedSet(8, 8), macs: new CappedSet(8, 8), messages: new Map(), first: d.tsMicros, last: d.tsMicros, routers: new CappedSet(64, n), dns: new CappedSet(64, n), offered: new CappedSet(cap, n), clients: new CappedSet(cap, n) };
      this.servers.set(key, s);
      // a new server may change which ones are reported (a live capture asks before the end)
      this.reported = null;
    }
    s.last = d.tsMicros;
    s.addresses.add(src);
    if (d.srcMacHi >= 0) s.macs.add(macText(d.srcMacHi, d.srcMacLo));
    s.messages.set(m.typeName, (s.messages.get(m.typeName) ?? 0) + 1);
    for (const r of m.routers) s.routers.add(r);
    for (const r of m.dns) s.dns.add(r);
    if (m.offered !== null && m.offered !== '0.0.0.0') s.offered.add(m.offered);
    if (d.dstMacHi >= 0) s.clients.add(macText(d.dstMacHi, d.dstMacLo));
    else s.clients.add(addressWordsText(d.dst, m.family));
  }

  private isAllowed(s: Server): boolean {
    return this.allowed(s.serverId) || s.addresses.sample.some((a) => this.allowed(a));
  }

  /** The servers reported: outside the list, or (no list) not the first of their family. */
  private rogue(): Set<Server> {
    if (this.reported) return this.reported;
    const out = new Set<Server>();
    const firstOf = new Map<number, Server>();
    const since = (s: Server): number => Math.min(s.first, ...s.addresses.sample.map((a) => this.onLinkSince(a) ?? Infinity));
    for (const s of this.servers.values()) {
      if (this.cfg.servers.length) {
        if (!this.isAllowed(s)) out.add(s);
        continue;
      }
      const was = firstOf.get(s.family);
      if (!was) firstOf.set(s.family, s);
      else if (since(s) < since(was)) {
        out.add(was);
        firstOf.set(s.family, s);
      } else out.add(s);
    }
    this.reported = out;
    return out;
  }

  /** Routers offered by the servers that are not reported (for the ICMP redirect detector). */
  trustedRouters(): Set<string> {
    const rogue = this.rogue();
    const out = new Set<string>();
    for (const s of this.servers.values()) if (!rogue.has(s)) for (const r of s.routers.sample) out.add(r);
    return out;
  }

  findings(): Finding[] {
    if (!this.cfg.enabled) return [];
    const rogue = this.rogue();
    const listed = this.cfg.servers.length > 0;
    const out: Finding[] = [];
    for (const s of rogue) {
      const ip = s.addresses.sample[0];
      const first = [...this.servers.values()].find((x) => x.family === s.family && !rogue.has(x));
      // evidence.messages keeps its form for JSON readers; the reason's counts have separators
      const messages = [...s.messages].map(([k, v]) => `${v} ${k}`).join(', ');
      const messagesText = [...s.messages].map(([k, v]) => `${thousands(v)} ${k}`).join(', ');
      const offers = `${s.routers.size ? `router ${s.routers.sample.join(', ')}` : 'no router'}, ${s.dns.size ? `DNS ${s.dns.sample.join(', ')}` : 'no DNS server'}`;
      const who = `${ip}${s.serverId && s.serverId !== ip ? ` (server id ${s.serverId})` : ''}${s.macs.size ? ` from ${s.macs.sample.join(', ')}` : ''}`;
      out.push({
        ruleId: listed ? 'dhcp.rogue-server' : 'dhcp.second-server',
        title: listed ? 'DHCP server that is not yours (rogue DHCP)' : 'A second DHCP server on the link',
        category: 'spoofing',
        severity: (listed ? this.cfg.severity : Math.min(4, this.cfg.severity + 1)) as Severity,
        srcIp: ip,
        targets: findingTargets(s.offered, null),
        firstSeen: isoMicros(s.first),
        lastSeen: isoMicros(s.last),
        count: [...s.messages.values()].reduce((a, b) => a + b, 0),
        counted: ['DHCP message', 'DHCP messages'],
        evidence: {
          family: s.family,
          serverId: s.serverId,
          addresses: [...s.addresses.sample],
          macs: [...s.macs.sample],
          messages,
          routers: [...s.routers.sample],
          dns: [...s.dns.sample],
          offeredAddresses: [...s.offered.sample],
          clients: s.clients.size,
          otherServer: first ? (first.addresses.sample[0] ?? null) : null,
          allowlist: [...this.cfg.servers],
        },
        rows: [],
        reason: listed
          ? `${who} answered DHCP (${messagesText}) offering ${offers} to ${thousands(s.clients.size)} ${plural(s.clients.size, 'client')}, but is not in rules.dhcp.servers (${this.cfg.servers.join(', ')}): a rogue DHCP server makes itself its victims' gateway or resolver.`
          : `${who} answered DHCP (${messagesText}) offering ${offers} to ${thousands(s.clients.size)} ${plural(s.clients.size, 'client')}, while ${first?.addresses.sample[0] ?? 'another server'} was there first${first && first.first > s.first ? ' (it answered DHCP later, but was on the link before)' : ''}: two DHCP servers on one link is a rogue server or a misconfiguration (list yours in rules.dhcp.servers).`,
      });
    }
    return out;
  }
}
