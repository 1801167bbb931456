/**
 * Ping sweeps (`packet.ping-sweep`): one source sending ICMP echo requests (IPv4 type 8, ICMPv6 128)
 * to more than `pingSweep.targets` distinct hosts that never answer with an echo reply, with no gap
 * longer than `pingSweep.windowSeconds` between its requests. The flow rules cannot see it: the
 * horizontal sweep counts hosts on one port, and ICMP flows have none; so `nmap -sn` or a ping loop
 * over a remote network (every silent address a one-packet ICMP flow) raised nothing.
 *
 * Answered echoes do not count, so a monitoring server pinging its fleet (which answers) is not a
 * sweep; a sweep of a subnet the sensor is on shows mostly as ARP (`arp.scan`, arp-scan-watch.ts).
 * Memory: at most `limits.maxGroupsPerRule` sources (the least recently active dropped, counted), and
 * `limits.maxTrackedDistinct` hosts per source episode (counts beyond are lower bounds).
 */
import type { Finding } from '../detect/finding.js';
import type { LimitsConfig, PingSweepConfig } from '../detect/rules-config.js';
import { addressTextMemo, L3_IPV4, PROTO_ICMP, PROTO_ICMPV6, type DecodedPacket } from './decoded-packet.js';
import { thousands } from '../util/thousands.js';
import { askedAddresses, askedCount, UnansweredRequests } from './unanswered-requests.js';

const iso = (us: number): string => new Date(us / 1000).toISOString();

export class PingSweepWatch {
  private readonly requests: UnansweredRequests<null>;

  constructor(
    private readonly cfg: PingSweepConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'maxTrackedDistinct' | 'sampleSize'>,
  ) {
    this.requests = new UnansweredRequests(cfg, limits);
  }

  /** episodes closed early because too many sources were open at once */
  get evictions(): number {
    return this.requests.evictions;
  }

  observe(d: DecodedPacket): void {
    const v4 = d.l3 === L3_IPV4;
    if (d.proto !== (v4 ? PROTO_ICMP : PROTO_ICMPV6) || d.fragment === 2) return;
    const type = d.icmpType;
    const request = v4 ? type === 8 : type === 128;
    const reply = v4 ? type === 0 : type === 129;
    if (!request && !reply) return;
    const family = v4 ? 4 : 6;
    // an echo reply from `src` to the pinger `dst`
    if (reply) return this.requests.answer(addressTextMemo(d.dst, family), addressTextMemo(d.src, family));
    this.requests.ask(addressTextMemo(d.src, family), addressTextMemo(d.dst, family), d.tsMicros, () => null);
  }

  /** Every source whose unanswered echo requests crossed the threshold, closed episodes first. */
  findings(): Finding[] {
    const out: Finding[] = [];
    for (const ep of this.requests.crossed()) {
      const unanswered = askedCount(ep) - ep.answered;
      const sample = askedAddresses(ep).slice(0, this.limits.sampleSize);
      const span = (ep.last - ep.first) / 1e6;
      const plus = ep.capped ? '+' : '';
      out.push({
        ruleId: 'packet.ping-sweep',
        title: 'Ping sweep (ICMP echo to many hosts)',
        category: 'reconnaissance',
        severity: this.cfg.severity,
        srcIp: ep.sender,
        targets: { ips: sample, ipCount: askedCount(ep), ports: [], portCount: 0, countsCapped: ep.capped },
        firstSeen: iso(ep.first),
        lastSeen: iso(ep.last),
        count: ep.requests,
        counted: ['echo request', 'echo requests'],
        evidence: {
          hostsPinged: askedCount(ep),
          answered: ep.answered,
          unanswered,
          requests: ep.requests,
          threshold: this.cfg.hosts,
          windowSeconds: this.cfg.windowSeconds,
          durationSeconds: Math.round(span * 1000) / 1000,
        },
        rows: [],
        reason:
          `${ep.sender} sent ICMP echo requests to ${thousands(askedCount(ep))}${plus} hosts in ${span.toFixed(1)} s, ` +
          `${thousands(unanswered)}${plus} of which never answered (${thousands(ep.answered)} did): a ping sweep looking for live hosts ` +
          `(more than ${this.cfg.hosts} unanswered, no gap over ${this.cfg.windowSeconds} s).`,
      });
    }
    return out;
  }
}
