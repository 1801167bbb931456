/**
 * SYN scans and SYN floods seen from the TCP handshake itself, packet by packet. A connection
 * attempt (SYN without ACK) is pending until the client's ACK completes it; it is half-open when
 * the target refuses (RST), the client resets it (a SYN scan's RST after the SYN-ACK), or no ACK
 * follows within `synScan.handshakeSeconds` (or before the capture ends). Two findings:
 *  - `packet.syn-scan`: one source with half-open handshakes to more than `synScan.targets` distinct
 *    (host, port) targets, in an episode with no gap longer than `synScan.windowSeconds`. The
 *    evidence splits them into answered-then-reset (open ports, the mark of a "half-open" scan),
 *    refused (closed) and unanswered (filtered), and counts the source's completed handshakes.
 *  - `packet.syn-flood`: more than `synFlood.halfOpen` half-open handshakes towards one host and
 *    port within a sliding `synFlood.windowSeconds` (two-bucket estimate), from any sources.
 * The flow rules see scans too, but only as finished flows; this sees what a flow record folds
 * away (who reset, whether the SYN-ACK came), and the half-open state a flood leaves.
 *
 * Memory: pending attempts, sources and targets are each at most `limits.maxGroupsPerRule`; the
 * oldest is dropped when full (a dropped pending attempt counts as half-open: under a flood it is
 * one), counted in `evictions`. Tuples are found by a 30-bit hash of the addresses and ports, so an
 * ordinary packet allocates nothing; a colliding attempt replaces the older one (counted).
 */
import type { Finding, Severity } from '../detect/finding.js';
import { addressWordsText } from '../detect/ip-address.js';
import type { LimitsConfig, SynFloodConfig, SynScanConfig } from '../detect/rules-config.js';
import { L3_IPV4, PROTO_TCP, TCP_ACK, TCP_RST, TCP_SYN, type DecodedPacket } from './decoded-packet.js';
import { CappedSet, findingTargets, isoMicros, tupleHash } from './packet-finding.js';

type Outcome = 'reset' | 'refused' | 'unanswered';
/** an address as a map key: the number itself for IPv4 (no string per packet), text for IPv6 */
type AddrKey = number | string;

const ipv4Text = (x: number): string => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
const keyText = (k: AddrKey): string => (typeof k === 'number' ? ipv4Text(k) : k);

class Attempt {
  synAck = false;
  retransmits = 0;
  constructor(
    /** its key in `pending` (the sweep walks values, not [key, value] entries: no array per entry) */
    readonly h: number,
    readonly family: number,
    readonly c0: number,
    readonly c1: number,
    readonly c2: number,
    readonly c3: number,
    readonly s0: number,
    readonly s1: number,
    readonly s2: number,
    readonly s3: number,
    readonly cport: number,
    readonly sport: number,
    readonly t: number,
  ) {}

  client(): AddrKey {
    return this.family === 4 ? this.c3 : addressWordsText([this.c0, this.c1, this.c2, this.c3], 6);
  }

  server(): AddrKey {
    return this.family === 4 ? this.s3 : addressWordsText([this.s0, this.s1, this.s2, this.s3], 6);
  }

  is(c: Uint32Array, s: Uint32Array, cport: number, sport: number): boolean {
    return this.cport === cport && this.sport === sport && this.c3 === c[3] && this.s3 === s[3] && this.c0 === c[0] && this.s0 === s[0] && this.c1 === c[1] && this.s1 === s[1] && this.c2 === c[2] && this.s2 === s[2];
  }
}

interface SourceEpisode {
  key: AddrKey;
  first: number;
  last: number;
  halfOpen: number;
  targets: CappedSet<AddrKey>;
  hosts: CappedSet<AddrKey>;
  ports: CappedSet<number>;
  /** answered with SYN-ACK, then never completed (reset by the source, or left) */
  answered: number;
  resetBySource: number;
  refused: number;
  unanswered: number;
  completed: number;
  retransmits: number;
  /** its threshold was crossed (said once, as it happened) */
  crossed: boolean;
}

interface TargetWindow {
  host: AddrKey;
  port: number;
  windowStart: number;
  count: number;
  previous: number;
  peak: number;
  total: number;
  /** the first source, and all of them once a second one came (most targets see one source) */
  source: AddrKey;
  sources: CappedSet<AddrKey> | null;
  first: number;
  last: number;
  over: boolean;
}

export interface SynWatchStats {
  attempts: number;
  completed: number;
  halfOpen: number;
  evictions: number;
  collisions: number;
}

