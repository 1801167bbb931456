/**
 * FIN, NULL and Xmas scans (`packet.stealth-scan`): one source sending TCP segments with none of
 * SYN, ACK and RST to more than `synScan.targets` distinct (host, port) targets, no gap longer than
 * `synScan.windowSeconds` (the SYN scan's settings). No TCP stack sends such a segment: a connection
 * opens with a SYN, and every later segment but a bare RST carries an ACK; nmap -sF (FIN), -sN (no
 * flag) and -sX (FIN, PSH, URG) send them because a closed port answers with a RST and an open one
 * says nothing. The flow rules saw these scans only as `port-scan.vertical` ("probed 300 ports"),
 * never what they were, and the SYN watch never saw them at all.
 *
 * Not here: nmap -sA's bare ACKs, which a connection begun before the capture also sends (its
 * targets are counted by `port-scan.vertical`).
 *
 * Memory: at most `limits.maxGroupsPerRule` sources (the least recently active closed early and
 * counted), `limits.maxTrackedDistinct` targets per source. Ordinary traffic never reaches the table.
 */
import type { Finding } from '../detect/finding.js';
import type { LimitsConfig, SynScanConfig } from '../detect/rules-config.js';
import { addressTextMemo, L3_IPV4, PROTO_TCP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, type DecodedPacket } from './decoded-packet.js';
import { CappedSet, findingTargets, isoMicros } from './packet-finding.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

const XMAS = TCP_FIN | TCP_PSH | TCP_URG;

interface Episode {
  ip: string;
  first: number;
  last: number;
  probes: number;
  fin: number;
  none: number;
  xmas: number;
  other: number;
  targets: CappedSet<string>;
  hosts: CappedSet<string>;
  ports: CappedSet<number>;
}

export class StealthScanWatch {
  private readonly sources = new Map<string, Episode>();
  private readonly closed: Finding[] = [];
  evictions = 0;

  constructor(
    private readonly cfg: SynScanConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'maxTrackedDistinct' | 'sampleSize'>,
  ) {}

  observe(d: DecodedPacket): void {
    const f = d.tcpFlags;
    if (f & (TCP_SYN | TCP_ACK | TCP_RST) || d.proto !== PROTO_TCP || d.fragment === 2) return;
    // a header the snap length cut (maybe before its flags, which then read as none), or a tiny first
    // fragment without them (the fragment that holds them is the probe, fragment-headers.ts): not a NULL probe
    if (d.transportCutShort || (d.tinyFragment && d.payloadCaptured < 14)) return;
    const family = d.l3 === L3_IPV4 ? 4 : 6;
    const ip = addressTextMemo(d.src, family);
    let ep = this.sources.get(ip);
    if (ep && d.tsMicros - ep.last > this.cfg.windowSeconds * 1e6) {
      this.close(ep);
      ep = undefined;
    }
    if (ep) {
      // most recently active last: the first entry is the one to drop
      this.sources.delete(ip);
      this.sources.set(ip, ep);
    } else {
      if (this.sources.size >= this.limits.maxGroupsPerRule) {
        this.close(this.sources.values().next().value as Episode);
        this.evictions++;
      }
      const cap = this.limits.maxTrackedDistinct;
      const n = this.limits.sampleSize;
      ep = { ip, first: d.tsMicros, last: d.tsMicros, probes: 0, fin: 0, none: 0, xmas: 0, other: 0, targets: new CappedSet(cap, n), hosts: new CappedSet(cap, n), ports: new CappedSet(cap, n) };
      this.sources.set(ip, ep);
    }
    if (d.tsMicros > ep.last) ep.last = d.tsMicros;
    ep.probes++;
    if (f === 0) ep.none++;
    else if ((f & XMAS) === XMAS) ep.xmas++;
    else if ((f & ~(TCP_PSH | TCP_URG | 0xc0)) === TCP_FIN) ep.fin++;
    else ep.other++;
    const host = addressTextMemo(d.dst, family);
    ep.targets.add(`${host} ${d.dstPort}`);
    ep.hosts.add(host);
    ep.ports.add(d.dstPort);
  }

  private close(ep: Episode): void {
    this.sources.delete(ep.ip);
    if (ep.targets.size > this.cfg.targets) this.closed.push(this.finding(ep));
  }

  /** Every source over the threshold so far, closed episodes first (a live capture asks again and again). */
  findings(): Finding[] {
    const out = [...this.closed];
    for (const ep of this.sources.values()) if (ep.targets.size > this.cfg.targets) out.push(this.finding(ep));
    return out;
  }

  private finding(ep: Episode): Finding {
    const span = (ep.last - ep.first) / 1e6;
    const n = ep.targets.size;
    const plus = ep.targets.capped ? '+' : '';
    const kinds = ([[ep.fin, 'FIN'], [ep.none, 'NULL (no flag)'], [ep.xmas, 'Xmas (FIN, PSH, URG)'], [ep.other, 'other']] as const)
      .filter(([k]) => k > 0)
      .map(([k, name]) => `${thousands(k)} ${name}`)
      .join(', ');
    return {
      ruleId: 'packet.stealth-scan',
      title: 'FIN/NULL/Xmas scan (TCP probes no connection sends)',
      category: 'reconnaissance',
      severity: this.cfg.severity,
      srcIp: ep.ip,
      targets: findingTargets(ep.hosts, ep.ports),
      firstSeen: isoMicros(ep.first),
      lastSeen: isoMicros(ep.last),
      count: ep.probes,
      counted: ['probe', 'probes'],
      evidence: {
        targets: n,
        probes: ep.probes,
        fin: ep.fin,
        null: ep.none,
        xmas: ep.xmas,
        other: ep.other,
        threshold: this.cfg.targets,
        windowSeconds: this.cfg.windowSeconds,
        durationSeconds: Math.round(span * 1000) / 1000,
      },
      rows: [],
      reason:
        `${ep.ip} sent ${thousands(ep.probes)} TCP ${plural(ep.probes, 'segment')} with none of SYN, ACK and RST (${kinds}), which no connection sends, ` +
        `to ${thousands(n)}${plus} (host, port) targets on ${thousands(ep.hosts.size)} ${plural(ep.hosts.size, 'host')} in ${span.toFixed(1)} s: ` +
        `a FIN/NULL/Xmas scan (closed ports answer with a RST, open ones not at all; more than ${thousands(this.cfg.targets)}).`,
    };
  }
}
