/**
 * ARP spoofing and cache poisoning, seen from packets (flows cannot show it: ARP makes no flow).
 * Three signs, each a finding in the Finding type the rules use:
 *  - `arp.gateway-poisoning` (severity 1): the MAC that carries the traffic of off-link (public)
 *    addresses, i.e. the router as this link sees it, changes to a MAC that announced itself by ARP
 *    for an address: traffic to the Internet now goes through a host that claims someone else's
 *    address (a man in the middle). The claimed address is reported as the gateway's.
 *  - `arp.mac-many-ips` (severity 2): one MAC announces itself by ARP for several IPv4 addresses,
 *    one of which another MAC also uses, or while the off-link traffic moved to it (a host's own
 *    secondary addresses are not reported).
 *  - `arp.ip-conflict` (severity 2): one IPv4 address announced by two MACs (a spoofed answer, or
 *    a duplicate address). When exactly one of those MACs also announced an address of its own,
 *    the finding's source is that address (the spoofer), not the address taken.
 * A fourth sign serves the first and third when the capture began after the poisoning (no change of
 * router, the real owner silent): a MAC that announced itself as X and later asks by ARP for X's MAC
 * from another address of its own does not hold X (a relaying man in the middle must learn the real
 * MAC, and asks again as its cache entry expires): gateway poisoning when that MAC carries the
 * Internet traffic, else an ip-conflict of X naming it.
 * Gratuitous ARP on its own, ordinary requests and replies, and a router that never changes raise
 * nothing. Memory is bounded: at most `maxEntries` addresses and MACs are tracked.
 */
import type { Finding } from '../detect/finding.js';
import { L3_ARP, L3_IPV4, macText, type DecodedPacket } from './decoded-packet.js';
import { thousands } from '../util/thousands.js';

interface Claim {
  mac: number;
  first: number;
  last: number;
  /** the target addresses of its ARP packets (at most 8): the hosts whose caches it wrote to */
  told: number[];
}

const isPrivate = (a: number): boolean => {
  const b0 = a >>> 24;
  const b1 = (a >>> 16) & 255;
  return b0 === 10 || b0 === 127 || b0 === 0 || b0 >= 224 || (b0 === 172 && b1 >= 16 && b1 < 32) || (b0 === 192 && b1 === 168) || (b0 === 169 && b1 === 254) || (b0 === 100 && b1 >= 64 && b1 < 128);
};
const ipText = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
const macKey = (hi: number, lo: number): number => hi * 4294967296 + lo;
const macOf = (k: number): string => macText(Math.floor(k / 4294967296), k % 4294967296);
const iso = (us: number): string => new Date(us / 1000).toISOString();

export class ArpWatch {
  /** IPv4 → MACs that announced it (in order) */
  private readonly claims = new Map<number, Claim[]>();
  /** MAC → IPv4 addresses it announced */
  private readonly byMac = new Map<number, number[]>();
  /**
   * the MAC carrying off-link traffic now (-1: none yet), and every change of it. In a typed array,
   * not a field: a capture with several routers changes it on most public-address packets, and a
   * 48-bit number stored into a field was a new heap number each time.
   */
  private readonly router = new Float64Array([-1]);
  /** each change of it (the first MAC seen too, from -1), with the source address of the packet that made it */
  private readonly routerChanges: { from: number; to: number; at: number; src: number }[] = [];
  private arpPackets = 0;
  /**
   * the gateway address each MAC was found poisoning (the last `findings`): never that MAC's own
   * address. arpspoof -r announces the gateway's address and the victim's, and a gateway that never
   * sends from its own address in the capture left the gateway's as the spoofer's "own" address
   */
  private readonly gatewayOf = new Map<number, number>();
  /**
   * MAC → the addresses it asked for by ARP (who-has X, from another address of its own) after it
   * had announced itself as X: it does not hold X. A man in the middle must learn the real MAC of
   * what it poisons to relay its traffic, and its kernel asks again whenever that entry expires;
   * so a capture started after the poisoning (the poisoner's claims long made, the real gateway
   * never seen) still shows it. At most `maxEntries` MACs, 8 addresses each.
   */
  private readonly askedAfterClaim = new Map<number, { target: number; from: number; at: number }[]>();