export class SynWatch {
  private readonly pending = new Map<number, Attempt>();
  /** pending attempts per low 16 bits of their hash: most packets are ACKs of no pending attempt, and one array read says so */
  private readonly present = new Uint32Array(1 << 16);
  private readonly sources = new Map<AddrKey, SourceEpisode>();
  private readonly targets = new Map<AddrKey, TargetWindow>();
  private readonly out: Finding[] = [];
  /** episodes whose threshold was just crossed (still open), for a live capture to print at once */
  private readonly crossed: Finding[] = [];
  /** collect `crossed` (live use; a file's analysis never asks, so it keeps nothing) */
  reportCrossings = false;
  private nextSweep = 0;
  private nextExpiry = 0;
  private readonly handshake: number;
  readonly stats: SynWatchStats = { attempts: 0, completed: 0, halfOpen: 0, evictions: 0, collisions: 0 };

  constructor(
    private readonly scan: SynScanConfig,
    private readonly flood: SynFloodConfig,
    private readonly limits: LimitsConfig,
  ) {
    this.handshake = scan.handshakeSeconds * 1e6;
  }

  /** `h`: the segment's tupleHash (packetDetectors computes it once for this watch and the TTL watch). */
  observe(d: DecodedPacket, h = tupleHash(d.src, d.dst, d.srcPort, d.dstPort)): void {
    if (d.proto !== PROTO_TCP || d.fragment === 2) return;
    // the time is read from the packet where it is used, never held in a local that a call takes:
    // V8 then boxes it into a heap number up front, on every packet
    if (d.tsMicros >= this.nextSweep) this.sweep(d.tsMicros);
    const f = d.tcpFlags;
    if (f & TCP_SYN && !(f & TCP_ACK)) {
      this.stats.attempts++;
      const known = this.pending.get(h);
      if (known) {
        if (known.is(d.src, d.dst, d.srcPort, d.dstPort)) {
          known.retransmits++;
          return;
        }
        this.drop(h);
        this.stats.collisions++;
      }
      if (this.pending.size >= this.limits.maxGroupsPerRule) {
        const [oldKey, old] = this.pending.entries().next().value as [number, Attempt];
        this.drop(oldKey);
        this.stats.evictions++;
        this.halfOpen(old, old.synAck ? 'reset' : 'unanswered', false);
      }
      const s = d.src;
      const t = d.dst;
      this.present[h & 0xffff]++;
      this.pending.set(h, new Attempt(h, d.l3 === L3_IPV4 ? 4 : 6, s[0], s[1], s[2], s[3], t[0], t[1], t[2], t[3], d.srcPort, d.dstPort, d.tsMicros));
      return;
    }
    if (this.pending.size === 0) return;
    if (f & TCP_SYN) {
      // SYN-ACK from the target
      const hs = tupleHash(d.dst, d.src, d.dstPort, d.srcPort);
      const a = this.present[hs & 0xffff] === 0 ? undefined : this.pending.get(hs);
      if (a && a.is(d.dst, d.src, d.dstPort, d.srcPort)) a.synAck = true;
      return;
    }
    if (f & TCP_RST) {
      const fromClient = this.present[h & 0xffff] === 0 ? undefined : this.pending.get(h);
      if (fromClient && fromClient.is(d.src, d.dst, d.srcPort, d.dstPort)) {
        this.drop(h);
        this.halfOpen(fromClient, 'reset', true);
        return;
      }
      const hs = tupleHash(d.dst, d.src, d.dstPort, d.srcPort);
      const toClient = this.present[hs & 0xffff] === 0 ? undefined : this.pending.get(hs);
      if (toClient && toClient.is(d.dst, d.src, d.dstPort, d.srcPort)) {
        this.drop(hs);
        this.halfOpen(toClient, 'refused', true);
      }
      return;
    }
    if (f & TCP_ACK) {
      if (this.present[h & 0xffff] === 0) return;
      const a = this.pending.get(h);
      if (a && a.is(d.src, d.dst, d.srcPort, d.dstPort)) {
        this.drop(h);
        this.stats.completed++;
        const ep = this.sources.get(a.client());
        if (ep) ep.completed++;
      }
    }
  }

  private drop(h: number): void {
    if (this.pending.delete(h)) this.present[h & 0xffff]--;
  }

  /** Attempts older than the handshake time are half-open (pending is in order of first SYN). */
  private sweep(now: number): void {
    this.nextSweep = now + Math.min(this.handshake / 4, 250_000);
    for (const a of this.pending.values()) {
      if (now - a.t < this.handshake) break;
      this.drop(a.h);
      this.halfOpen(a, a.synAck ? 'reset' : 'unanswered', false);
    }
    if (now >= this.nextExpiry) this.expire(now);
  }

