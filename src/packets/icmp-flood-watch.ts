/**
 * ICMP echo floods (`packet.icmp-flood`): more than `icmpFlood.requests` echo requests (IPv4 type 8,
 * ICMPv6 128) towards one host within a sliding `icmpFlood.windowSeconds` (a two-bucket estimate, as
 * the SYN flood's), from any number of sources; the source is named when there is one.
 *
 * Why here and not in the flow rules: a ping flood is one flow (hping3 -1 and ping -f keep one echo
 * identifier), and the packet-flood rule (`flood.source-packets`, 10,000 small packets per second
 * beyond a 10 s burst, for any protocol: DNS servers and games send many small packets) let
 * hping3's 150,000 echo requests in 21 s (7,000 per second) pass without a word. Echo requests are
 * what a person or a monitor sends one per second; only requests count, so the ICMP errors a host
 * flooded with UDP sends back (port unreachable, rate-limited by its kernel) never make it a flooder.
 *
 * Memory: at most `limits.maxGroupsPerRule` target hosts (the least recently active dropped, its
 * finding kept, counted) and `limits.maxTrackedDistinct` sources per host. A host sent nothing for
 * two windows (its count is back to zero) is let go as packet time goes on, its finding kept when it
 * had one: every host ever pinged stayed in the table before, so a capture of days filled it with
 * hosts pinged once and counted the ones then dropped as losses. A full table's drop counts only
 * when the host had requests in its last two windows.
 */
import type { Finding } from '../detect/finding.js';
import type { IcmpFloodConfig, LimitsConfig } from '../detect/rules-config.js';
import { addressTextMemo, L3_IPV4, PROTO_ICMP, PROTO_ICMPV6, type DecodedPacket } from './decoded-packet.js';
import { CappedSet, isoMicros } from './packet-finding.js';
import { thousands } from '../util/thousands.js';
import { countInWindow, type WindowCount } from './window-count.js';

interface Target extends WindowCount {
  host: string;
  total: number;
  first: number;
  last: number;
  /** the first source */
  source: string;
  /** every source, once a second one is seen (most hosts are pinged by one: no set for them) */
  sources: CappedSet<string> | null;
  over: boolean;
}

export class IcmpFloodWatch {
  private readonly targets = new Map<string, Target>();
  /** findings of targets dropped from a full table */
  private readonly closed: Finding[] = [];
  evictions = 0;
  /** the target of the last request: the map's last entry */
  private newest: Target | undefined;
  /** packet time (µs) of the next look for quiet hosts */
  private nextSweep = -Infinity;

  constructor(
    private readonly cfg: IcmpFloodConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'maxTrackedDistinct' | 'sampleSize'>,
  ) {}

  observe(d: DecodedPacket): void {
    const v4 = d.l3 === L3_IPV4;
    if (d.proto !== (v4 ? PROTO_ICMP : PROTO_ICMPV6) || d.fragment === 2) return;
    if (d.icmpType !== (v4 ? 8 : 128)) return;
    if (d.tsMicros >= this.nextSweep) this.letQuietGo(d.tsMicros);
    const family = v4 ? 4 : 6;
    const host = addressTextMemo(d.dst, family);
    let t = this.targets.get(host);
    if (t) {
      // most recently active last: the first entry is the one to drop (the last target's is already last)
      if (t !== this.newest) {
        this.targets.delete(host);
        this.targets.set(host, t);
      }
    } else {
      if (this.targets.size >= this.limits.maxGroupsPerRule) {
        const old = this.targets.values().next().value as Target;
        if (old.over) this.closed.push(this.finding(old));
        this.targets.delete(old.host);
        if (old === this.newest) this.newest = undefined;
        if (d.tsMicros - old.last <= 2 * this.cfg.windowSeconds * 1e6) this.evictions++;
      }
      t = { host, start: d.tsMicros, count: 0, previous: 0, peak: 0, total: 0, first: d.tsMicros, last: d.tsMicros, source: addressTextMemo(d.src, family), sources: null, over: false };
      this.targets.set(host, t);
    }
    this.newest = t;
    const now = d.tsMicros > t.last ? d.tsMicros : t.last;
    t.total++;
    t.last = now;
    const src = addressTextMemo(d.src, family);
    if (t.sources) t.sources.add(src);
    else if (src !== t.source) {
      // (limits.maxTrackedDistinct is at least 16: both fit)
      t.sources = new CappedSet(this.limits.maxTrackedDistinct, this.limits.sampleSize);
      t.sources.add(t.source);
      t.sources.add(src);
    }
    if (countInWindow(t, now, this.cfg.windowSeconds * 1e6) > this.cfg.requests) t.over = true;
  }

  /**
   * Let go of the hosts sent nothing for two windows before `now`, least recently active first (the
   * table is in that order), their findings kept; up to the first host still counting.
   */
  private letQuietGo(now: number): void {
    const quiet = 2 * this.cfg.windowSeconds * 1e6;
    this.nextSweep = now + quiet / 4;
    for (const t of this.targets.values()) {
      if (now - t.last <= quiet) break;
      if (t.over) this.closed.push(this.finding(t));
      this.targets.delete(t.host);
      if (t === this.newest) this.newest = undefined;
    }
  }

  /** Every host flooded so far (a live capture asks again and again: the same finding, its counts grown). */
  findings(): Finding[] {
    const out = [...this.closed];
    for (const t of this.targets.values()) if (t.over) out.push(this.finding(t));
    return out;
  }

  private finding(t: Target): Finding {
    const sources = t.sources?.size ?? 1;
    const capped = t.sources?.capped ?? false;
    const sample = t.sources?.sample ?? [t.source];
    const one = sources === 1 && !capped ? sample[0] : null;
    const span = (t.last - t.first) / 1e6;
    const peak = Math.round(t.peak);
    const from = one ?? `${thousands(sources)}${capped ? '+' : ''} sources`;
    return {
      ruleId: 'packet.icmp-flood',
      title: 'ICMP echo flood (ping flood towards one host)',
      category: 'denial-of-service',
      severity: this.cfg.severity,
      srcIp: one,
      targets: { ips: [t.host], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
      firstSeen: isoMicros(t.first),
      lastSeen: isoMicros(t.last),
      count: t.total,
      counted: ['echo request', 'echo requests'],
      evidence: {
        requests: t.total,
        peakInWindow: peak,
        threshold: this.cfg.requests,
        windowSeconds: this.cfg.windowSeconds,
        perSecond: span > 0 ? Math.round(t.total / span) : null,
        durationSeconds: Math.round(span * 1000) / 1000,
        sources,
        sourcesCapped: capped,
        sampleSources: sample,
      },
      rows: [],
      reason:
        `${t.host} was sent ${thousands(t.total)} ICMP echo requests in ${span.toFixed(1)} s (up to ${thousands(peak)} within ${this.cfg.windowSeconds} s, more than ${thousands(this.cfg.requests)}) ` +
        `from ${from}: a ping flood.`,
    };
  }
}