  constructor(private readonly maxEntries = 65536) {}

  observe(d: DecodedPacket): void {
    if (d.l3 === L3_ARP) {
      if (d.arpOp !== 1 && d.arpOp !== 2) return;
      this.arpPackets++;
      const ip = d.arpSenderIp;
      if (ip === 0) return; // an address probe claims nothing
      const mac = macKey(d.arpSenderMacHi, d.arpSenderMacLo);
      if (d.arpOp === 1) this.noteAsk(mac, ip, d.arpTargetIp, d.tsMicros);
      let list = this.claims.get(ip);
      if (!list) {
        if (this.claims.size >= this.maxEntries) return;
        this.claims.set(ip, (list = []));
      }
      let claim = list.find((c) => c.mac === mac);
      if (claim) claim.last = d.tsMicros;
      else if (list.length < 8) list.push((claim = { mac, first: d.tsMicros, last: d.tsMicros, told: [] }));
      const to = d.arpTargetIp;
      if (claim && to !== 0 && to !== ip && claim.told.length < 8 && !claim.told.includes(to)) claim.told.push(to);
      let ips = this.byMac.get(mac);
      if (!ips) {
        if (this.byMac.size >= this.maxEntries) return;
        this.byMac.set(mac, (ips = []));
      }
      if (!ips.includes(ip) && ips.length < 64) ips.push(ip);
      return;
    }
    if (d.l3 === L3_IPV4 && d.srcMacHi >= 0 && !isPrivate(d.src[3])) {
      const mac = macKey(d.srcMacHi, d.srcMacLo);
      const router = this.router[0];
      if (mac === router) return;
      const src = d.src[3];
      // a host on this link sending from its own public address (announced by ARP from this MAC)
      // is not the router: two such hosts talking, or the capturing host's own packets, made every
      // turn of their conversation a "router change", reported as gateway poisoning (severity 1)
      if (this.claims.get(src)?.some((c) => c.mac === mac)) return;
      if (this.routerChanges.length < 64) this.routerChanges.push({ from: router, to: mac, at: d.tsMicros, src });
      this.router[0] = mac;
    }
  }

  /** A request from `mac` (sender address `from`) for `target`'s MAC: kept when `mac` announced itself as `target` before. */
  private noteAsk(mac: number, from: number, target: number, at: number): void {
    if (target === 0 || target === from) return;
    if (!this.claims.get(target)?.some((c) => c.mac === mac && c.first < at)) return;
    let asks = this.askedAfterClaim.get(mac);
    if (!asks) {
      if (this.askedAfterClaim.size >= this.maxEntries) return;
      this.askedAfterClaim.set(mac, (asks = []));
    }
    if (asks.length < 8 && !asks.some((a) => a.target === target)) asks.push({ target, from, at });
  }

  /** The request `mac` made for `ip`'s MAC after announcing itself as `ip`, if it did. */
  private askedFor(mac: number, ip: number): { target: number; from: number; at: number } | undefined {
    return this.askedAfterClaim.get(mac)?.find((a) => a.target === ip);
  }

  /** Whether `ip` (IPv4 as a number) was announced by ARP from several MACs (an `arp.ip-conflict`). */
  conflicted(ip: number): boolean {
    return (this.claims.get(ip)?.length ?? 0) >= 2;
  }