  /** Close episodes and target windows quiet for longer than their window: finished, not lost. */
  private expire(now: number): void {
    const scanW = this.scan.windowSeconds * 1e6;
    const floodW = this.flood.windowSeconds * 1e6;
    this.nextExpiry = now + Math.min(scanW, floodW);
    // forEach, not for-of over entries: no [key, value] array per entry
    this.sources.forEach((ep, k) => {
      if (now - ep.last <= scanW + this.handshake) return;
      this.closeSource(ep);
      this.sources.delete(k);
    });
    this.targets.forEach((w, k) => {
      if (now - w.last <= 2 * floodW + this.handshake) return;
      this.closeTarget(w);
      this.targets.delete(k);
    });
  }

  private halfOpen(a: Attempt, outcome: Outcome, explicit: boolean): void {
    this.stats.halfOpen++;
    const src = a.client();
    const dst = a.server();
    if (this.scan.enabled) this.countScan(a, src, dst, outcome, explicit);
    if (this.flood.enabled) this.countFlood(a, src, dst);
  }

  private countScan(a: Attempt, src: AddrKey, dst: AddrKey, outcome: Outcome, explicit: boolean): void {
    let ep = this.sources.get(src);
    if (ep && a.t - ep.last > this.scan.windowSeconds * 1e6) {
      this.closeSource(ep);
      this.sources.delete(src);
      ep = undefined;
    }
    if (!ep) {
      if (this.sources.size >= this.limits.maxGroupsPerRule) {
        const old = this.sources.values().next().value as SourceEpisode;
        this.closeSource(old);
        this.sources.delete(old.key);
        this.stats.evictions++;
      }
      const { maxTrackedDistinct: cap, sampleSize: n } = this.limits;
      ep = { key: src, first: a.t, last: a.t, halfOpen: 0, targets: new CappedSet(cap, 0), hosts: new CappedSet(cap, n), ports: new CappedSet(cap, n), answered: 0, resetBySource: 0, refused: 0, unanswered: 0, completed: 0, retransmits: 0, crossed: false };
      this.sources.set(src, ep);
    }
    ep.halfOpen++;
    if (a.t < ep.first) ep.first = a.t;
    if (a.t > ep.last) ep.last = a.t;
    // (host, port) as one key: a number for IPv4 (48 bits), text for IPv6
    ep.targets.add(typeof dst === 'number' ? dst * 65536 + a.sport : `${dst} ${a.sport}`);
    ep.hosts.add(dst);
    ep.ports.add(a.sport);
    ep.retransmits += a.retransmits;
    if (a.synAck) ep.answered++;
    if (outcome === 'refused') ep.refused++;
    else if (outcome === 'reset' && explicit) ep.resetBySource++;
    else if (!a.synAck) ep.unanswered++;
    if (!ep.crossed && ep.targets.size > this.scan.targets) {
      ep.crossed = true;
      if (this.reportCrossings) this.crossed.push(this.scanFinding(ep));
    }
  }

  private closeSource(ep: SourceEpisode): void {
    if (ep.targets.size > this.scan.targets) this.out.push(this.scanFinding(ep));
  }

  private scanFinding(ep: SourceEpisode): Finding {
    const span = (ep.last - ep.first) / 1e6;
    const n = ep.targets.size;
    const ip = keyText(ep.key);
    const hosts = new CappedSet<string>(Infinity, this.limits.sampleSize);
    for (const h of ep.hosts.sample) hosts.add(keyText(h));
    return {
      ruleId: 'packet.syn-scan',
      title: 'SYN scan (handshakes never completed)',
      category: 'reconnaissance',
      severity: this.scan.severity,
      srcIp: ip,
      targets: { ...findingTargets(hosts, ep.ports), ipCount: ep.hosts.size, countsCapped: ep.hosts.capped || ep.ports.capped },
      firstSeen: isoMicros(ep.first),
      lastSeen: isoMicros(ep.last),
      count: ep.halfOpen,
      evidence: {
        halfOpenTargets: n,
        halfOpen: ep.halfOpen,
        answeredThenNotCompleted: ep.answered,
        resetBySource: ep.resetBySource,
        refused: ep.refused,
        unanswered: ep.unanswered,
        completedHandshakes: ep.completed,
        synRetransmits: ep.retransmits,
        threshold: this.scan.targets,
        windowSeconds: this.scan.windowSeconds,
        durationSeconds: Math.round(span * 1000) / 1000,
      },
      rows: [],
      reason:
        `${ip} sent SYNs to ${n}${ep.targets.capped ? '+' : ''} (host, port) targets on ${ep.hosts.size} host(s) in ${Math.round(span * 10) / 10} s whose handshakes it never completed ` +
        `(${ep.answered} answered with SYN-ACK${ep.resetBySource ? `, ${ep.resetBySource} of them reset by ${ip} itself` : ''}; ${ep.refused} refused; ${ep.unanswered} unanswered; ${ep.completed} completed): a SYN ("half-open") scan (more than ${this.scan.targets}).`,
    };
  }

