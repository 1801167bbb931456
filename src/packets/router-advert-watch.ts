/**
 * IPv6 router takeover, from router advertisements (ICMPv6 134, RFC 4861): hosts take their default
 * router and their prefixes from whoever advertises them, so a rogue advertisement (THC's
 * fake_router6, or a misconfigured box) makes its sender every host's gateway, and one with router
 * lifetime 0 sent under the real router's address (kill_router6) makes hosts drop the real one.
 * A router is its sending MAC (the frame's source, else the source link-layer option) and address.
 *  - `ndp.router-takeover` (severity `routerAdvert.severity`): a router advertises a prefix that
 *    another router advertised first.
 *  - `ndp.router-takeover`, one severity lower, with no `routerAdvert.routers` list: a second
 *    default router (router lifetime above 0, another MAC) after the first, whatever its prefixes.
 *  - `ndp.router-impostor` (same severity): a router's address (its link-local, as hosts know it)
 *    advertised from another MAC; with lifetime 0 the reason says hosts drop their router.
 * With `routerAdvert.routers` set, a listed router is never reported and every other one is (a
 * network with two routers advertising one prefix lists both). Repeated advertisements of one
 * router, and several prefixes from one router, raise nothing.
 *
 * Memory: at most `limits.maxGroupsPerRule` routers and prefixes (further ones counted).
 */
import type { Finding, Severity } from '../detect/finding.js';
import { addressWordsText } from '../detect/ip-address.js';
import type { LimitsConfig, RouterAdvertConfig } from '../detect/rules-config.js';
import { macText, PROTO_ICMPV6, type DecodedPacket } from './decoded-packet.js';
import { addressMatcher, CappedSet, isoMicros } from './packet-finding.js';
import { ICMPV6_ROUTER_ADVERTISEMENT, routerAdvertisement } from './packet-fields.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

interface Router {
  key: string;
  address: string;
  mac: string | null;
  first: number;
  last: number;
  adverts: number;
  zeroLifetime: number;
  prefixes: CappedSet<string>;
  /** prefixes another router advertised first, with that router */
  taken: Map<string, Router>;
  /** the router whose address this one advertised from another MAC */
  impersonated: Router | null;
  /** advertisements with a router lifetime above 0: hosts take it as a default router */
  asDefault: number;
}

export class RouterAdvertWatch {
  private readonly routers = new Map<string, Router>();
  /** prefix → the first router to advertise it */
  private readonly prefixOwner = new Map<string, Router>();
  /** address → the first router (MAC) to advertise from it */
  private readonly addressOwner = new Map<string, Router>();
  private readonly listed: (ip: string | null) => boolean;
  /** the first router to advertise itself as a default router (lifetime above 0) */
  private firstDefault: Router | null = null;
  evictions = 0;

  constructor(
    private readonly cfg: RouterAdvertConfig,
    private readonly limits: LimitsConfig,
  ) {
    this.listed = addressMatcher(cfg.routers);
  }

  observe(d: DecodedPacket): void {
    if (d.proto !== PROTO_ICMPV6 || d.icmpType !== ICMPV6_ROUTER_ADVERTISEMENT) return;
    const ra = routerAdvertisement(d);
    if (!ra) return;
    const address = addressWordsText(d.src, 6);
    const mac = d.srcMacHi >= 0 ? macText(d.srcMacHi, d.srcMacLo) : ra.mac;
    const key = `${address} ${mac ?? ''}`;
    let r = this.routers.get(key);
    if (!r) {
      if (this.routers.size >= this.limits.maxGroupsPerRule) {
        this.evictions++;
        return;
      }
      r = { key, address, mac, first: d.tsMicros, last: d.tsMicros, adverts: 0, zeroLifetime: 0, prefixes: new CappedSet(64, 16), taken: new Map(), impersonated: null, asDefault: 0 };
      this.routers.set(key, r);
      const owner = this.addressOwner.get(address);
      if (!owner) this.addressOwner.set(address, r);
      else if (owner.mac !== mac) r.impersonated = owner;
    }
    r.last = d.tsMicros;
    r.adverts++;
    if (ra.lifetime === 0) r.zeroLifetime++;
    else {
      r.asDefault++;
      if (!this.firstDefault) this.firstDefault = r;
    }
    for (const p of ra.prefixes) {
      r.prefixes.add(p.prefix);
      const owner = this.prefixOwner.get(p.prefix);
      if (!owner) {
        if (this.prefixOwner.size < this.limits.maxGroupsPerRule) this.prefixOwner.set(p.prefix, r);
        else this.evictions++;
      } else if (owner !== r && owner.mac !== r.mac && !r.taken.has(p.prefix) && r.taken.size < 16) r.taken.set(p.prefix, owner);
    }
  }

