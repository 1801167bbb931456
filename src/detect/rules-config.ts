/**
 * Every threshold of the behavioural rules, with its default and one line saying what it does, in
 * one table (`RULE_PARAMETERS`) from which the defaults, the validation and the help text all come.
 * The configuration file fills `rules.*` (e.g. `rules.portScan.ports: 20`); anything it leaves out
 * keeps its default; anything it gets wrong is a UserError naming the setting, what it must be and
 * what it got, the way scikit-learn words parameter errors.
 *
 * Not here: reading the file (the configuration loader), or what the rules do with the values.
 */
import { UserError } from '../util/errors.js';
import type { Severity } from './finding.js';
import { parseCidr } from './ip-address.js';

export interface PortScanConfig {
  readonly enabled: boolean;
  readonly ports: number;
  readonly windowSeconds: number;
  readonly failedOnly: boolean;
  readonly severity: Severity;
}

export interface HostSweepConfig {
  readonly enabled: boolean;
  readonly hosts: number;
  readonly windowSeconds: number;
  readonly failedOnly: boolean;
  readonly severity: Severity;
}

export interface BruteForceConfig {
  readonly enabled: boolean;
  readonly attempts: number;
  readonly windowSeconds: number;
  readonly ports: readonly number[];
  readonly maxDurationSeconds: number;
  readonly severity: Severity;
}

export interface FloodConfig {
  readonly enabled: boolean;
  readonly windowSeconds: number;
  readonly sourceConnectionsPerSecond: number;
  readonly targetConnectionsPerSecond: number;
  readonly sourcePacketsPerSecond: number;
  readonly targetPacketsPerSecond: number;
  readonly failedSynWeight: number;
  readonly smallPacketBytes: number;
  readonly severity: Severity;
}

