/**
 * The packet detectors as analysis evidence: `analyze` passes `onPacket` to the capture reader and
 * the provider to the pipeline, whose findings then join the rules' (alerts, report, per-source
 * evidence). For inputs that are not captures the detectors see no packets and find nothing.
 *
 * The detectors (each its own *-watch.ts): ARP poisoning and duplicate addresses (arp-watch; host
 * discovery by ARP, the trace a ping sweep of the local subnet leaves: arp-scan-watch; ping sweeps of
 * other networks: ping-sweep-watch; IPv6
 * duplicates from neighbor advertisements: ndp-watch), SYN
 * scans and floods from the handshake (syn-watch), TTL jumps inside a connection (ttl-jump-watch),
 * ICMP redirects (icmp-redirect-watch), rogue DHCP servers (dhcp-watch), DHCP starvation
 * (dhcp-starvation-watch), MAC flooding (mac-flood-watch; it also sees the frames the decoder
 * found malformed past their link layer, `onMalformed`), duplicate IPv4 addresses seen
 * in IP traffic without ARP (ip-conflict-watch), IPv6 router takeover (router-advert-watch), first
 * fragments no ordinary stack sends (tiny, overlapping, oversized: fragment-watch), IP protocol scans
 * (protocol-scan-watch). Their thresholds are rule
 * settings (`rules.synScan.*`, ... in detect/rules-config.ts). `onPacket` hands each packet only to
 * the detectors of its protocol, since it runs for every packet of a capture.
 *
 * Live (`netsentinel capture`), `opened()` says which findings appeared since it was last asked,
 * each once, while the capture runs: a SYN scan or flood the moment its threshold is crossed,
 * the others (whose findings are the state itself) as soon as their state makes one. They close,
 * with their final counts, at the end like a file's.
 */
import type { EvidenceProvider } from '../analysis/evidence.js';
import { parseIp } from '../detect/ip-address.js';
import { resolveRulesConfig, type RulesConfigInput } from '../detect/rules-config.js';
import { ArpScanWatch } from './arp-scan-watch.js';
import { ArpWatch } from './arp-watch.js';
import { L3_ARP, L3_IPV4, L3_IPV6, L3_NONE, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, type DecodedPacket } from './decoded-packet.js';
import { WLAN_MANAGEMENT } from './decoder.js';
import type { Finding } from '../detect/finding.js';
import { DhcpWatch } from './dhcp-watch.js';
import { DhcpStarvationWatch } from './dhcp-starvation-watch.js';
import { MacFloodWatch } from './mac-flood-watch.js';
import { IpConflictWatch } from './ip-conflict-watch.js';
import { RouterAdvertWatch } from './router-advert-watch.js';
import { IcmpRedirectWatch } from './icmp-redirect-watch.js';
import { NdpWatch } from './ndp-watch.js';
import { tupleHash } from './packet-finding.js';
import { PingSweepWatch } from './ping-sweep-watch.js';
import { IcmpFloodWatch } from './icmp-flood-watch.js';
import { StealthScanWatch } from './stealth-scan-watch.js';
import { SynWatch } from './syn-watch.js';
import { TtlJumpWatch } from './ttl-jump-watch.js';
import { FragmentWatch } from './fragment-watch.js';
import { ProtocolScanWatch } from './protocol-scan-watch.js';
import { WifiDeauthWatch } from './wifi-deauth-watch.js';
import { WifiTwinWatch } from './wifi-twin-watch.js';
import { thousands } from '../util/thousands.js';

export interface PacketDetectorOptions {
  /** where "state was dropped" notes go (default: stderr, as the capture reader's warnings) */
  readonly warn?: (message: string) => void;
  /** a live capture: `opened()` will be asked (a file's analysis keeps nothing for it) */
  readonly live?: boolean;
}

export interface PacketDetectors {
  readonly onPacket: (d: DecodedPacket) => void;
  /** a frame the decoder found malformed past its link layer: only the link layer is read (MAC flooding) */
  readonly onMalformed: (d: DecodedPacket) => void;
  /** both, as the capture readers take them (CaptureFlowOptions, LiveFlowOptions) */
  readonly hooks: { readonly onPacket: (d: DecodedPacket) => void; readonly onMalformed: (d: DecodedPacket) => void };
  readonly provider: EvidenceProvider;
  /** findings that appeared since the last call, each once (live use; still open: they close at the end) */
  opened(): Finding[];
}

