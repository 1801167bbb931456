/**
 * Source addresses that cannot be genuine, or that policy names, as trigger buckets (capacity 0,
 * grouped by source: the first flow opens a finding, later flows of the same source add to it until
 * the source is quiet for `windowSeconds`).
 *
 *  - bogon sources: 0.0.0.0/8, 240.0.0.0/4, 255.255.255.255, multicast, IPv4-mapped IPv6 (in a
 *    capture: a flow file's are read as the IPv4 client they carry, flows/flow-fields.ts),
 *    unallocated IPv6; documentation and benchmarking ranges only when the destination is not in
 *    such a range too (a test lab numbered from 2001:db8::/32 or 198.18.0.0/15 is fine, a packet
 *    from 192.0.2.1 to a real address is not); loopback only when the destination is not loopback
 *    too (a loopback capture is fine, 127.0.0.1 on a wire is not); the unspecified address (0.0.0.0,
 *    ::) only when sent to a host: a host with no address yet sends DHCP discover, DAD neighbor
 *    solicitations and MLD reports from it to the broadcast address and multicast groups;
 *  - private-range sources on an Internet-facing sensor (`externalSide`), unless listed in
 *    `internalNetworks`: RFC 1918, shared CGNAT space, link-local, unique-local;
 *  - the seed's GeoIP test: a public source the database has no location for. DB-IP and GeoLite2
 *    cover nearly every allocated block, so this is rare and weak evidence (severity 3 by default);
 *    "no location" is not proof of spoofing;
 *  - policy: sources in listed countries, networks or autonomous systems (category `policy`).
 *
 * Each distinct address is classified once per address-table generation (a flag word per id), so
 * the per-row cost is an array read. GeoIP lookups happen only for public addresses.
 *
 * Not here: TTL-based checks (ttl-hops.ts), and anything that needs packets (MAC/IP binding, ARP).
 */
import type { Batch } from './batch.js';
import { spanSeconds, type BucketRule, type EpisodeView } from './bucket.js';
import { formatSpan } from './finding.js';
import type { GeoIp } from './geoip.js';
import { addressClassAt, cidrContains, cidrContainsV4, classIndex, classIndexV4, parseCidr, parseIp, parseIpv4, type Cidr } from './ip-address.js';
import type { IpInterner } from './ip-interner.js';
import type { GeoPolicyConfig, SpoofingConfig } from './rules-config.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

const COMPUTED = 1 << 15;
const BOGON = 1;
const LOOPBACK = 2;
const NON_PUBLIC = 4;
const INTERNAL = 8;
const NO_LOCATION = 16;
const COUNTRY = 32;
const NETWORK = 64;
const ASN = 128;
/** documentation or benchmarking space (bits 8..12 hold the class number, 15 COMPUTED) */
const LAB = 1 << 13;
/** exactly the unspecified address, 0.0.0.0 or :: (a host with no address yet) */
const UNSPECIFIED = 1 << 14;
/** class numbers of the destinations an address-less host may send to: the limited broadcast, multicast */
const LINK_LOCAL_GROUPS = new Set([classIndexV4(0xffffffff), classIndexV4(0xe0000001), classIndex(parseIp('ff02::1'))]);
/** bits 8..12 of a flag word: the address's class number (ip-address.ts), for a finding's wording */
const CLASS_SHIFT = 8;
const CLASS_BITS = 31;

/** Per-address flag words, computed on first use and forgotten when the address table is compacted. */
export class AddressFlags {
  private flags = new Uint16Array(1024);
  private generation = -1;
  private readonly internal: Cidr[];
  private readonly policyNets: Cidr[];
  private readonly countries: ReadonlySet<string>;
  private readonly asns: ReadonlySet<number>;
  private readonly lookupNeeded: boolean;

  constructor(
    private readonly interner: IpInterner,
    spoofing: SpoofingConfig,
    policy: GeoPolicyConfig,
    private readonly geoip: GeoIp | null,
  ) {
    this.internal = spoofing.internalNetworks.map((c) => parseCidr(c) as Cidr);
    this.policyNets = policy.networks.map((c) => parseCidr(c) as Cidr);
    this.countries = new Set(policy.countries);
    this.asns = new Set(policy.asns);
    this.lookupNeeded = geoip !== null && ((spoofing.enabled && spoofing.noLocation && geoip.hasLocation) || this.countries.size > 0 || (this.asns.size > 0 && geoip.hasAsn));
  }