  private countFlood(a: Attempt, src: AddrKey, dst: AddrKey): void {
    const key = typeof dst === 'number' ? dst * 65536 + a.sport : `${dst} ${a.sport}`;
    let w = this.targets.get(key);
    if (!w) {
      if (this.targets.size >= this.limits.maxGroupsPerRule) {
        const [oldKey, old] = this.targets.entries().next().value as [AddrKey, TargetWindow];
        this.closeTarget(old);
        this.targets.delete(oldKey);
        this.stats.evictions++;
      }
      w = { host: dst, port: a.sport, windowStart: a.t, count: 0, previous: 0, peak: 0, total: 0, source: src, sources: null, first: a.t, last: a.t, over: false };
      this.targets.set(key, w);
    }
    const W = this.flood.windowSeconds * 1e6;
    const t = a.t > w.last ? a.t : w.last;
    if (t - w.windowStart >= W) {
      const windows = Math.floor((t - w.windowStart) / W);
      w.previous = windows === 1 ? w.count : 0;
      w.count = 0;
      w.windowStart += windows * W;
    }
    w.count++;
    w.total++;
    w.last = t;
    if (w.sources) w.sources.add(src);
    else if (src !== w.source) {
      w.sources = new CappedSet(this.limits.maxTrackedDistinct, this.limits.sampleSize);
      w.sources.add(w.source);
      w.sources.add(src);
    }
    // sliding-window estimate: the part of the previous window still inside, plus this one
    const estimate = w.previous * (1 - (t - w.windowStart) / W) + w.count;
    if (estimate > w.peak) w.peak = estimate;
    if (estimate > this.flood.halfOpen && !w.over) {
      w.over = true;
      if (this.reportCrossings) this.crossed.push(this.floodFinding(w));
    }
  }

  private closeTarget(w: TargetWindow): void {
    if (w.over) this.out.push(this.floodFinding(w));
  }

  private floodFinding(w: TargetWindow): Finding {
    const sources = w.sources ? w.sources.size : 1;
    const capped = w.sources ? w.sources.capped : false;
    const one = sources === 1 ? keyText(w.source) : null;
    const host = keyText(w.host);
    const hosts = new CappedSet<string>(1, 1);
    hosts.add(host);
    const ports = new CappedSet<number>(1, 1);
    ports.add(w.port);
    const peak = Math.round(w.peak);
    return {
      ruleId: 'packet.syn-flood',
      title: 'SYN flood (half-open handshakes towards one port)',
      category: 'denial-of-service',
      severity: this.flood.severity as Severity,
      srcIp: one,
      targets: findingTargets(hosts, ports),
      firstSeen: isoMicros(w.first),
      lastSeen: isoMicros(w.last),
      count: w.total,
      evidence: {
        halfOpen: w.total,
        peakInWindow: peak,
        threshold: this.flood.halfOpen,
        windowSeconds: this.flood.windowSeconds,
        sources,
        sourcesCapped: capped,
        sampleSources: w.sources ? w.sources.sample.map(keyText) : [keyText(w.source)],
      },
      rows: [],
      reason:
        `${host} port ${w.port} was left with up to ${peak} half-open handshakes within ${this.flood.windowSeconds} s (more than ${this.flood.halfOpen}; ${w.total} in all) ` +
        `from ${one ?? `${sources}${capped ? '+' : ''} sources`}: a SYN flood.`,
    };
  }

  /** Scans and floods whose threshold was crossed since the last call (each once; they close later with their full counts). */
  opened(): Finding[] {
    return this.crossed.splice(0, this.crossed.length);
  }

  /** Everything still pending is half-open (the capture ended first); then every open episode closes. */
  findings(): Finding[] {
    for (const a of this.pending.values()) this.halfOpen(a, a.synAck ? 'reset' : 'unanswered', false);
    this.pending.clear();
    this.present.fill(0);
    for (const ep of this.sources.values()) this.closeSource(ep);
    this.sources.clear();
    for (const w of this.targets.values()) this.closeTarget(w);
    this.targets.clear();
    return this.out.splice(0, this.out.length);
  }
}
