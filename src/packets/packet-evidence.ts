/**
 * The packet detectors as analysis evidence: `analyze` passes `onPacket` to the capture reader and
 * the provider to the pipeline, whose findings then join the rules' (alerts, report, per-source
 * evidence). For inputs that are not captures the detectors see no packets and find nothing.
 *
 * The detectors (each its own *-watch.ts): ARP poisoning and duplicate addresses (arp-watch; IPv6
 * duplicates from neighbor advertisements: ndp-watch), SYN
 * scans and floods from the handshake (syn-watch), TTL jumps inside a connection (ttl-jump-watch),
 * ICMP redirects (icmp-redirect-watch), rogue DHCP servers (dhcp-watch). Their thresholds are rule
 * settings (`rules.synScan.*`, ... in detect/rules-config.ts). `onPacket` hands each packet only to
 * the detectors of its protocol, since it runs for every packet of a capture.
 */
import type { EvidenceProvider } from '../analysis/evidence.js';
import { resolveRulesConfig, type RulesConfigInput } from '../detect/rules-config.js';
import { ArpWatch } from './arp-watch.js';
import { L3_ARP, L3_IPV4, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, type DecodedPacket } from './decoded-packet.js';
import { DhcpWatch } from './dhcp-watch.js';
import { IcmpRedirectWatch } from './icmp-redirect-watch.js';
import { NdpWatch } from './ndp-watch.js';
import { SynWatch } from './syn-watch.js';
import { TtlJumpWatch } from './ttl-jump-watch.js';

export interface PacketDetectorOptions {
  /** where "state was dropped" notes go (default: stderr, as the capture reader's warnings) */
  readonly warn?: (message: string) => void;
}

export function packetDetectors(input: RulesConfigInput = {}, opts: PacketDetectorOptions = {}): { onPacket: (d: DecodedPacket) => void; provider: EvidenceProvider } {
  // the same settings the rules use (already checked when the configuration was loaded)
  const rules = resolveRulesConfig(input);
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`netsentinel: warning: ${m}\n`));
  const arp = new ArpWatch();
  const syn = rules.synScan.enabled || rules.synFlood.enabled ? new SynWatch(rules.synScan, rules.synFlood, rules.limits) : null;
  const ttl = rules.ttlJump.enabled ? new TtlJumpWatch(rules.ttlJump, rules.limits) : null;
  const icmp = rules.icmpRedirect.enabled ? new IcmpRedirectWatch(rules.icmpRedirect, rules.limits) : null;
  // DHCP runs even when its findings are off: the routers it sees are the redirect detector's known routers
  const dhcp = new DhcpWatch(rules.dhcp, rules.limits);
  const ndp = new NdpWatch(rules.limits);
  return {
    onPacket: (d) => {
      const l3 = d.l3;
      if (l3 === L3_ARP) return arp.observe(d);
      if (l3 === L3_IPV4) arp.observe(d);
      const proto = d.proto;
      if (proto === PROTO_TCP) {
        syn?.observe(d);
        ttl?.observe(d);
      } else if (proto === PROTO_UDP) dhcp.observe(d);
      else if (proto === PROTO_ICMPV6) {
        icmp?.observe(d);
        ndp.observe(d);
      } else if (proto === PROTO_ICMP) icmp?.observe(d);
    },
    provider: {
      name: 'packets',
      finish: async () => {
        const findings = [...arp.findings(), ...(syn?.findings() ?? []), ...(ttl?.findings() ?? []), ...(icmp?.findings(dhcp.trustedRouters()) ?? []), ...dhcp.findings(), ...ndp.findings()];
        const dropped = (syn ? syn.stats.evictions : 0) + (ttl?.evictions ?? 0) + (icmp?.evictions ?? 0) + dhcp.evictions + ndp.evictions;
        if (dropped > 0) warn(`packet detectors: ${dropped.toLocaleString('en-US')} entries dropped because a table was full (rules.limits.maxGroupsPerRule ${rules.limits.maxGroupsPerRule.toLocaleString('en-US')}); findings may be incomplete`);
        return { findings };
      },
    },
  };
}