  /** The flag word of address id `id` (0 for a missing address). */
  of(id: number): number {
    if (id < 0) return 0;
    if (this.generation !== this.interner.generation) {
      this.flags.fill(0);
      this.generation = this.interner.generation;
    }
    if (id >= this.flags.length) {
      const grown = new Uint16Array(Math.max(id + 1, this.flags.length * 2));
      grown.set(this.flags);
      this.flags = grown;
    }
    let f = this.flags[id];
    if (f === 0) {
      f = COMPUTED | this.compute(this.interner.text(id));
      this.flags[id] = f;
    }
    return f;
  }

  /**
   * The flag word of every row's source in batch `b` (0 where it has none), computed once per batch
   * and shared by the address rules, which all read the same batch one after the other.
   */
  sourceWords(b: Batch): Uint16Array {
    if (this.wordsOf === b) return this.words;
    const n = b.n;
    if (this.words.length < n) this.words = new Uint16Array(n);
    const w = this.words;
    const src = b.src;
    for (let r = 0; r < n; r++) w[r] = src ? this.of(src[r]) : 0;
    this.wordsOf = b;
    return w;
  }
  private words = new Uint16Array(0);
  private wordsOf: Batch | null = null;

  /** The range an address is in, for a finding's sentence: from its flag word, without parsing it again. */
  range(id: number, text: string | null): string {
    if (id >= 0) return addressClassAt((this.of(id) >>> CLASS_SHIFT) & CLASS_BITS).range;
    return addressClassAt(classIndex(parseIp(text ?? ''))).range;
  }

  private compute(text: string): number {
    // IPv4 (most addresses) is classified from its number: no IpAddress per address
    const v4 = parseIpv4(text.trim());
    const ip = v4 >= 0 ? null : parseIp(text);
    const clsIndex = v4 >= 0 ? classIndexV4(v4) : classIndex(ip);
    const kind = addressClassAt(clsIndex).kind;
    let f = clsIndex << CLASS_SHIFT;
    if (kind === 'bogon') f |= BOGON;
    if (v4 === 0 || (ip !== null && ip.v === 6 && ip.w[0] === 0 && ip.w[1] === 0 && ip.w[2] === 0 && ip.w[3] === 0)) f |= UNSPECIFIED;
    if (addressClassAt(clsIndex).lab) f |= LAB;
    else if (kind === 'loopback') f |= LOOPBACK;
    else if (kind === 'private' || kind === 'shared' || kind === 'link-local') f |= NON_PUBLIC;
    if (v4 < 0 && !ip) return f;
    const inside = (c: Cidr): boolean => (v4 >= 0 ? cidrContainsV4(c, v4) : cidrContains(c, ip as NonNullable<typeof ip>));
    if (this.internal.some(inside)) f |= INTERNAL;
    if (this.policyNets.some(inside)) f |= NETWORK;
    if (kind === 'public' && !(f & INTERNAL) && this.lookupNeeded && this.geoip) {
      const loc = this.geoip.lookup(text);
      if (this.geoip.hasLocation && (loc === null || loc.latitude === null || loc.longitude === null)) f |= NO_LOCATION;
      if (loc?.countryCode && this.countries.has(loc.countryCode)) f |= COUNTRY;
      if (loc?.asn !== null && loc?.asn !== undefined && this.asns.has(loc.asn)) f |= ASN;
    }
    return f;
  }
}

/** A rule's filter: the rows whose source's flag word has one of `bits` and none of `unless`. */
function sourcesWith(flags: AddressFlags, bits: number, unless: number): (b: Batch, ok: Uint8Array) => void {
  return (b, ok) => {
    const words = flags.sourceWords(b);
    for (let r = 0; r < b.n; r++) {
      const f = words[r];
      if (ok[r] !== 0 && ((f & bits) === 0 || (f & unless) !== 0)) ok[r] = 0;
    }
  };
}

interface SpoofingDeps {
  readonly interner: IpInterner;
  readonly geoip: GeoIp | null;
  /** why GeoIP is unavailable, for status lines */
  readonly geoipOff: string | null;
}