export interface SpoofingConfig {
  readonly enabled: boolean;
  readonly bogonSources: boolean;
  readonly externalSide: boolean;
  readonly internalNetworks: readonly string[];
  readonly noLocation: boolean;
  readonly noLocationSeverity: Severity;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

export interface GeoPolicyConfig {
  readonly countries: readonly string[];
  readonly networks: readonly string[];
  readonly asns: readonly number[];
  readonly windowSeconds: number;
  readonly severity: Severity;
}

export interface TtlHopsConfig {
  readonly enabled: boolean;
  readonly maxHopChange: number;
  /** flows implying more hops than this are left out (traceroute probes, see ttl-hops.ts) */
  readonly maxPathHops: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

/** Connections at a steady period from one source to one destination and port (beaconing.ts). */
export interface BeaconingConfig {
  readonly enabled: boolean;
  readonly connections: number;
  readonly minPeriodSeconds: number;
  readonly maxJitter: number;
  readonly regularShare: number;
  readonly sleepJitter: number;
  /** a jittered beacon is confirmed only when this share of its pair's intervals (short ones aside) lie in its band; 0 = off */
  readonly historyShare: number;
  readonly ignorePorts: readonly number[];
  /** destinations (addresses or CIDRs) never reported: the servers your own pollers call */
  readonly ignoreDestinations: readonly string[];
  readonly windowSeconds: number;
  readonly severity: Severity;
}

/** Packet detectors (captures only, src/packets/*-watch.ts): half-open handshakes per source. */
export interface SynScanConfig {
  readonly enabled: boolean;
  readonly targets: number;
  readonly windowSeconds: number;
  readonly handshakeSeconds: number;
  readonly severity: Severity;
}

/** ARP requests from one sender for many addresses that never answer (arp-scan-watch.ts). */
export interface ArpScanConfig {
  readonly enabled: boolean;
  readonly hosts: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

/** ICMP echo requests from one source to many hosts that never answer (ping-sweep-watch.ts). */
export interface PingSweepConfig {
  readonly enabled: boolean;
  readonly hosts: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

/** ICMP echo requests towards one host (icmp-flood-watch.ts). */
export interface IcmpFloodConfig {
  readonly enabled: boolean;
  readonly requests: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

/** Half-open handshakes towards one destination port. */
export interface SynFloodConfig {
  readonly enabled: boolean;
  readonly halfOpen: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

export interface IcmpRedirectConfig {
  readonly enabled: boolean;
  readonly routers: readonly string[];
  readonly maxRedirects: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

export interface DhcpConfig {
  readonly enabled: boolean;
  readonly servers: readonly string[];
  readonly severity: Severity;
}

/** Frames from many source MACs never seen before (mac-flood-watch.ts). */
export interface MacFloodConfig {
  readonly enabled: boolean;
  readonly macs: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

/** DHCP DISCOVERs from many made-up clients (dhcp-starvation-watch.ts). */
export interface DhcpStarvationConfig {
  readonly enabled: boolean;
  readonly clients: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

export interface TtlJumpConfig {
  readonly enabled: boolean;
  readonly maxHopChange: number;
  readonly severity: Severity;
}

export interface DuplicateIpConfig {
  readonly enabled: boolean;
  readonly maxAddressesPerMac: number;
  readonly minChanges: number;
  readonly severity: Severity;
}

/** IP protocols other than TCP, UDP and ICMP from one source to one host (packets/protocol-scan-watch.ts). */
export interface ProtocolScanConfig {
  readonly enabled: boolean;
  readonly protocols: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

/** 802.11 deauthentication and disassociation frames in one network (packets/wifi-deauth-watch.ts). */
export interface WifiDeauthConfig {
  readonly enabled: boolean;
  readonly frames: number;
  readonly windowSeconds: number;
  readonly severity: Severity;
}

/** One Wi-Fi network name announced with two kinds of security (packets/wifi-twin-watch.ts). */
export interface WifiTwinConfig {
  readonly enabled: boolean;
  readonly severity: Severity;
}

/** IP fragments no ordinary stack sends: tiny, overlapping, oversized (packets/fragment-watch.ts). */
export interface FragmentsConfig {
  readonly enabled: boolean;
  readonly severity: Severity;
}

export interface RouterAdvertConfig {
  readonly enabled: boolean;
  readonly routers: readonly string[];
  readonly severity: Severity;
}

export interface GeoIpConfig {
  readonly enabled: boolean;
  readonly cityDatabase: string | null;
  readonly asnDatabase: string | null;
}

export interface LimitsConfig {
  readonly maxGroupsPerRule: number;
  readonly maxTrackedDistinct: number;
  readonly sampleSize: number;
  readonly maxInternedIps: number;
}

export interface RulesConfig {
  readonly portScan: PortScanConfig;
  readonly hostSweep: HostSweepConfig;
  readonly bruteForce: BruteForceConfig;
  readonly flood: FloodConfig;
  readonly spoofing: SpoofingConfig;
  readonly geoPolicy: GeoPolicyConfig;
  readonly ttlHops: TtlHopsConfig;
  readonly beaconing: BeaconingConfig;
  readonly synScan: SynScanConfig;
  readonly synFlood: SynFloodConfig;
  readonly arpScan: ArpScanConfig;
  readonly pingSweep: PingSweepConfig;
  readonly icmpFlood: IcmpFloodConfig;
  readonly icmpRedirect: IcmpRedirectConfig;
  readonly dhcp: DhcpConfig;
  readonly dhcpStarvation: DhcpStarvationConfig;
  readonly macFlood: MacFloodConfig;
  readonly ttlJump: TtlJumpConfig;
  readonly duplicateIp: DuplicateIpConfig;
  readonly fragments: FragmentsConfig;
  readonly protocolScan: ProtocolScanConfig;
  readonly wifiDeauth: WifiDeauthConfig;
  readonly wifiTwin: WifiTwinConfig;
  readonly routerAdvert: RouterAdvertConfig;
  readonly geoip: GeoIpConfig;
  readonly limits: LimitsConfig;
}

/** Partial input as a configuration file gives it (any section or key may be missing). */
export type RulesConfigInput = { readonly [S in keyof RulesConfig]?: Partial<RulesConfig[S]> };

type Kind =
  | { readonly type: 'int'; readonly min: number; readonly max?: number }
  | { readonly type: 'number'; readonly min: number; readonly max?: number; readonly above?: boolean }
  | { readonly type: 'bool' }
  | { readonly type: 'severity' }
  | { readonly type: 'ports' }
  | { readonly type: 'cidrs' }
  | { readonly type: 'countries' }
  | { readonly type: 'asns' }
  | { readonly type: 'path' };

export interface RuleParameter {
  /** e.g. "portScan.ports" (the file writes it under `rules:`) */
  readonly path: string;
  readonly default: unknown;
  readonly description: string;
  readonly kind: Kind;
}

/**
 * Ports of services that take a password: FTP, SSH (22, and 2222 its usual alternative), Telnet,
 * SMTP, POP3, IMAP, SMB, SMTPS, submission, IMAPS, POP3S, MSSQL, Oracle, MySQL, RDP, PostgreSQL,
 * VNC, Redis. Web logins (80, 443) are left out on purpose: one browser makes dozens of short
 * connections a minute to one site.
 */
export const DEFAULT_AUTH_PORTS: readonly number[] = [21, 22, 23, 25, 110, 143, 445, 465, 587, 993, 995, 1433, 1521, 2222, 3306, 3389, 5432, 5900, 6379];

const int = (min: number, max?: number): Kind => ({ type: 'int', min, max });
const num = (min: number, above = false, max?: number): Kind => ({ type: 'number', min, above, max });
const bool: Kind = { type: 'bool' };
const severity: Kind = { type: 'severity' };

export const RULE_PARAMETERS: readonly RuleParameter[] = [
  { path: 'portScan.enabled', default: true, kind: bool, description: 'report vertical port scans (one source, many ports of one host)' },
  { path: 'portScan.ports', default: 10, kind: int(1, 65535), description: 'a scan is more than this many distinct destination ports on one host within the window' },
  { path: 'portScan.windowSeconds', default: 60, kind: num(0, true), description: 'sliding window for counting ports; also the quiet time that ends a scan' },
  { path: 'portScan.failedOnly', default: false, kind: bool, description: 'count only attempts that carried no data or were refused (when the input tells)' },
  { path: 'portScan.severity', default: 2, kind: severity, description: 'severity of a vertical scan finding (1 highest, 4 lowest)' },

  { path: 'hostSweep.enabled', default: true, kind: bool, description: 'report horizontal sweeps (one source, one port, many hosts)' },
  { path: 'hostSweep.hosts', default: 20, kind: int(1), description: 'a sweep is more than this many distinct hosts on one port within the window' },
  { path: 'hostSweep.windowSeconds', default: 60, kind: num(0, true), description: 'sliding window for counting hosts; also the quiet time that ends a sweep' },
  { path: 'hostSweep.failedOnly', default: true, kind: bool, description: 'count only failed attempts, so a client fetching from many web servers is not a sweep' },
  { path: 'hostSweep.severity', default: 2, kind: severity, description: 'severity of a sweep finding' },

  { path: 'bruteForce.enabled', default: true, kind: bool, description: 'report password guessing (many short connections to a login service; refused, unanswered or empty ones are no guesses and do not count, when the input tells)' },
  { path: 'bruteForce.attempts', default: 20, kind: int(1), description: 'brute force is more than this many connections from one source to one service on one host within the window' },
  { path: 'bruteForce.windowSeconds', default: 60, kind: num(0, true), description: 'sliding window for counting connections' },
  { path: 'bruteForce.ports', default: DEFAULT_AUTH_PORTS, kind: { type: 'ports' }, description: 'destination ports of services that take a password' },
  { path: 'bruteForce.maxDurationSeconds', default: 30, kind: num(0, true), description: 'only connections at most this long count (a guess is short; a session is not)' },
  { path: 'bruteForce.severity', default: 1, kind: severity, description: 'severity of a brute-force finding' },

  { path: 'flood.enabled', default: true, kind: bool, description: 'report connection and packet floods (leaky buckets per source and per target)' },
  { path: 'flood.windowSeconds', default: 10, kind: num(0, true), description: 'a bucket holds this many seconds of the threshold rate: bursts shorter than that are absorbed' },
  { path: 'flood.sourceConnectionsPerSecond', default: 100, kind: num(0, true), description: 'connections per second from one source above which it floods' },
  { path: 'flood.targetConnectionsPerSecond', default: 500, kind: num(0, true), description: 'connections per second towards one host above which it is flooded (from any number of sources)' },
  { path: 'flood.sourcePacketsPerSecond', default: 10000, kind: num(0, true), description: 'small packets per second from one source above which it floods' },
  { path: 'flood.targetPacketsPerSecond', default: 50000, kind: num(0, true), description: 'small packets per second towards one host above which it is flooded' },
  { path: 'flood.failedSynWeight', default: 3, kind: num(1), description: 'an unanswered or refused SYN weighs this many connections (SYN floods leave half-open state behind)' },
  { path: 'flood.smallPacketBytes', default: 100, kind: num(0), description: 'packet floods count only flows whose mean forward payload per packet is at most this (bulk transfers are not floods)' },
  { path: 'flood.severity', default: 2, kind: severity, description: 'severity of a flood finding' },

  { path: 'spoofing.enabled', default: true, kind: bool, description: 'check source addresses for ones that cannot be genuine' },
  { path: 'spoofing.bogonSources', default: true, kind: bool, description: 'report sources that can never be on a wire (0.0.0.0/8, 240.0.0.0/4, multicast, documentation and benchmarking ranges unless both ends are in them (a test lab), loopback off loopback, IPv6 equivalents; 0.0.0.0 and :: only towards a host, since an address-less host sends DHCP, duplicate address detection and MLD from them to the link\'s broadcast and multicast groups)' },
  { path: 'spoofing.externalSide', default: false, kind: bool, description: 'the sensor sees traffic arriving from the Internet: private, shared and link-local sources outside internalNetworks are spoofed' },
  { path: 'spoofing.internalNetworks', default: [], kind: { type: 'cidrs' }, description: 'networks that are yours (CIDR list); their sources are never reported as private-range spoofing' },
  { path: 'spoofing.noLocation', default: true, kind: bool, description: 'report public sources the GeoIP database has no location for (weak evidence; needs a database)' },
  { path: 'spoofing.noLocationSeverity', default: 3, kind: severity, description: 'severity of a no-location finding' },
  { path: 'spoofing.windowSeconds', default: 300, kind: num(0, true), description: 'a source quiet this long closes its finding; later flows open a new one' },
  { path: 'spoofing.severity', default: 2, kind: severity, description: 'severity of bogon and private-range source findings' },

  { path: 'geoPolicy.countries', default: [], kind: { type: 'countries' }, description: 'ISO 3166 country codes whose sources are reported (needs a GeoIP database)' },
  { path: 'geoPolicy.networks', default: [], kind: { type: 'cidrs' }, description: 'source networks (CIDR list) that are reported' },
  { path: 'geoPolicy.asns', default: [], kind: { type: 'asns' }, description: 'autonomous system numbers whose sources are reported (needs an ASN database)' },
  { path: 'geoPolicy.windowSeconds', default: 300, kind: num(0, true), description: 'a source quiet this long closes its finding' },
  { path: 'geoPolicy.severity', default: 2, kind: severity, description: 'severity of a policy finding' },

  { path: 'ttlHops.enabled', default: true, kind: bool, description: 'report sources whose hop count (inferred initial TTL 64/128/255 minus observed TTL) jumps (needs TTLs)' },
  { path: 'ttlHops.maxHopChange', default: 5, kind: int(1, 254), description: 'a finding when one source is seen at hop counts differing by more than this' },
  { path: 'ttlHops.maxPathHops', default: 32, kind: int(1, 254), description: 'flows implying more hops than this are left out: no route is that long, the sender set a small TTL on purpose (traceroute, mtr)' },
  { path: 'ttlHops.windowSeconds', default: 3600, kind: num(0, true), description: 'a source quiet this long is forgotten' },
  { path: 'ttlHops.severity', default: 3, kind: severity, description: 'severity of a hop-count change finding' },

  { path: 'beaconing.enabled', default: true, kind: bool, description: 'report beaconing: one source connecting to one destination and port at a steady period (malware calling its command-and-control server)' },
  { path: 'beaconing.connections', default: 8, kind: int(3, 16), description: 'a beacon is at least this many connections on the beat among the last 16 of a (source, destination, port)' },
  { path: 'beaconing.minPeriodSeconds', default: 1, kind: num(0, true), description: 'shortest period reported: connections closer together than this are bursts, not a timer' },
  { path: 'beaconing.maxJitter', default: 0.05, kind: num(0, true, 0.5), description: 'a connection is on the beat when it comes a whole number of periods after the last beat, give or take this share of the period' },
  { path: 'beaconing.regularShare', default: 0.85, kind: num(0, true, 1), description: 'share of the last connections that must be on the beat (the rest: extra connections, irregular ones; missed beats are allowed up to as many as seen)' },
  { path: 'beaconing.sleepJitter', default: 0.35, kind: num(0, false, 0.5), description: 'beacons whose sleep is randomised (command-and-control implants: Cobalt Strike\'s "sleep 60 20", Sliver, Mythic) are found when all but one of the last 16 connections (follow-ups within minPeriodSeconds aside; one beat may be missed) come within ± this share of the period after the beat before, in two rings 8 connections apart; 0 looks for steady timers only' },
  { path: 'beaconing.historyShare', default: 0, kind: num(0, false, 1), description: 'jittered beacons: also ask that at least this share of all the pair\'s intervals so far (those shorter than the band aside: extra and second calls) lie within ± sleepJitter of the period, as a timer\'s stay all its life; 0.75 reports a third of the random pairs with near-regular gaps that 0 does (log-normal σ 0.5) at a small cost in noisy timers (docs/architecture.md); 0 = off' },
  { path: 'beaconing.ignorePorts', default: [], kind: { type: 'ports' }, description: 'destination ports never reported (your own polling agents, e.g. a monitoring port)' },
  { path: 'beaconing.ignoreDestinations', default: [], kind: { type: 'cidrs' }, description: 'destinations (addresses or CIDRs) never reported: the servers your own pollers call every minute (NTP servers, a monitoring collector, an update mirror); unlike ignorePorts it leaves other servers on those ports watched' },
  { path: 'beaconing.windowSeconds', default: 600, kind: num(0, true), description: 'a pair quiet this long ends its episode and is forgotten: longer periods are not seen' },
  { path: 'beaconing.severity', default: 2, kind: severity, description: 'severity of a beaconing finding' },

  // packet detectors: captures only (they need the handshake's packets, DHCP and ICMP payloads, per-packet TTLs)
  { path: 'synScan.enabled', default: true, kind: bool, description: 'captures: report sources whose TCP handshakes never complete (SYN scans), seen from the packets' },
  { path: 'synScan.targets', default: 20, kind: int(1), description: 'a SYN scan is more than this many distinct (host, port) targets with half-open handshakes from one source, with no gap longer than the window' },
  { path: 'synScan.windowSeconds', default: 60, kind: num(0, true), description: 'a source quiet this long ends its scan episode' },
  { path: 'synScan.handshakeSeconds', default: 5, kind: num(0, true), description: 'a SYN not followed by the client\'s ACK within this time is half-open (refused and reset ones at once); synFlood counts the same' },
  { path: 'synScan.severity', default: 2, kind: severity, description: 'severity of a SYN scan finding' },

  { path: 'synFlood.enabled', default: true, kind: bool, description: 'captures: report SYN floods (many half-open handshakes towards one host and port)' },
  { path: 'synFlood.halfOpen', default: 500, kind: int(1), description: 'a SYN flood is more than this many half-open handshakes towards one host and port within the window' },
  { path: 'synFlood.windowSeconds', default: 10, kind: num(0, true), description: 'sliding window for counting half-open handshakes' },
  { path: 'synFlood.severity', default: 2, kind: severity, description: 'severity of a SYN flood finding' },

  { path: 'arpScan.enabled', default: true, kind: bool, description: 'captures: report host discovery on the link: one sender asking by ARP for many addresses that never answer (a ping or ARP sweep of the local subnet, which makes no flow for an address no machine holds)' },
  { path: 'arpScan.hosts', default: 20, kind: int(1), description: 'an ARP scan is more than this many distinct addresses asked for and never answered from one sender, with no gap longer than the window' },
  { path: 'arpScan.windowSeconds', default: 60, kind: num(0, true), description: 'a sender quiet this long ends its scan episode' },
  { path: 'arpScan.severity', default: 2, kind: severity, description: 'severity of an ARP scan finding' },

  { path: 'pingSweep.enabled', default: true, kind: bool, description: 'captures: report ping sweeps: one source sending ICMP echo requests to many hosts that never answer (ICMP flows have no port, so the horizontal sweep does not count them)' },
  { path: 'pingSweep.hosts', default: 20, kind: int(1), description: 'a ping sweep is more than this many distinct hosts pinged and never answering from one source, with no gap longer than the window' },
  { path: 'pingSweep.windowSeconds', default: 60, kind: num(0, true), description: 'a source quiet this long ends its sweep episode' },
  { path: 'pingSweep.severity', default: 2, kind: severity, description: 'severity of a ping sweep finding' },

  { path: 'icmpFlood.enabled', default: true, kind: bool, description: 'captures: report ping floods: many ICMP echo requests towards one host, from one source or many (one flow, under the packet-flood rule\'s rate for any protocol)' },
  { path: 'icmpFlood.requests', default: 1000, kind: int(1), description: 'a ping flood is more than this many echo requests towards one host within the window (ping sends one a second)' },
  { path: 'icmpFlood.windowSeconds', default: 10, kind: num(0, true), description: 'sliding window for counting echo requests' },
  { path: 'icmpFlood.severity', default: 2, kind: severity, description: 'severity of a ping flood finding' },

  { path: 'icmpRedirect.enabled', default: true, kind: bool, description: 'captures: report ICMP redirects (IPv4 type 5, ICMPv6 type 137) from hosts not known as routers, and bursts of them' },
  { path: 'icmpRedirect.routers', default: [], kind: { type: 'cidrs' }, description: 'your routers (addresses or CIDRs); routers offered by DHCP and IPv6 router advertisers seen in the capture count too' },
  { path: 'icmpRedirect.maxRedirects', default: 10, kind: int(1), description: 'more than this many redirects from one known router within the window is a finding too' },
  { path: 'icmpRedirect.windowSeconds', default: 60, kind: num(0, true), description: 'window for counting redirects from one sender' },
  { path: 'icmpRedirect.severity', default: 2, kind: severity, description: 'severity of a redirect from a host not known as a router (a burst from a router is one lower)' },

  { path: 'dhcp.enabled', default: true, kind: bool, description: 'captures: report DHCP servers (OFFER/ACK/NAK, DHCPv6 ADVERTISE/REPLY) that are not yours' },
  { path: 'dhcp.servers', default: [], kind: { type: 'cidrs' }, description: 'your DHCP servers (addresses or CIDRs, by source address or server identifier); empty: any second server seen is reported' },
  { path: 'dhcp.severity', default: 1, kind: severity, description: 'severity of a server outside dhcp.servers (a second server when no list is set is one lower)' },
  { path: 'dhcpStarvation.enabled', default: true, kind: bool, description: 'captures: report DHCP starvation: DISCOVERs for many distinct client hardware addresses in a short time (dhcpig, yersinia), which exhaust the server\'s pool for a rogue server to take over' },
  { path: 'dhcpStarvation.clients', default: 100, kind: int(1), description: 'starvation is more than this many distinct clients sending DHCPDISCOVER with no gap longer than the window (a mass boot of real hosts spreads over minutes)' },
  { path: 'dhcpStarvation.windowSeconds', default: 10, kind: num(0, true), description: 'a link without a DISCOVER this long ends the episode' },
  { path: 'dhcpStarvation.severity', default: 2, kind: severity, description: 'severity of a DHCP starvation finding' },
  { path: 'macFlood.enabled', default: true, kind: bool, description: 'captures: report MAC flooding: frames from many source MACs never seen before in a short time (macof), which fills switches\' address tables so they send every frame everywhere' },
  { path: 'macFlood.macs', default: 1000, kind: int(10, 1_000_000), description: 'a flood is more than this many new source MACs within the window' },
  { path: 'macFlood.windowSeconds', default: 10, kind: num(0, true), description: 'the window the new MACs are counted in; a window without a new MAC ends the flood' },
  { path: 'macFlood.severity', default: 2, kind: severity, description: 'severity of a MAC flooding finding' },

  { path: 'ttlJump.enabled', default: true, kind: bool, description: 'captures: report TTL/hop-limit jumps within one direction of an established TCP connection (packets injected by another machine)' },
  { path: 'ttlJump.maxHopChange', default: 3, kind: int(1, 254), description: 'a jump is a hop count differing by more than this from the connection\'s first, or a different initial-TTL class (64/128/255)' },
  { path: 'ttlJump.severity', default: 2, kind: severity, description: 'severity of a TTL jump finding' },

  { path: 'duplicateIp.enabled', default: true, kind: bool, description: 'captures: report an IPv4 address sent from by two MACs in turn on one link (VLAN), seen in IP traffic without ARP telling (arp.ip-conflict covers what ARP shows)' },
  { path: 'duplicateIp.maxAddressesPerMac', default: 4, kind: int(1), description: 'a MAC sending from more than this many IPv4 addresses is a router forwarding others\' packets: it is left out' },
  { path: 'duplicateIp.minChanges', default: 2, kind: int(1), description: 'the sending MAC of one address must change this often (A, B, A is 2): one change is a replaced machine or a lease handed on' },
  { path: 'duplicateIp.severity', default: 2, kind: severity, description: 'severity of a duplicate address finding' },

  { path: 'fragments.enabled', default: true, kind: bool, description: 'captures: report sources of IP fragments no ordinary stack sends: first fragments too small for their TCP, UDP or ICMP header (RFC 1858; nmap -f, fragroute), fragments overlapping others of their datagram (IDS evasion, teardrop), fragments ending past 65,535 bytes (ping of death)' },
  { path: 'fragments.severity', default: 2, kind: severity, description: 'severity of a fragment finding' },

  { path: 'protocolScan.enabled', default: true, kind: bool, description: 'captures: report IP protocol scans (nmap -sO): packets of many IP protocols other than TCP, UDP and ICMP from one source to one host' },
  { path: 'protocolScan.protocols', default: 5, kind: int(1, 255), description: 'a protocol scan is more than this many such protocols towards one host, no gap longer than the window (a tunnel uses GRE or ESP and AH; routers add IGMP, OSPF, VRRP, PIM)' },
  { path: 'protocolScan.windowSeconds', default: 60, kind: num(0, true), description: 'longest gap between a scan\'s packets' },
  { path: 'protocolScan.severity', default: 2, kind: severity, description: 'severity of a protocol scan finding' },
  { path: 'wifiDeauth.enabled', default: true, kind: bool, description: 'captures in Wi-Fi monitor mode (802.11, radiotap): report deauthentication floods, many deauthentication and disassociation frames in one network (aireplay-ng -0, mdk4)' },
  { path: 'wifiDeauth.frames', default: 30, kind: int(1), description: 'a deauthentication flood is more than this many deauthentication and disassociation frames in one network (BSSID) within the window (a client leaving sends one)' },
  { path: 'wifiDeauth.windowSeconds', default: 10, kind: num(0, true), description: 'sliding window for counting them' },
  { path: 'wifiDeauth.severity', default: 2, kind: severity, description: 'severity of a deauthentication flood finding' },
  { path: 'wifiTwin.enabled', default: true, kind: bool, description: 'captures in Wi-Fi monitor mode: report evil twins, a network name (SSID) announced with two kinds of security (WPA2/WPA3, WPA, WEP, open) by its access points (airbase-ng, hostapd-mana, wifiphisher)' },
  { path: 'wifiTwin.severity', default: 2, kind: severity, description: 'severity of an evil twin finding' },

  { path: 'routerAdvert.enabled', default: true, kind: bool, description: 'captures: report IPv6 router takeover: a new router advertising a prefix another router advertised, or a known router\'s address advertised from another MAC (lifetime 0 makes hosts drop their router)' },
  { path: 'routerAdvert.routers', default: [], kind: { type: 'cidrs' }, description: 'your IPv6 routers (their link-local or global addresses, or CIDRs): never reported; empty: the first router to advertise a prefix or an address owns it' },
  { path: 'routerAdvert.severity', default: 1, kind: severity, description: 'severity of a router takeover or impostor finding' },

  { path: 'geoip.enabled', default: true, kind: bool, description: 'look sources up in a GeoIP database (default: DB-IP City Lite, bundled; "IP Geolocation by DB-IP")' },
  { path: 'geoip.cityDatabase', default: null, kind: { type: 'path' }, description: 'a MaxMind-format .mmdb city or country database to use instead (e.g. GeoLite2-City.mmdb)' },
  { path: 'geoip.asnDatabase', default: null, kind: { type: 'path' }, description: 'a MaxMind-format .mmdb ASN database (e.g. GeoLite2-ASN.mmdb), for geoPolicy.asns' },

  { path: 'limits.maxGroupsPerRule', default: 200000, kind: int(100), description: 'groups (sources, pairs, ...) a rule keeps at once, and entries per packet-detector table (pending handshakes, connections); beyond it the least recently active (oldest, for packet tables) are dropped and counted' },
  { path: 'limits.maxTrackedDistinct', default: 65536, kind: int(16), description: 'distinct values counted exactly per finding; beyond it counts are lower bounds' },
  { path: 'limits.sampleSize', default: 20, kind: int(1, 10000), description: 'rows, ports and hosts listed per finding' },
  { path: 'limits.maxInternedIps', default: 2000000, kind: int(1000, 1 << 25), description: 'distinct addresses remembered before the address table is compacted to those still in use' },
];

/** The defaults, as a fresh object. */
export function defaultRulesConfig(): RulesConfig {
  return resolveRulesConfig({});
}

const SECTIONS = [...new Set(RULE_PARAMETERS.map((p) => p.path.split('.')[0]))];

/**
 * Defaults filled in and every value checked. `where` prefixes setting names in messages (the
 * configuration file's section). Unknown sections and keys are errors, with a suggestion when a
 * known name is close: a misspelt threshold silently left at its default is worse than a refusal.
 */
export function resolveRulesConfig(input: unknown, where = 'rules'): RulesConfig {
  if (input === undefined || input === null) input = {};
  if (!isPlainObject(input)) throw new UserError(`${where} must be a mapping of rule sections (${SECTIONS.join(', ')}). Got ${describe(input)} instead.`);
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of SECTIONS) out[s] = {};
  for (const key of Object.keys(input)) {
    if (!SECTIONS.includes(key)) throw new UserError(`unknown setting ${where}.${key}${suggest(key, SECTIONS)}; known sections: ${SECTIONS.join(', ')}`);
    const section = (input as Record<string, unknown>)[key];
    if (section === undefined || section === null) continue;
    if (!isPlainObject(section)) throw new UserError(`${where}.${key} must be a mapping of settings. Got ${describe(section)} instead.`);
    const known = RULE_PARAMETERS.filter((p) => p.path.startsWith(`${key}.`)).map((p) => p.path.slice(key.length + 1));
    for (const k of Object.keys(section)) {
      if (!known.includes(k)) throw new UserError(`unknown setting ${where}.${key}.${k}${suggest(k, known)}; ${where}.${key} has ${known.join(', ')}`);
    }
  }
  for (const p of RULE_PARAMETERS) {
    const [section, key] = p.path.split('.');
    const given = (input as Record<string, Record<string, unknown> | undefined>)[section]?.[key];
    out[section][key] = given === undefined ? cloneDefault(p.default) : check(`${where}.${p.path}`, p.kind, given);
  }
  return deepFreeze(out) as unknown as RulesConfig;
}

function check(name: string, kind: Kind, v: unknown): unknown {
  const fail = (expected: string): never => {
    throw new UserError(`The '${name}' setting must be ${expected}. Got ${describe(v)} instead.`);
  };
  switch (kind.type) {
    case 'bool':
      if (typeof v !== 'boolean') fail('true or false');
      return v;
    case 'int': {
      const range = kind.max === undefined ? `an integer >= ${kind.min}` : `an integer in [${kind.min}, ${kind.max}]`;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < kind.min || (kind.max !== undefined && v > kind.max)) fail(range);
      return v;
    }
    case 'number': {
      const low = kind.above ? `> ${kind.min}` : `>= ${kind.min}`;
      const range = kind.max === undefined ? `a number ${low}` : `a number ${low} and <= ${kind.max}`;
      if (typeof v !== 'number' || !Number.isFinite(v) || (kind.above ? v <= kind.min : v < kind.min) || (kind.max !== undefined && v > kind.max)) fail(range);
      return v;
    }
    case 'severity':
      if (v !== 1 && v !== 2 && v !== 3 && v !== 4) fail('1, 2, 3 or 4 (1 is the highest, as in Suricata)');
      return v;
    case 'ports': {
      if (!Array.isArray(v)) fail('a list of ports (integers 0 to 65535)');
      const arr = v as unknown[];
      arr.forEach((p, i) => {
        if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) {
          throw new UserError(`The '${name}' setting must be a list of ports (integers 0 to 65535). Item ${i + 1} is ${describe(p)}.`);
        }
      });
      return [...new Set(arr as number[])];
    }
    case 'cidrs': {
      if (!Array.isArray(v)) fail('a list of networks like "10.0.0.0/8" or "fd00::/8"');
      return (v as unknown[]).map((c, i) => {
        if (typeof c !== 'string') throw new UserError(`The '${name}' setting must be a list of networks. Item ${i + 1} is ${describe(c)}.`);
        const parsed = parseCidr(c);
        if (typeof parsed === 'string') throw new UserError(`The '${name}' setting, item ${i + 1}: ${parsed}.`);
        return c.trim();
      });
    }
    case 'countries': {
      if (!Array.isArray(v)) fail('a list of two-letter country codes like "KP"');
      return (v as unknown[]).map((c, i) => {
        if (typeof c !== 'string' || !/^[A-Za-z]{2}$/.test(c.trim())) {
          throw new UserError(`The '${name}' setting must be a list of two-letter ISO 3166 country codes (like "KP"). Item ${i + 1} is ${describe(c)}.`);
        }
        return c.trim().toUpperCase();
      });
    }
    case 'asns': {
      if (!Array.isArray(v)) fail('a list of AS numbers like 64500 or "AS64500"');
      return (v as unknown[]).map((c, i) => {
        const n = typeof c === 'number' ? c : typeof c === 'string' && /^(AS)?\d+$/i.test(c.trim()) ? Number(c.trim().replace(/^AS/i, '')) : NaN;
        if (!Number.isInteger(n) || n < 0 || n > 4294967295) {
          throw new UserError(`The '${name}' setting must be a list of AS numbers (like 64500 or "AS64500"). Item ${i + 1} is ${describe(c)}.`);
        }
        return n;
      });
    }
    case 'path':
      if (v !== null && (typeof v !== 'string' || v.trim() === '')) fail('a file path or null');
      return v;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 60)})`;
  if (isPlainObject(v)) return 'a mapping';
  return JSON.stringify(v);
}

function cloneDefault(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** " (did you mean ports?)" for a near miss, else "". */
function suggest(got: string, known: readonly string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(got.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= Math.max(2, Math.floor(got.length / 4)) ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** One rule setting as a run will use it, for `netsentinel config show`. */
export interface RuleSetting {
  /** e.g. "rules.beaconing.connections", as the configuration file writes it */
  readonly key: string;
  readonly value: unknown;
  readonly default: unknown;
  /** whether the configuration gave it (else it is the default) */
  readonly given: boolean;
  readonly description: string;
}

/**
 * Every rule setting, in RULE_PARAMETERS' order, with the value a run takes from `input` (the
 * configuration file's `rules:` section, maybe undefined): the file's value, checked as a run
 * checks it, or the default.
 */
export function ruleSettings(input: unknown, where = 'rules'): RuleSetting[] {
  const effective = resolveRulesConfig(input, where) as unknown as Record<string, Record<string, unknown>>;
  const given = isPlainObject(input) ? input : {};
  return RULE_PARAMETERS.map((p) => {
    const [section, key] = p.path.split('.');
    const s = given[section];
    return { key: `rules.${p.path}`, value: effective[section][key], default: p.default, given: isPlainObject(s) && s[key] !== undefined, description: p.description };
  });
}

/** Help text: one line per setting with its default, for `netsentinel config --help`. */
export function describeRuleParameters(prefix = 'rules'): string {
  const width = Math.max(...RULE_PARAMETERS.map((p) => p.path.length)) + prefix.length + 1;
  return RULE_PARAMETERS.map((p) => `${`${prefix}.${p.path}`.padEnd(width)}  ${p.description} (default ${JSON.stringify(p.default)})`).join('\n');
}
