/**
 * Scans, as bucket specs: a vertical scan is one source reaching more than N distinct destination
 * ports of one host within a window; a horizontal sweep is one source reaching more than M distinct
 * hosts on one port (and protocol) within a window.
 *
 * The seed script counted distinct *source* ports per client over the whole input, which flags any
 * busy client (every connection gets a fresh ephemeral source port) and never ends. Here the count
 * is of destination ports, per target host, in a sliding window, and one finding covers a scan
 * from its first to its last probe.
 *
 * Known false positives, worth a user's knowing: FTP in passive mode (a data connection to a new
 * server port per transfer) and RPC port mappers for vertical scans; clients of CDNs and DNS
 * resolvers for sweeps, which is why sweeps count failed attempts only when the input can tell.
 */
import { share, spanSeconds, type BucketRule, type EpisodeView } from './bucket.js';
import { FLAG_FAILED, FLAG_RST, FLAG_SYN } from './batch.js';
import { formatShare, formatSpan } from './finding.js';
import { thousands } from '../util/thousands.js';
import type { HostSweepConfig, PortScanConfig } from './rules-config.js';

/** Flag shares of an episode's flows, null where the input cannot tell. */
export function flagShares(v: EpisodeView): { failedShare: number | null; synShare: number | null; rstShare: number | null } {
  const ep = v.episode;
  return {
    failedShare: share(ep.failed, ep.flows, (ep.flagsKnown & FLAG_FAILED) !== 0),
    synShare: share(ep.syn, ep.flows, (ep.flagsKnown & FLAG_SYN) !== 0),
    rstShare: share(ep.rst, ep.flows, (ep.flagsKnown & FLAG_RST) !== 0),
  };
}

/** A count per minute over a span, one decimal; null when the span is unknown or zero. */
export function perMinute(count: number, spanS: number | null): number | null {
  return spanS === null || spanS <= 0 ? null : Math.round((count / spanS) * 600) / 10;
}

export const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6', 132: 'SCTP' };

export function verticalScanRule(cfg: PortScanConfig): BucketRule {
  return {
    id: 'port-scan.vertical',
    title: 'Vertical port scan',
    category: 'reconnaissance',
    severity: cfg.severity,
    requires: ['srcIp', 'dstIp', 'dstPort'],
    bucket: {
      groupBy: ['srcIp', 'dstIp'],
      distinct: 'dstPort',
      window: 'sliding',
      capacity: cfg.ports,
      windowSeconds: cfg.windowSeconds,
      filter: { failedOnly: cfg.failedOnly },
    },
    describe(v) {
      const ep = v.episode;
      const ports = ep.distinct;
      if (!ports) return null;
      const shares = flagShares(v);
      const span = spanSeconds(ep);
      const failedText = shares.failedShare === null ? '' : `; ${formatShare(shares.failedShare)} of the attempts carried no data or were refused`;
      const noHandshake = withoutHandshake(shares);
      return {
        reason:
          `${v.srcIp} probed ${thousands(ports.count)} distinct ports on ${v.dstIp} over ${formatSpan(span)} ` +
          `(more than ${cfg.ports} within ${cfg.windowSeconds} s)${failedText}` +
          (noHandshake
            ? `; ${shares.synShare === 0 ? 'none' : `only ${formatShare(shares.synShare as number)}`} opened with a SYN, and ${formatShare(shares.rstShare as number)} were answered by a reset: ` +
              'probes outside any connection, as an ACK, Window or Maimon scan (nmap -sA, -sW, -sM: which ports a firewall lets through) or a FIN, NULL or Xmas scan sends.'
            : '.'),
        evidence: {
          distinctPorts: ports.count,
          portsSample: ports.sample as number[],
          portsPerMinute: perMinute(ports.count, span),
          threshold: cfg.ports,
          windowSeconds: cfg.windowSeconds,
          durationSeconds: span,
          flows: ep.flows,
          ...shares,
          ...(noHandshake ? { probesWithoutHandshake: true } : {}),
        },
      };
    },
  };
}

/**
 * Whether a scan's attempts were TCP segments outside any connection: (nearly) none began with a
 * SYN, yet most were reset by the target (its stack's answer to a segment no connection expects).
 * A SYN or connect scan has a SYN in every attempt; a UDP scan's attempts have neither flag.
 */
function withoutHandshake(s: { synShare: number | null; rstShare: number | null }): boolean {
  return s.synShare !== null && s.rstShare !== null && s.synShare < 0.1 && s.rstShare >= 0.5;
}

export function hostSweepRule(cfg: HostSweepConfig): BucketRule {
  return {
    id: 'port-scan.horizontal',
    title: 'Horizontal sweep',
    category: 'reconnaissance',
    severity: cfg.severity,
    requires: ['srcIp', 'dstIp', 'dstPort'],
    bucket: {
      groupBy: ['srcIp', 'dstPort', 'proto'],
      distinct: 'dstIp',
      window: 'sliding',
      capacity: cfg.hosts,
      windowSeconds: cfg.windowSeconds,
      filter: { failedOnly: cfg.failedOnly },
    },
    describe(v) {
      const ep = v.episode;
      const hosts = ep.distinct;
      if (!hosts) return null;
      const shares = flagShares(v);
      const span = spanSeconds(ep);
      const proto = v.proto !== null ? `${PROTOCOL_NAMES[v.proto] ?? `protocol ${v.proto}`} ` : '';
      const count = `${thousands(hosts.count)}${hosts.capped ? '+' : ''}`;
      return {
        reason:
          `${v.srcIp} contacted ${count} distinct hosts on ${proto}port ${v.dstPort} over ${formatSpan(span)} ` +
          `(more than ${cfg.hosts} within ${cfg.windowSeconds} s)` +
          (shares.failedShare === null ? '.' : `; ${formatShare(shares.failedShare)} of the attempts carried no data or were refused.`),
        evidence: {
          distinctHosts: hosts.count,
          hostsCapped: hosts.capped,
          hostsSample: hosts.sample as string[],
          hostsPerMinute: perMinute(hosts.count, span),
          port: v.dstPort,
          protocol: v.proto,
          threshold: cfg.hosts,
          windowSeconds: cfg.windowSeconds,
          failedOnly: cfg.failedOnly,
          durationSeconds: span,
          flows: ep.flows,
          ...shares,
        },
      };
    },
  };
}