  /**
   * `traffic`, when given (ip-conflict-watch's view of IPv4 packets on the link): who sent from an
   * address, and from which addresses a MAC sent. An address announced by ARP from one MAC only is
   * still a conflict when another MAC keeps sending the address's packets after the announcement and
   * the announcing MAC is a host with an address of its own: an attacker's unsolicited replies
   * ("10.0.0.1 is-at ME") while the real 10.0.0.1, which never had to ARP in the capture, goes on
   * talking. Before, that took a second ARP claimant, and a poisoning of a host on the link (no
   * Internet traffic to show a router change) raised nothing.
   */
  findings(traffic?: LinkTraffic): Finding[] {
    const out: Finding[] = [];
    const targets = (ips: string[]) => ({ ips, ipCount: ips.length, ports: [], portCount: 0, countsCapped: false });
    const reported = new Set<number>();
    // the gateway address each poisoning MAC was reported for (not its own address, for every finding below)
    const gatewayOf = this.gatewayOf;
    gatewayOf.clear();
    // the router as it changed, leaving out packets a host sent from its own address (its ARP may
    // come after its first packets): those were no change of router
    const changes: { from: number; to: number; at: number }[] = [];
    let prev = -1;
    // the router before any change: the traffic coming back through it is the poisoning ending
    // (ettercap and arpspoof re-ARP the real MACs when they stop), not a poisoning by the router
    let initial = -1;
    for (const ev of this.routerChanges) {
      if (this.claims.get(ev.src)?.some((c) => c.mac === ev.to)) continue;
      if (initial < 0) initial = ev.to;
      if (prev >= 0 && ev.to !== prev) changes.push({ from: prev, to: ev.to, at: ev.at });
      prev = ev.to;
    }
    for (const ch of changes) {
      const claimed = this.byMac.get(ch.to);
      if (!claimed || reported.has(ch.to) || ch.to === initial) continue;
      // the gateway's address: the one it claimed that the router it replaced also uses (announces, or
      // sends from); else one it took from another host; else its first claim. Before, the first one
      // taken from anyone: ettercap poisoning both ways announced the victim's address first, and the
      // victim was reported as the gateway
      const usedBy = (ip: number, mac: number): boolean =>
        (this.claims.get(ip) ?? []).some((c) => c.mac === mac) || (traffic?.sendersOf(ip).some((s) => s.mac === mac) ?? false);
      const gateway =
        claimed.find((ip) => usedBy(ip, ch.from)) ?? claimed.find((ip) => (this.claims.get(ip) ?? []).some((c) => c.mac !== ch.to)) ?? claimed[0];
      reported.add(ch.to);
      gatewayOf.set(ch.to, gateway);
      const mac = macOf(ch.to);
      // the attacker's own address (before, no source: the finding named only a MAC, and a ban had no
      // address to take; then a claim no other MAC announced, which was the poisoned victim's when the
      // victim never ARPed in the capture: arpspoof -r)
      const own = this.ownAddress(ch.to, traffic, gateway);
      out.push(
        this.gatewayPoisoning(ch.to, own, {
          targets: targets([ipText(gateway), ...claimed.filter((ip) => ip !== gateway && ip !== own).map(ipText)]),
          firstSeen: iso(Math.min(...(this.claims.get(gateway) ?? []).filter((c) => c.mac === ch.to).map((c) => c.first), ch.at)),
          lastSeen: iso(ch.at),
          evidence: { attackerMac: mac, previousRouterMac: macOf(ch.from), claimedIps: claimed.map(ipText), gatewayIp: ipText(gateway) },
          reason: `announced itself by ARP as ${claimed.map(ipText).join(', ')}, and from ${iso(ch.at)} the traffic of Internet addresses came through it instead of the router ${macOf(ch.from)}: ARP poisoning of the gateway ${ipText(gateway)} (a man in the middle).`,
        }),
      );
    }
    // the MAC carrying the Internet traffic announced itself as an address, then asked by ARP for
    // that address's MAC: it is not that address but relays for it (a capture started after the
    // poisoning, the real router never seen: no change of router to see)
    for (const [mac, asks] of this.askedAfterClaim) {
      if (reported.has(mac) || !(mac === initial || changes.some((ch) => ch.to === mac))) continue;
      const ask = asks[0];
      const gateway = ask.target;
      reported.add(mac);
      gatewayOf.set(mac, gateway);
      const claimed = this.byMac.get(mac) ?? [gateway];
      const own = this.ownAddress(mac, traffic, gateway) ?? (isPrivate(ask.from) ? ask.from : undefined);
      const claim = (this.claims.get(gateway) ?? []).find((c) => c.mac === mac);
      out.push(
        this.gatewayPoisoning(mac, own, {
          targets: targets([ipText(gateway), ...(claim?.told ?? []).filter((t) => t !== own).map(ipText)]),
          firstSeen: iso(claim?.first ?? ask.at),
          lastSeen: iso(Math.max(claim?.last ?? ask.at, ask.at)),
          evidence: { attackerMac: macOf(mac), claimedIps: claimed.map(ipText), gatewayIp: ipText(gateway), askedFrom: ipText(ask.from), askedAt: iso(ask.at) },
          reason: `carries the traffic of Internet addresses and announced itself by ARP as ${ipText(gateway)}, yet asked by ARP for ${ipText(gateway)}'s MAC from ${ipText(ask.from)} at ${iso(ask.at)}: it is not ${ipText(gateway)} but relays its traffic: ARP poisoning of the gateway ${ipText(gateway)} (a man in the middle, seen without a change of router: the poisoning began before the capture, or the real router is out of its sight).`,
        }),
      );
    }
    for (const [mac, ips] of this.byMac) {
      if (ips.length < 2) continue;
      // a host with several addresses of its own (secondary addresses on one interface) announces
      // each: only speaking for an address another MAC also uses (announces, or sends its packets
      // from) is speaking for others, as is a MAC the router's traffic moved to. A namespace with 6 addresses raised this (severity 2) on
      // ordinary traffic; a poisoner's claims on a silent victim still show as arp.ip-conflict when
      // the victim talks, and as gateway poisoning when the gateway's traffic moves
      const taken = (ip: number): boolean =>
        (this.claims.get(ip) ?? []).some((c) => c.mac !== mac) || (traffic?.sendersOf(ip).some((x) => x.mac !== mac) ?? false) || this.askedFor(mac, ip) !== undefined;
      // or the MAC took over the router's traffic (arppoison.pcapng: the gateway's address among its
      // claims, the real gateway never announcing it in the capture)
      const movedTo = changes.filter((ch) => ch.to === mac);
      if (!ips.some(taken) && !movedTo.length) continue;
      // its own address, the source: the one of its addresses no other MAC uses, the gateway's
      // (when the router's traffic moved to it) not counted; none or several: no source, as before
      // (the finding named only the MAC; a live capture printed it with no address)
      const own = this.ownAddress(mac, traffic, gatewayOf.get(mac) ?? -1);
      out.push({
        ruleId: 'arp.mac-many-ips',
        title: 'One MAC announcing several IP addresses',
        category: 'spoofing',
        severity: 2,
        srcIp: own === undefined ? null : ipText(own),
        ...(own === undefined ? { srcMacs: [macOf(mac)] } : {}),
        targets: targets(ips.map(ipText)),
        firstSeen: iso(Math.min(...ips.flatMap((ip) => (this.claims.get(ip) ?? []).filter((c) => c.mac === mac).map((c) => c.first)))),
        lastSeen: iso(Math.max(...ips.flatMap((ip) => (this.claims.get(ip) ?? []).filter((c) => c.mac === mac).map((c) => c.last)))),
        count: ips.length,
        counted: ['address', 'addresses'],
        evidence: { mac: macOf(mac), ips: ips.map(ipText) },
        rows: [],
        reason: `${macOf(mac)}${own === undefined ? '' : ` (${ipText(own)}'s MAC)`} announced itself by ARP for ${thousands(ips.length)} addresses (${ips.map(ipText).join(', ')}); a host speaking for others is how ARP spoofing works (proxy ARP aside).`,
      });
    }
    for (const [ip, list] of this.claims) {
      if (list.length < 2) {
        const seen = (traffic && list.length === 1 ? this.claimAgainstTraffic(ip, list[0], traffic) : null) ?? (list.length === 1 && !reported.has(list[0].mac) ? this.claimThenAsk(ip, list[0], traffic) : null);
        if (seen) out.push(seen);
        continue;
      }
      const macs = list.map((c) => macOf(c.mac)).join(', ');
      // the claimant that also announced an address of its own (one no other MAC claims) is a host
      // taking this one from its owner: the finding is about it, not about the address it took (the
      // victim, often the gateway, was the "risky source" a blocklist would have banned)
      const spoofers = list.flatMap((c) => {
        // announced by ARP, else sent from (the link's IPv4 traffic), as for a single claimant: a
        // spoofer whose own address was in the neighbours' caches before the capture never ARPs
        // for it, and the address taken (the victim) was the source a blocklist would ban
        const own = this.ownAddress(c.mac, traffic, ip);
        return own === undefined ? [] : [{ mac: c.mac, own }];
      });
      const spoofer = spoofers.length === 1 ? spoofers[0] : null;
      // the hosts the spoofer's ARP for this address went to (their caches it wrote): victims as much
      // as the address taken, and before named nowhere, so respond could ban one on its risk
      const poisoned = spoofer ? (list.find((c) => c.mac === spoofer.mac)?.told ?? []).filter((t) => t !== spoofer.own) : [];
      // the address taken is the router's (the MAC carrying the Internet traffic announced it): the
      // hosts told are poisoned for their gateway, even before any of their traffic shows it
      if (spoofer && initial >= 0 && spoofer.mac !== initial && !reported.has(spoofer.mac) && list.some((c) => c.mac === initial)) {
        reported.add(spoofer.mac);
        out.push(this.gatewayTaken(ip, spoofer.mac, spoofer.own, initial, list.find((c) => c.mac === spoofer.mac) as Claim, poisoned));
      }
      out.push({
        ruleId: 'arp.ip-conflict',
        title: 'One IP address announced by several MACs',
        category: 'spoofing',
        severity: 2,
        srcIp: spoofer ? ipText(spoofer.own) : ipText(ip),
        targets: targets([ipText(ip), ...poisoned.map(ipText)]),
        // named, the spoofer's first claim of the address: the owner's own announcement before it is no
        // evidence against the spoofer, and it made the spoofer's risky-source first_seen precede anything it sent
        firstSeen: iso(spoofer ? (list.find((c) => c.mac === spoofer.mac) as Claim).first : Math.min(...list.map((c) => c.first))),
        lastSeen: iso(Math.max(...list.map((c) => c.last))),
        count: list.length,
        counted: ['MAC', 'MACs'],
        evidence: spoofer
          ? { macs: list.map((c) => macOf(c.mac)), address: ipText(ip), spooferMac: macOf(spoofer.mac), spooferIp: ipText(spoofer.own), toldHosts: poisoned.map(ipText) }
          : { macs: list.map((c) => macOf(c.mac)) },
        rows: [],
        reason: spoofer
          ? `${ipText(ip)} was announced by ARP from ${thousands(list.length)} MACs (${macs}); ${macOf(spoofer.mac)} is ${ipText(spoofer.own)}'s, which thus claims another host's address: ARP spoofing of ${ipText(ip)} by ${ipText(spoofer.own)}${toldText(poisoned)}.`
          : `${ipText(ip)} was announced by ARP from ${thousands(list.length)} MACs (${macs}): a spoofed answer or a duplicate address.`,
      });
    }
    return out;
  }

  /**
   * A MAC's own address, `except` left out: the one it announced by ARP that no other MAC announces
   * or sends IPv4 packets from; with none so announced, the one private address it sent IPv4 packets
   * from that no other MAC uses. Several: undefined (which is its own is not known). Before, an
   * address only this MAC announced was its own even when another MAC sent its packets (arpspoof -r
   * claims both victims' addresses, neither of which ARPs in the capture: the victim was named as the
   * spoofer), and any address a MAC sent from counted, so the gateway, forwarding an Internet host's
   * packets, had an "own" address too and no spoofer could be told apart (the gateway was the source).
   */
  private ownAddress(mac: number, traffic: LinkTraffic | undefined, except: number): number | undefined {
    const gateway = this.gatewayOf.get(mac);
    // (nor one it asked others for by ARP after announcing it: not its own)
    const unshared = (o: number): boolean =>
      o !== except && o !== gateway && (this.claims.get(o) ?? []).every((c) => c.mac === mac) && (traffic?.sendersOf(o).every((s) => s.mac === mac) ?? true) && this.askedFor(mac, o) === undefined;
    const byArp = (this.byMac.get(mac) ?? []).filter(unshared);
    if (byArp.length) return onlyOne(byArp);
    return onlyOne((traffic?.addressesOf(mac) ?? []).filter((o) => isPrivate(o) && unshared(o)));
  }

  /**
   * `arp.gateway-poisoning` for a spoofer announcing the router's own address `gateway` to hosts
   * (arpspoof -t victim gateway, one way): the victims' traffic to the Internet now goes to it. The
   * Internet traffic seen on the link need not change (the answers still come from the router), so
   * the change of router the other path waits for never came, and only arp.ip-conflict was raised.
   */
  private gatewayTaken(gateway: number, mac: number, own: number, router: number, claim: Claim, told: readonly number[]): Finding {
    const claimed = this.byMac.get(mac) ?? [gateway];
    return this.gatewayPoisoning(mac, own, {
      targets: { ips: [ipText(gateway), ...told.map(ipText)], ipCount: 1 + told.length, ports: [], portCount: 0, countsCapped: false },
      firstSeen: iso(claim.first),
      lastSeen: iso(claim.last),
      evidence: { attackerMac: macOf(mac), previousRouterMac: macOf(router), claimedIps: claimed.map(ipText), gatewayIp: ipText(gateway), toldHosts: told.map(ipText) },
      reason: `announced itself by ARP as ${ipText(gateway)}, the address of the router ${macOf(router)}, which carries the Internet traffic${toldText(told)}: ARP poisoning of the gateway ${ipText(gateway)} (a man in the middle).`,
    });
  }

  /**
   * An `arp.gateway-poisoning` finding about `mac`, named by its own address when known (else by
   * the MAC alone: all there is to find the poisoner by, in a switch's MAC table); `reason` follows
   * "MAC (ADDRESS's MAC) ".
   */
  private gatewayPoisoning(mac: number, own: number | undefined, f: Pick<Finding, 'targets' | 'firstSeen' | 'lastSeen' | 'evidence' | 'reason'>): Finding {
    return {
      ruleId: 'arp.gateway-poisoning',
      title: 'ARP poisoning of the gateway (man in the middle)',
      category: 'spoofing',
      severity: 1,
      srcIp: own === undefined ? null : ipText(own),
      ...(own === undefined ? { srcMacs: [macOf(mac)] } : {}),
      targets: f.targets,
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      count: this.arpPackets,
      counted: ['ARP packet', 'ARP packets'],
      evidence: f.evidence,
      rows: [],
      reason: `${macOf(mac)}${own === undefined ? '' : ` (${ipText(own)}'s MAC)`} ${f.reason}`,
    };
  }

  /** When `ip` was first announced by ARP (by any MAC), or undefined. */
  firstClaimed(ip: number): number | undefined {
    const list = this.claims.get(ip);
    return list?.length ? Math.min(...list.map((c) => c.first)) : undefined;
  }

  /** `mac`'s own address as text (see ownAddress), or undefined: for the other detectors' findings */
  ownAddressText(mac: number, traffic?: LinkTraffic): string | undefined {
    const own = this.ownAddress(mac, traffic, -1);
    return own === undefined ? undefined : ipText(own);
  }

  /**
   * Whether `mac` is an ARP spoofer: it announced by ARP an address another MAC also uses (announces,
   * or sends IPv4 from) besides an address of its own, or several addresses (one MAC answering for
   * many). With its own address when known: ip-conflict-watch names it for the packets it relays
   * under a victim's address. A victim whose packets a man in the middle relays announces one address,
   * its own, and has none other: not a spoofer. Undefined: not a spoofer.
   */
  spoofer(mac: number, traffic?: LinkTraffic): { own: number | undefined; took: number[] } | undefined {
    const claims = this.byMac.get(mac) ?? [];
    const own = this.ownAddress(mac, traffic, -1);
    const usedElsewhere = (ip: number): boolean =>
      ip === this.gatewayOf.get(mac) || (this.claims.get(ip) ?? []).some((c) => c.mac !== mac) || (traffic?.sendersOf(ip).some((s) => s.mac !== mac) ?? false) || this.askedFor(mac, ip) !== undefined;
    const took = claims.filter((ip) => ip !== own && usedElsewhere(ip));
    if (!took.length || (claims.length < 2 && own === undefined)) return undefined;
    return { own, took };
  }

  /**
   * `arp.ip-conflict` of a single claimant that asked for the address's MAC after announcing itself
   * as it (from an address of its own): the address's owner need not appear in the capture at all.
   */
  private claimThenAsk(ip: number, claim: Claim, traffic: LinkTraffic | undefined): Finding | null {
    const ask = this.askedFor(claim.mac, ip);
    if (!ask) return null;
    const own = this.ownAddress(claim.mac, traffic, ip) ?? ask.from;
    return singleClaimantConflict(ip, claim, own, {
      last: ask.at,
      macs: [],
      evidence: { askedFrom: ipText(ask.from), askedAt: iso(ask.at) },
      why: `then asked by ARP for ${ipText(ip)}'s MAC from ${ipText(ask.from)}: it does not hold ${ipText(ip)}`,
    });
  }

  /** The single-claimant conflict of `findings` (see there), or null. */
  private claimAgainstTraffic(ip: number, claim: Claim, traffic: LinkTraffic): Finding | null {
    const others = traffic.sendersOf(ip).filter((s) => s.mac !== claim.mac && s.last >= claim.first);
    if (others.length === 0) return null;
    const own = this.ownAddress(claim.mac, traffic, ip);
    if (own === undefined) return null;
    const owners = others.map((o) => macOf(o.mac));
    return singleClaimantConflict(ip, claim, own, {
      last: Math.max(...others.map((o) => o.last)),
      macs: owners,
      evidence: { senderMacs: owners },
      why: `while ${ipText(ip)}'s own packets came from ${owners.join(', ')}`,
    });
  }
}

/**
 * `arp.ip-conflict` of an address announced by one MAC only (`claim`), whose host `own` is the
 * spoofer, as told by `why` (the owner's packets from other `macs`, or the claimant asking for it).
 */
function singleClaimantConflict(ip: number, claim: Claim, own: number, o: { last: number; macs: string[]; evidence: Record<string, unknown>; why: string }): Finding {
  const mac = macOf(claim.mac);
  const poisoned = claim.told.filter((t) => t !== own);
  return {
    ruleId: 'arp.ip-conflict',
    title: 'One IP address announced by several MACs',
    category: 'spoofing',
    severity: 2,
    srcIp: ipText(own),
    targets: { ips: [ipText(ip), ...poisoned.map(ipText)], ipCount: 1 + poisoned.length, ports: [], portCount: 0, countsCapped: false },
    firstSeen: iso(claim.first),
    lastSeen: iso(Math.max(claim.last, o.last)),
    count: 1 + o.macs.length,
    counted: ['MAC', 'MACs'],
    evidence: { macs: [mac, ...o.macs], address: ipText(ip), spooferMac: mac, spooferIp: ipText(own), ...o.evidence, toldHosts: poisoned.map(ipText) },
    rows: [],
    reason: `${mac}, the MAC of ${ipText(own)}, announced itself by ARP as ${ipText(ip)}, ${o.why}: ARP spoofing of ${ipText(ip)} by ${ipText(own)}${toldText(poisoned)}.`,
  };
}

/** ", told to 10.0.0.3, 10.0.0.4" (the hosts a spoofer's ARP went to), or nothing */
function toldText(hosts: readonly number[]): string {
  return hosts.length ? `, told to ${hosts.map(ipText).join(', ')}` : '';
}

/** the one element, else undefined (none, or several: no address to name) */
function onlyOne<T>(xs: readonly T[]): T | undefined {
  return xs.length === 1 ? xs[0] : undefined;
}

/** What arp-watch asks of the IPv4 traffic seen on the link (ip-conflict-watch answers). */
export interface LinkTraffic {
  sendersOf(ip: number): readonly { mac: number; first: number; last: number }[];
  addressesOf(mac: number): readonly number[];
}
