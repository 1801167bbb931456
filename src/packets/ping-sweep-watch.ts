/**
 * Ping sweeps (`packet.ping-sweep`): one source sending ICMP echo requests (IPv4 type 8, ICMPv6 128)
 * to more than `pingSweep.hosts` distinct hosts that never answer with an echo reply, with no gap
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
import { addressText, L3_IPV4, PROTO_ICMP, PROTO_ICMPV6, type DecodedPacket } from './decoded-packet.js';
import { thousands } from '../util/thousands.js';

interface Episode {
  readonly src: string;
  readonly first: number;
  last: number;
  requests: number;
  /** destination → answered (1) or not (0), in the order first pinged */
  readonly hosts: Map<string, number>;
  answered: number;
  capped: boolean;
}

const iso = (us: number): string => new Date(us / 1000).toISOString();

export class PingSweepWatch {
  /** open episodes by source, least recently active first */
  private readonly open = new Map<string, Episode>();
  private readonly closed: Episode[] = [];
  evictions = 0;

  constructor(
    private readonly cfg: PingSweepConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'maxTrackedDistinct' | 'sampleSize'>,
  ) {}

  observe(d: DecodedPacket): void {
    const v4 = d.l3 === L3_IPV4;
    if (d.proto !== (v4 ? PROTO_ICMP : PROTO_ICMPV6) || d.fragment === 2) return;
    const type = d.icmpType;
    const request = v4 ? type === 8 : type === 128;
    const reply = v4 ? type === 0 : type === 129;
    if (!request && !reply) return;
    const family = v4 ? 4 : 6;
    if (reply) {
      // an echo reply from `src` to the pinger `dst`
      const ep = this.open.get(addressText(d.dst, family));
      if (!ep) return;
      const from = addressText(d.src, family);
      if (ep.hosts.get(from) === 0) {
        ep.hosts.set(from, 1);
        ep.answered++;
      }
      return;
    }
    const src = addressText(d.src, family);
    const dst = addressText(d.dst, family);
    const ts = d.tsMicros;
    let ep = this.open.get(src);
    if (ep && ts - ep.last > this.cfg.windowSeconds * 1e6) {
      this.close(ep);
      ep = undefined;
    }
    if (ep) this.open.delete(src); // re-inserted below: the map stays in order of last activity
    else {
      if (this.open.size >= this.limits.maxGroupsPerRule) {
        const [oldestKey, oldest] = this.open.entries().next().value as [string, Episode];
        this.open.delete(oldestKey);
        this.close(oldest);
        this.evictions++;
      }
      ep = { src, first: ts, last: ts, requests: 0, hosts: new Map(), answered: 0, capped: false };
    }
    this.open.set(src, ep);
    ep.last = ts;
    ep.requests++;
    if (!ep.hosts.has(dst)) {
      if (ep.hosts.size < this.limits.maxTrackedDistinct) ep.hosts.set(dst, 0);
      else ep.capped = true;
    }
  }

  private close(ep: Episode): void {
    if (this.crossed(ep)) this.closed.push(ep);
  }

  private crossed(ep: Episode): boolean {
    return ep.hosts.size - ep.answered > this.cfg.hosts;
  }

  /** Every source whose unanswered echo requests crossed the threshold, closed episodes first. */
  findings(): Finding[] {
    const out: Finding[] = [];
    for (const ep of [...this.closed, ...this.open.values()]) {
      if (!this.crossed(ep)) continue;
      const unanswered = ep.hosts.size - ep.answered;
      const sample = [...ep.hosts.keys()].slice(0, this.limits.sampleSize);
      const span = (ep.last - ep.first) / 1e6;
      const plus = ep.capped ? '+' : '';
      out.push({
        ruleId: 'packet.ping-sweep',
        title: 'Ping sweep (ICMP echo to many hosts)',
        category: 'reconnaissance',
        severity: this.cfg.severity,
        srcIp: ep.src,
        targets: { ips: sample, ipCount: ep.hosts.size, ports: [], portCount: 0, countsCapped: ep.capped },
        firstSeen: iso(ep.first),
        lastSeen: iso(ep.last),
        count: ep.requests,
        counted: ['echo request', 'echo requests'],
        evidence: {
          hostsPinged: ep.hosts.size,
          answered: ep.answered,
          unanswered,
          requests: ep.requests,
          threshold: this.cfg.hosts,
          windowSeconds: this.cfg.windowSeconds,
          durationSeconds: Math.round(span * 1000) / 1000,
        },
        rows: [],
        reason:
          `${ep.src} sent ICMP echo requests to ${thousands(ep.hosts.size)}${plus} hosts in ${span.toFixed(1)} s, ` +
          `${thousands(unanswered)}${plus} of which never answered (${thousands(ep.answered)} did): a ping sweep looking for live hosts ` +
          `(more than ${this.cfg.hosts} unanswered, no gap over ${this.cfg.windowSeconds} s).`,
      });
    }
    return out;
  }
}