/** A rule plus, when it cannot run whatever the input, the reason. */
export interface ConfiguredRule {
  readonly rule: BucketRule;
  readonly off: string | null;
}

function triggerRule(
  id: string,
  title: string,
  category: BucketRule['category'],
  severity: BucketRule['severity'],
  windowSeconds: number,
  requires: BucketRule['requires'],
  match: (b: Batch, ok: Uint8Array) => void,
  word: (v: EpisodeView) => { reason: string; evidence: Record<string, unknown> },
): BucketRule {
  return {
    id,
    title,
    category,
    severity,
    requires,
    bucket: { groupBy: ['srcIp'], window: 'sliding', capacity: 0, windowSeconds, filter: { custom: match }, track: ['dstIp'] },
    describe(v) {
      const { reason, evidence } = word(v);
      const ep = v.episode;
      const targets = ep.tracked[0];
      return {
        reason,
        evidence: {
          ...(evidence as Record<string, number | string | boolean | null>),
          flows: ep.flows,
          durationSeconds: spanSeconds(ep),
          distinctTargets: targets.count,
          targetsSample: targets.sample as string[],
        },
      };
    },
  };
}

function flowsText(v: EpisodeView): string {
  const ep = v.episode;
  const targets = ep.tracked[0];
  return `${thousands(ep.flows)} ${plural(ep.flows, 'flow')} to ${thousands(targets.count)} ${plural(targets.count, 'host')} over ${formatSpan(spanSeconds(ep))}`;
}