  findings(): Finding[] {
    if (!this.cfg.enabled) return [];
    const out: Finding[] = [];
    const hasList = this.cfg.routers.length > 0;
    for (const r of this.routers.values()) {
      if (hasList && this.listed(r.address)) continue;
      const who = `${r.address}${r.mac ? ` (${r.mac})` : ''}`;
      const base = {
        category: 'spoofing' as const,
        severity: this.cfg.severity as Severity,
        srcIp: r.address,
        firstSeen: isoMicros(r.first),
        lastSeen: isoMicros(r.last),
        count: r.adverts,
        counted: ['router advertisement', 'router advertisements'] as const,
        rows: [],
      };
      const evidence = { mac: r.mac, advertisements: r.adverts, zeroLifetime: r.zeroLifetime, prefixes: [...r.prefixes.sample], listedRouters: [...this.cfg.routers] };
      const lifetime = r.zeroLifetime === r.adverts ? ' with router lifetime 0' : r.zeroLifetime > 0 ? ` (${thousands(r.zeroLifetime)} with router lifetime 0)` : '';
      if (r.impersonated) {
        const real = r.impersonated;
        out.push({
          ...base,
          ruleId: 'ndp.router-impostor',
          title: 'IPv6 router advertisement under another router\'s address (impostor)',
          targets: { ips: [real.address], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
          evidence: { ...evidence, realRouterMac: real.mac },
          reason:
            `${r.mac ?? 'another MAC'} sent ${thousands(r.adverts)} router ${plural(r.adverts, 'advertisement')}${lifetime} from ${r.address}, the address of the router at ${real.mac ?? 'another MAC'}: ` +
            (r.zeroLifetime > 0 ? 'hosts drop their default router on a lifetime of 0 (a router kill, before a takeover).' : 'an impostor making itself the hosts\' router.'),
        });
        continue;
      }
      if (r.taken.size > 0) {
        const taken = [...r.taken];
        out.push({
          ...base,
          ruleId: 'ndp.router-takeover',
          title: 'IPv6 router takeover (a new router for an advertised prefix)',
          targets: { ips: [...new Set(taken.map(([, o]) => o.address))], ipCount: new Set(taken.map(([, o]) => o.address)).size, ports: [], portCount: 0, countsCapped: false },
          evidence: { ...evidence, takenPrefixes: taken.map(([p]) => p), previousRouters: taken.map(([, o]) => `${o.address}${o.mac ? ` (${o.mac})` : ''}`) },
          reason:
            `${who} advertised ${taken.map(([p]) => p).join(', ')}${lifetime}, which ${taken.map(([, o]) => `${o.address}${o.mac ? ` (${o.mac})` : ''}`).filter((x, i, a) => a.indexOf(x) === i).join(', ')} advertised first: ` +
            `a second router for one prefix is a rogue router taking the hosts' traffic${hasList ? '' : ' (list yours in rules.routerAdvert.routers)'}.`,
        });
        continue;
      }
      // with no list, a second default router (another MAC) is one too: fake_router6 with a prefix of its
      // own (2001:db8:bad::/64) takes no prefix, but every host adds it as a default router (at high
      // preference), and it was not reported. One severity lower, as dhcp.second-server: which is yours
      // only you can say
      const first = this.firstDefault;
      if (!hasList && r.asDefault > 0 && first && first !== r && first.mac !== r.mac) {
        out.push({
          ...base,
          severity: Math.min(4, this.cfg.severity + 1) as Severity,
          ruleId: 'ndp.router-takeover',
          title: 'A second IPv6 default router on the link',
          targets: { ips: [first.address], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
          evidence: { ...evidence, previousRouters: [`${first.address}${first.mac ? ` (${first.mac})` : ''}`], asDefault: r.asDefault },
          reason:
            `${who} sent ${thousands(r.adverts)} router ${plural(r.adverts, 'advertisement')} as a default router${r.prefixes.size ? ` for ${r.prefixes.sample.join(', ')}` : ''}, while ${first.address}${first.mac ? ` (${first.mac})` : ''} was the link's router first: ` +
            `hosts add it as a default router, a rogue router taking their traffic, or a misconfiguration (list yours in rules.routerAdvert.routers).`,
        });
        continue;
      }
      if (hasList) {
        out.push({
          ...base,
          ruleId: 'ndp.router-takeover',
          title: 'IPv6 router takeover (a new router for an advertised prefix)',
          targets: { ips: [], ipCount: 0, ports: [], portCount: 0, countsCapped: false },
          evidence,
          reason: `${who} sent ${thousands(r.adverts)} router ${plural(r.adverts, 'advertisement')}${lifetime}${r.prefixes.size ? ` for ${r.prefixes.sample.join(', ')}` : ''}, but is not in rules.routerAdvert.routers (${this.cfg.routers.join(', ')}): a rogue router.`,
        });
      }
    }
    return out;
  }
}
