/**
 * MAC flooding (`packet.mac-flood`): more than `macFlood.macs` source MACs never seen before within
 * `macFlood.windowSeconds`. macof (dsniff) and its kind send frames from random source MACs, tens of
 * thousands a second, to fill the switches' address tables: a switch that cannot learn floods every
 * frame to every port, and the attacker's port sees the whole link's traffic (a man in the middle
 * without ARP). No host sends that way; even a capture starting on a busy link meets its hosts' MACs
 * over many seconds, a few hundred on a VLAN. A random MAC has its group bit set half of the time,
 * a source no network card can have: counted and said.
 *
 * Seen from every frame with a source MAC, well formed or not: macof's IPv4 packets say they carry
 * no TCP bytes yet are followed by a TCP header, so they are counted as malformed and skipped by the
 * flows and the other detectors (decode-to-meter.ts hands them here through `onMalformed`).
 *
 * Cost, as it sees every frame: the last two source MACs are compared first (a conversation's
 * frames alternate between two), a Map lookup only past them. Memory: the MACs seen, at most
 * `limits.maxGroupsPerRule` (when full it is emptied, counted in `resets`, and MACs are new again:
 * only a flood fills it), and a ring of the last `macs` + 1 arrival times.
 */
import type { Finding } from '../detect/finding.js';
import type { LimitsConfig, MacFloodConfig } from '../detect/rules-config.js';
import { macText, type DecodedPacket } from './decoded-packet.js';
import { isoMicros } from './packet-finding.js';
import { thousands } from '../util/thousands.js';

interface Episode {
  first: number;
  last: number;
  macs: number;
  groupBit: number;
  readonly sample: string[];
}

export class MacFloodWatch {
  private readonly seen = new Map<number, 1>();
  private last0 = -1;
  private last1 = -1;
  /** arrival times (µs) of the newest new MACs, `macs` + 1 of them, and whether each had the group bit */
  private readonly ring: Float64Array;
  private readonly ringGroup: Uint8Array;
  private ringAt = 0;
  private ringFull = false;
  private ringGroupSum = 0;
  private open: Episode | null = null;
  private readonly crossed: Episode[] = [];
  /** times the table of MACs seen was full and emptied */
  resets = 0;

  constructor(
    private readonly cfg: MacFloodConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'sampleSize'>,
  ) {
    this.ring = new Float64Array(cfg.macs + 1);
    this.ringGroup = new Uint8Array(cfg.macs + 1);
  }

  /** A frame with a source MAC (d.srcMacHi ≥ 0). */
  observe(d: DecodedPacket): void {
    const k = d.srcMacHi * 4294967296 + d.srcMacLo;
    if (k === this.last0 || k === this.last1) return;
    this.last1 = this.last0;
    this.last0 = k;
    if (this.seen.has(k)) return;
    if (this.seen.size >= this.limits.maxGroupsPerRule) {
      this.seen.clear();
      this.resets++;
    }
    this.seen.set(k, 1);
    this.newMac(d);
  }

  private newMac(d: DecodedPacket): void {
    const ts = d.tsMicros;
    const group = (d.srcMacHi >>> 8) & 1;
    // the ring holds the newest macs + 1 new MACs: all of them within the window is a burst
    const at = this.ringAt;
    this.ringGroupSum += group - (this.ringFull ? this.ringGroup[at] : 0);
    this.ring[at] = ts;
    this.ringGroup[at] = group;
    this.ringAt = at + 1 === this.ring.length ? 0 : at + 1;
    if (this.ringAt === 0) this.ringFull = true;
    const oldest = this.ringFull ? this.ring[this.ringAt] : NaN;
    const window = this.cfg.windowSeconds * 1e6;
    let ep = this.open;
    if (ep && ts - ep.last > window) {
      this.crossed.push(ep);
      ep = this.open = null;
    }
    if (!ep) {
      if (!(ts - oldest <= window)) return;
      ep = this.open = { first: oldest, last: ts, macs: this.ring.length, groupBit: this.ringGroupSum, sample: [] };
    } else {
      ep.last = ts;
      ep.macs++;
      ep.groupBit += group;
    }
    if (ep.sample.length < this.limits.sampleSize) ep.sample.push(macText(d.srcMacHi, d.srcMacLo));
  }

  /** The floods seen, closed ones first, then the one still going. */
  findings(): Finding[] {
    return [...this.crossed, ...(this.open ? [this.open] : [])].map((ep) => {
      const span = (ep.last - ep.first) / 1e6;
      return {
        ruleId: 'packet.mac-flood',
        title: 'MAC flooding (frames from thousands of made-up MACs)',
        category: 'denial-of-service',
        severity: this.cfg.severity,
        srcIp: null,
        targets: { ips: [], ipCount: 0, ports: [], portCount: 0, countsCapped: false },
        firstSeen: isoMicros(ep.first),
        lastSeen: isoMicros(ep.last),
        count: ep.macs,
        counted: ['source MAC', 'source MACs'],
        evidence: { newMacs: ep.macs, groupBitMacs: ep.groupBit, macSample: [...ep.sample], threshold: this.cfg.macs, windowSeconds: this.cfg.windowSeconds, durationSeconds: Math.round(span * 1000) / 1000, tableResets: this.resets },
        rows: [],
        reason:
          `${thousands(ep.macs)} source MACs never seen before sent frames in ${span.toFixed(1)} s` +
          `${ep.groupBit ? ` (${thousands(ep.groupBit)} of them multicast addresses, which no network card sends from)` : ''}: ` +
          `MAC flooding, filling the switches' address tables so that they send every frame to every port and the attacker sees the whole link (macof; more than ${thousands(this.cfg.macs)} new MACs within ${this.cfg.windowSeconds} s).`,
      };
    });
  }
}