/** The address rules, each with the reason it is off when configuration or GeoIP rule it out. */
export function spoofingRules(spoofing: SpoofingConfig, policy: GeoPolicyConfig, deps: SpoofingDeps): ConfiguredRule[] {
  const flags = new AddressFlags(deps.interner, spoofing, policy, deps.geoip);
  const geo = deps.geoip;
  const disabled = spoofing.enabled ? null : 'disabled (rules.spoofing.enabled is false)';
  const rules: ConfiguredRule[] = [];

  rules.push({
    off: disabled ?? (spoofing.bogonSources ? null : 'disabled (rules.spoofing.bogonSources is false)'),
    rule: triggerRule(
      'spoofing.bogon-source',
      'Source address that cannot be on a wire',
      'spoofing',
      spoofing.severity,
      spoofing.windowSeconds,
      ['srcIp'],
      (b, ok) => {
        const words = flags.sourceWords(b);
        const dst = b.dst;
        for (let r = 0; r < b.n; r++) {
          if (ok[r] === 0) continue;
          const f = words[r];
          if (f & BOGON) {
            // documentation and benchmarking space talking to the same kind of space is a test lab's
            // own network (the Wireshark sample captures are numbered from 2001:db8::/32), not a
            // forged source: it is bogus only when the other end is a real address
            if ((f & LAB) !== 0 && dst !== null && dst[r] >= 0 && (flags.of(dst[r]) & LAB) !== 0) ok[r] = 0;
            // a host without an address yet may send from 0.0.0.0 or :: to the link's broadcast or
            // multicast groups: DHCP discover and request, IPv6 duplicate address detection's
            // neighbor solicitations and MLD reports (every IPv6 interface coming up sends them)
            else if ((f & UNSPECIFIED) !== 0 && dst !== null && dst[r] >= 0 && LINK_LOCAL_GROUPS.has((flags.of(dst[r]) >>> CLASS_SHIFT) & CLASS_BITS)) ok[r] = 0;
            continue;
          }
          // loopback is bogus only when the other end is not loopback too (a loopback capture is fine)
          if ((f & LOOPBACK) !== 0 && dst !== null && dst[r] >= 0 && (flags.of(dst[r]) & LOOPBACK) === 0) continue;
          ok[r] = 0;
        }
      },
      (v) => {
        const range = flags.range(v.srcId, v.srcIp);
        return {
          reason: `${v.srcIp} is ${range}, which cannot be the source of traffic on a network, yet it sent ${flowsText(v)}; the address is forged or a host is misconfigured.`,
          evidence: { range },
        };
      },
    ),
  });

  rules.push({
    off: disabled ?? (spoofing.externalSide ? null : 'off: rules.spoofing.externalSide is false (the sensor is not marked as seeing Internet traffic, so private sources are expected)'),
    rule: triggerRule(
      'spoofing.private-source',
      'Private-range source on an Internet-facing link',
      'spoofing',
      spoofing.severity,
      spoofing.windowSeconds,
      ['srcIp'],
      sourcesWith(flags, NON_PUBLIC, INTERNAL),
      (v) => {
        const range = flags.range(v.srcId, v.srcIp);
        return {
          reason: `${v.srcIp} is ${range} and not one of the internal networks, yet it arrived on the external side: ${flowsText(v)}.`,
          evidence: { range, internalNetworks: spoofing.internalNetworks.join(', ') },
        };
      },
    ),
  });

  const geoOff = (need: string): string | null => {
    if (!geo) return `off: ${deps.geoipOff ?? 'no GeoIP database'}`;
    if (need === 'location' && !geo.hasLocation) return `off: ${geo.description} has no coordinates (use a city database)`;
    if (need === 'asn' && !geo.hasAsn) return 'off: no ASN database (set rules.geoip.asnDatabase to e.g. GeoLite2-ASN.mmdb)';
    return null;
  };
  const locate = (ip: string | null) => (geo && ip ? geo.lookup(ip) : null);
  const attribution = geo?.attribution ?? null;

  rules.push({
    off: disabled ?? (spoofing.noLocation ? geoOff('location') : 'disabled (rules.spoofing.noLocation is false)'),
    rule: triggerRule(
      'spoofing.no-geolocation',
      'Public source with no known location',
      'spoofing',
      spoofing.noLocationSeverity,
      spoofing.windowSeconds,
      ['srcIp'],
      sourcesWith(flags, NO_LOCATION, 0),
      (v) => {
        const loc = locate(v.srcIp);
        return {
          reason: `${v.srcIp} is a public address with no location in ${geo?.description ?? 'the GeoIP database'} (${flowsText(v)}); unlocatable sources are often unannounced or forged, but databases have gaps too.`,
          evidence: { database: geo?.description ?? null, attribution, countryCode: loc?.countryCode ?? null },
        };
      },
    ),
  });

  rules.push({
    off: policy.countries.length === 0 ? 'off: no countries listed (rules.geoPolicy.countries)' : geoOff('country'),
    rule: triggerRule(
      'policy.country',
      'Source in a listed country',
      'policy',
      policy.severity,
      policy.windowSeconds,
      ['srcIp'],
      sourcesWith(flags, COUNTRY, 0),
      (v) => {
        const loc = locate(v.srcIp);
        return {
          reason: `${v.srcIp} is located in ${loc?.countryCode ?? '?'}, a country the policy lists (${flowsText(v)}).`,
          evidence: { countryCode: loc?.countryCode ?? null, city: loc?.city ?? null, database: geo?.description ?? null, attribution },
        };
      },
    ),
  });

  rules.push({
    off: policy.networks.length === 0 ? 'off: no networks listed (rules.geoPolicy.networks)' : null,
    rule: triggerRule(
      'policy.network',
      'Source in a listed network',
      'policy',
      policy.severity,
      policy.windowSeconds,
      ['srcIp'],
      sourcesWith(flags, NETWORK, 0),
      (v) => {
        const ip = parseIp(v.srcIp ?? '');
        const nets = policy.networks.filter((c) => ip && cidrContains(parseCidr(c) as Cidr, ip));
        return {
          reason: `${v.srcIp} is in ${nets.join(', ')}, listed by the policy (${flowsText(v)}).`,
          evidence: { networks: nets.join(', ') },
        };
      },
    ),
  });

  rules.push({
    off: policy.asns.length === 0 ? 'off: no AS numbers listed (rules.geoPolicy.asns)' : geoOff('asn'),
    rule: triggerRule(
      'policy.asn',
      'Source in a listed autonomous system',
      'policy',
      policy.severity,
      policy.windowSeconds,
      ['srcIp'],
      sourcesWith(flags, ASN, 0),
      (v) => {
        const loc = locate(v.srcIp);
        return {
          reason: `${v.srcIp} belongs to AS${loc?.asn ?? '?'}${loc?.asOrganization ? ` (${loc.asOrganization})` : ''}, listed by the policy (${flowsText(v)}).`,
          evidence: { asn: loc?.asn ?? null, asOrganization: loc?.asOrganization ?? null },
        };
      },
    ),
  });
  return rules;
}