/**
 * The detectors as a long-running reader asks them (stream --interface and --stdin, publish of a
 * capture): what opened since it last asked, and at the end what the finished state holds.
 */
export interface PacketFindings {
  opened(): Finding[];
  finish(): Promise<readonly Finding[]>;
}

export function packetFindingsOf(d: PacketDetectors): PacketFindings {
  return { opened: () => d.opened(), finish: async () => (await d.provider.finish([])).findings ?? [] };
}

export function packetDetectors(input: RulesConfigInput = {}, opts: PacketDetectorOptions = {}): PacketDetectors {
  // the same settings the rules use (already checked when the configuration was loaded)
  const rules = resolveRulesConfig(input);
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`netsentinel: warning: ${m}\n`));
  const arp = new ArpWatch();
  const arpScan = rules.arpScan.enabled ? new ArpScanWatch(rules.arpScan, rules.limits) : null;
  const ping = rules.pingSweep.enabled ? new PingSweepWatch(rules.pingSweep, rules.limits) : null;
  const pingFlood = rules.icmpFlood.enabled ? new IcmpFloodWatch(rules.icmpFlood, rules.limits) : null;
  const syn = rules.synScan.enabled || rules.synFlood.enabled ? new SynWatch(rules.synScan, rules.synFlood, rules.limits) : null;
  const ttl = rules.ttlJump.enabled ? new TtlJumpWatch(rules.ttlJump, rules.limits) : null;
  const stealth = rules.synScan.enabled ? new StealthScanWatch(rules.synScan, rules.limits) : null;
  const icmp = rules.icmpRedirect.enabled ? new IcmpRedirectWatch(rules.icmpRedirect, rules.limits) : null;
  // DHCP runs even when its findings are off: the routers it sees are the redirect detector's known routers
  const dhcp = new DhcpWatch(rules.dhcp, rules.limits);
  const starvation = rules.dhcpStarvation.enabled ? new DhcpStarvationWatch(rules.dhcpStarvation, rules.limits) : null;
  const macFlood = rules.macFlood.enabled ? new MacFloodWatch(rules.macFlood, rules.limits) : null;
  const ndp = new NdpWatch(rules.limits);
  const dup = rules.duplicateIp.enabled ? new IpConflictWatch(rules.duplicateIp, rules.limits) : null;
  // which DHCP server was on the link first: the one whose address was announced by ARP, or sent
  // from (a host's packets; a router's MAC is left out there, but a router ARPs), before the other answered
  dhcp.onLinkSince = (ip) => {
    const a = parseIp(ip);
    if (!a || a.v !== 4) return undefined;
    const times = [...(dup?.sendersOf(a.w[3]) ?? []).map((x) => x.first), arp.firstClaimed(a.w[3]) ?? Infinity];
    const t = Math.min(...times);
    return t === Infinity ? undefined : t;
  };
  const ra = rules.routerAdvert.enabled ? new RouterAdvertWatch(rules.routerAdvert, rules.limits) : null;
  const fragments = rules.fragments.enabled ? new FragmentWatch(rules.fragments, rules.limits) : null;
  const protoScan = rules.protocolScan.enabled ? new ProtocolScanWatch(rules.protocolScan, rules.limits) : null;
  const wifi = rules.wifiDeauth.enabled ? new WifiDeauthWatch(rules.wifiDeauth, rules.limits) : null;
  const twin = rules.wifiTwin.enabled ? new WifiTwinWatch(rules.wifiTwin, rules.limits) : null;
  if (syn && opts.live) syn.reportCrossings = true;
  // addresses ICMP redirects were sent under from another host's MAC: reported by the redirect finding
  const ownAddressOf = (mac: number): string | undefined => arp.ownAddressText(mac, dup ?? undefined);
  let borrowedCache: Set<string> | null = null;
  const borrowed = (): Set<string> => (borrowedCache ??= icmp?.borrowedAddresses(ownAddressOf) ?? new Set());
  // in the order the detectors always reported (the SYN watch's between ARP's and the rest at the end)
  const stateFindings = (atEnd: boolean): Finding[] => {
    borrowedCache = null;
    return [
      ...arp.findings(dup ?? undefined),
      ...(arpScan?.findings() ?? []),
      ...(ping?.findings() ?? []),
      ...(pingFlood?.findings() ?? []),
      ...(atEnd ? (syn?.findings() ?? []) : []),
      ...(stealth?.findings() ?? []),
      ...(ttl?.findings() ?? []),
      ...(icmp?.findings(dhcp.trustedRouters(), ownAddressOf) ?? []),
      ...dhcp.findings(),
      ...(starvation?.findings() ?? []),
      ...(macFlood?.findings() ?? []),
      ...ndp.findings((mac) => arp.ownAddressText(parseInt(mac.replace(/:/g, ''), 16), dup ?? undefined)),
      ...(dup?.findings(
        (ip) => arp.conflicted(ip) || borrowed().has(`${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`),
        (mac) => arp.spoofer(mac, dup),
      ) ?? []),
      ...(ra?.findings() ?? []),
      ...(fragments?.findings() ?? []),
      ...(protoScan?.findings() ?? []),
      ...(wifi?.findings() ?? []),
      ...(twin?.findings() ?? []),
    ];
  };
  /** what opened() said already: rule, source and first target (a finding keeps them as it grows) */
  const said = new Set<string>();
  const onMalformed = (d: DecodedPacket): void => {
    if (macFlood && d.srcMacHi >= 0) macFlood.observe(d);
  };
  const onPacket = (d: DecodedPacket): void => {
    if (macFlood && d.srcMacHi >= 0) macFlood.observe(d);
    const l3 = d.l3;
    if (l3 === L3_NONE) {
      // 802.11 management frames (a Wi-Fi capture in monitor mode); other link-layer types have no watch
      if (d.etherType >= WLAN_MANAGEMENT) {
        wifi?.observe(d);
        twin?.observe(d);
      }
      return;
    }
    if (l3 === L3_ARP) {
      arpScan?.observe(d);
      return arp.observe(d);
    }
    if (l3 === L3_IPV4) {
      arp.observe(d);
      dup?.observe(d);
    }
    if (d.fragment !== 0 && fragments) fragments.observe(d);
    const proto = d.proto;
    if (proto === PROTO_TCP) {
      // both look the segment's tuple up: hashed once here
      const h = tupleHash(d.src, d.dst, d.srcPort, d.dstPort);
      syn?.observe(d, h);
      ttl?.observe(d, h);
      stealth?.observe(d);
    } else if (proto === PROTO_UDP) {
      dhcp.observe(d);
      if (starvation && (d.dstPort === 67 || d.srcPort === 67)) starvation.observe(d);
    } else if (proto === PROTO_ICMPV6) {
      icmp?.observe(d);
      ping?.observe(d);
      pingFlood?.observe(d);
      arpScan?.observe(d);
      ndp.observe(d);
      ra?.observe(d);
      // parameter problem, unrecognized next header: a protocol scan's answer
      if (d.icmpType === 4 && d.icmpCode === 1) protoScan?.unreachable(d);
    } else if (proto === PROTO_ICMP) {
      icmp?.observe(d);
      ping?.observe(d);
      pingFlood?.observe(d);
      if (d.icmpType === 3 && d.icmpCode === 2) protoScan?.unreachable(d);
    } else if (l3 === L3_IPV4 || l3 === L3_IPV6) protoScan?.observe(d);
  };
  return {
    onPacket,
    onMalformed,
    hooks: { onPacket, onMalformed },
    provider: {
      name: 'packets',
      finish: async () => {
        const findings = stateFindings(true);
        const dropped = (syn ? syn.stats.evictions : 0) + (ttl?.evictions ?? 0) + (icmp?.evictions ?? 0) + dhcp.evictions + ndp.evictions + (dup?.evictions ?? 0) + (ra?.evictions ?? 0) + (arpScan?.evictions ?? 0) + (ping?.evictions ?? 0) + (pingFlood?.evictions ?? 0) + (stealth?.evictions ?? 0) + (fragments?.evictions ?? 0) + (protoScan?.evictions ?? 0) + (wifi?.evictions ?? 0) + (twin?.evictions ?? 0);
        if (dropped > 0) warn(`packet detectors: ${thousands(dropped)} entries dropped because a table was full (rules.limits.maxGroupsPerRule ${thousands(rules.limits.maxGroupsPerRule)}); findings may be incomplete`);
        return { findings };
      },
    },
    opened() {
      const fresh = syn?.opened() ?? [];
      for (const f of stateFindings(false)) {
        const k = `${f.ruleId} ${f.srcIp ?? ''} ${f.targets.ips[0] ?? ''}`;
        // bounded like the tables: past the limit nothing more is said early (it still closes at the end)
        if (said.has(k) || said.size >= rules.limits.maxGroupsPerRule) continue;
        said.add(k);
        fresh.push(f);
      }
      return fresh;
    },
  };
}
