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
 * Pending attempts are rows of typed-array columns found through a KeyTable (key-table.ts), not
 * objects in a Map: under a scan or flood every SYN is a new attempt, and an object plus a Map entry
 * made and dropped per SYN was most of this watch's cost.
 */
import type { Finding, Severity } from '../detect/finding.js';
import { addressWordsText } from '../detect/ip-address.js';
import type { LimitsConfig, SynFloodConfig, SynScanConfig } from '../detect/rules-config.js';
import { L3_IPV4, PROTO_TCP, TCP_ACK, TCP_RST, TCP_SYN, type DecodedPacket } from './decoded-packet.js';
import { KeyTable } from './key-table.js';
import { CappedSet, findingTargets, isoMicros, tupleHash } from './packet-finding.js';
import { plural } from '../util/plural.js';

type Outcome = 'reset' | 'refused' | 'unanswered';
/** an address as a map key: the number itself for IPv4 (no string per packet), text for IPv6 */
type AddrKey = number | string;

const ipv4Text = (x: number): string => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
const keyText = (k: AddrKey): string => (typeof k === 'number' ? ipv4Text(k) : k);

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
  /** pending attempts by tuple hash, in order of their first SYN */
  private readonly pending = new KeyTable();
  // an attempt's columns, by its entry in `pending`:
  /** 4 or 6 */
  private family = new Uint8Array(this.pending.capacity);
  /** client and server address words (4 each) */
  private cw = new Uint32Array(this.pending.capacity * 4);
  private sw = new Uint32Array(this.pending.capacity * 4);
  private cport = new Uint16Array(this.pending.capacity);
  private sport = new Uint16Array(this.pending.capacity);
  /** time of the first SYN (µs) */
  private t = new Float64Array(this.pending.capacity);
  private synAck = new Uint8Array(this.pending.capacity);
  private retransmits = new Uint32Array(this.pending.capacity);
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
    const pending = this.pending;
    if (f & TCP_SYN && !(f & TCP_ACK)) {
      this.stats.attempts++;
      const known = pending.find(h);
      if (known >= 0) {
        if (this.is(known, d.src, d.dst, d.srcPort, d.dstPort)) {
          this.retransmits[known]++;
          return;
        }
        this.drop(known);
        this.stats.collisions++;
      }
      if (pending.size >= this.limits.maxGroupsPerRule) {
        const old = pending.first();
        this.drop(old);
        this.stats.evictions++;
        // (its columns stay until the entry is handed out again, below)
        this.halfOpen(old, this.synAck[old] ? 'reset' : 'unanswered', false);
      }
      this.present[h & 0xffff]++;
      const e = pending.add(h);
      if (pending.capacity > this.t.length) this.grow(pending.capacity);
      const s = d.src;
      const t = d.dst;
      const w = e * 4;
      this.family[e] = d.l3 === L3_IPV4 ? 4 : 6;
      this.cw[w] = s[0];
      this.cw[w + 1] = s[1];
      this.cw[w + 2] = s[2];
      this.cw[w + 3] = s[3];
      this.sw[w] = t[0];
      this.sw[w + 1] = t[1];
      this.sw[w + 2] = t[2];
      this.sw[w + 3] = t[3];
      this.cport[e] = d.srcPort;
      this.sport[e] = d.dstPort;
      this.t[e] = d.tsMicros;
      this.synAck[e] = 0;
      this.retransmits[e] = 0;
      return;
    }
    if (pending.size === 0) return;
    if (f & TCP_SYN) {
      // SYN-ACK from the target
      const hs = tupleHash(d.dst, d.src, d.dstPort, d.srcPort);
      const a = this.present[hs & 0xffff] === 0 ? -1 : pending.find(hs);
      if (a >= 0 && this.is(a, d.dst, d.src, d.dstPort, d.srcPort)) this.synAck[a] = 1;
      return;
    }
    if (f & TCP_RST) {
      const fromClient = this.present[h & 0xffff] === 0 ? -1 : pending.find(h);
      if (fromClient >= 0 && this.is(fromClient, d.src, d.dst, d.srcPort, d.dstPort)) {
        this.drop(fromClient);
        this.halfOpen(fromClient, 'reset', true);
        return;
      }
      const hs = tupleHash(d.dst, d.src, d.dstPort, d.srcPort);
      const toClient = this.present[hs & 0xffff] === 0 ? -1 : pending.find(hs);
      if (toClient >= 0 && this.is(toClient, d.dst, d.src, d.dstPort, d.srcPort)) {
        this.drop(toClient);
        this.halfOpen(toClient, 'refused', true);
      }
      return;
    }
    if (f & TCP_ACK) {
      if (this.present[h & 0xffff] === 0) return;
      const a = pending.find(h);
      if (a >= 0 && this.is(a, d.src, d.dst, d.srcPort, d.dstPort)) {
        this.drop(a);
        this.stats.completed++;
        // (no episode yet is the common case: no address key made for nothing)
        if (this.sources.size > 0) {
          const ep = this.sources.get(this.client(a));
          if (ep) ep.completed++;
        }
      }
    }
  }

  /** Whether attempt `e` is the handshake of client c:cport to server s:sport (its hash may collide). */
  private is(e: number, c: Uint32Array, s: Uint32Array, cport: number, sport: number): boolean {
    const w = e * 4;
    const cw = this.cw;
    const sw = this.sw;
    return this.cport[e] === cport && this.sport[e] === sport && cw[w + 3] === c[3] && sw[w + 3] === s[3] && cw[w] === c[0] && sw[w] === s[0] && cw[w + 1] === c[1] && sw[w + 1] === s[1] && cw[w + 2] === c[2] && sw[w + 2] === s[2];
  }

  private client(e: number): AddrKey {
    return this.family[e] === 4 ? this.cw[e * 4 + 3] : addressWordsText(this.cw, 6, e * 4);
  }

  private server(e: number): AddrKey {
    return this.family[e] === 4 ? this.sw[e * 4 + 3] : addressWordsText(this.sw, 6, e * 4);
  }

  private grow(cap: number): void {
    const widen = <A extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: A, b: A): A => {
      b.set(a);
      return b;
    };
    this.family = widen(this.family, new Uint8Array(cap));
    this.cw = widen(this.cw, new Uint32Array(cap * 4));
    this.sw = widen(this.sw, new Uint32Array(cap * 4));
    this.cport = widen(this.cport, new Uint16Array(cap));
    this.sport = widen(this.sport, new Uint16Array(cap));
    this.t = widen(this.t, new Float64Array(cap));
    this.synAck = widen(this.synAck, new Uint8Array(cap));
    this.retransmits = widen(this.retransmits, new Uint32Array(cap));
  }

  /** Forget attempt `e` (its columns stay readable until the entry is handed out again). */
  private drop(e: number): void {
    this.present[this.pending.key(e) & 0xffff]--;
    this.pending.delete(e);
  }

  /** Attempts older than the handshake time are half-open (pending is in order of first SYN). */
  private sweep(now: number): void {
    this.nextSweep = now + Math.min(this.handshake / 4, 250_000);
    const pending = this.pending;
    for (let e = pending.first(); e >= 0; e = pending.first()) {
      if (now - this.t[e] < this.handshake) break;
      this.drop(e);
      this.halfOpen(e, this.synAck[e] ? 'reset' : 'unanswered', false);
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

  /** Attempt `e` (just dropped) ended half-open. */
  private halfOpen(e: number, outcome: Outcome, explicit: boolean): void {
    this.stats.halfOpen++;
    const src = this.client(e);
    const dst = this.server(e);
    if (this.scan.enabled) this.countScan(e, src, dst, outcome, explicit);
    if (this.flood.enabled) this.countFlood(e, src, dst);
  }

  private countScan(e: number, src: AddrKey, dst: AddrKey, outcome: Outcome, explicit: boolean): void {
    const t0 = this.t[e];
    const sport = this.sport[e];
    const synAck = this.synAck[e] === 1;
    let ep = this.sources.get(src);
    if (ep && t0 - ep.last > this.scan.windowSeconds * 1e6) {
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
      ep = { key: src, first: t0, last: t0, halfOpen: 0, targets: new CappedSet(cap, 0), hosts: new CappedSet(cap, n), ports: new CappedSet(cap, n), answered: 0, resetBySource: 0, refused: 0, unanswered: 0, completed: 0, retransmits: 0, crossed: false };
      this.sources.set(src, ep);
    }
    ep.halfOpen++;
    if (t0 < ep.first) ep.first = t0;
    if (t0 > ep.last) ep.last = t0;
    // (host, port) as one key: a number for IPv4 (48 bits), text for IPv6
    ep.targets.add(typeof dst === 'number' ? dst * 65536 + sport : `${dst} ${sport}`);
    ep.hosts.add(dst);
    ep.ports.add(sport);
    ep.retransmits += this.retransmits[e];
    if (synAck) ep.answered++;
    if (outcome === 'refused') ep.refused++;
    else if (outcome === 'reset' && explicit) ep.resetBySource++;
    else if (!synAck) ep.unanswered++;
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
      counted: ['half-open handshake', 'half-open handshakes'],
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
        `${ip} sent SYNs to ${n}${ep.targets.capped ? '+' : ''} (host, port) targets on ${ep.hosts.size} ${plural(ep.hosts.size, 'host')} in ${Math.round(span * 10) / 10} s whose handshakes it never completed ` +
        `(${ep.answered} answered with SYN-ACK${ep.resetBySource ? `, ${ep.resetBySource} of them reset by ${ip} itself` : ''}; ${ep.refused} refused; ${ep.unanswered} unanswered; ${ep.completed} completed): a SYN ("half-open") scan (more than ${this.scan.targets}).`,
    };
  }

  private countFlood(e: number, src: AddrKey, dst: AddrKey): void {
    const t0 = this.t[e];
    const sport = this.sport[e];
    const key = typeof dst === 'number' ? dst * 65536 + sport : `${dst} ${sport}`;
    let w = this.targets.get(key);
    if (!w) {
      if (this.targets.size >= this.limits.maxGroupsPerRule) {
        const [oldKey, old] = this.targets.entries().next().value as [AddrKey, TargetWindow];
        this.closeTarget(old);
        this.targets.delete(oldKey);
        this.stats.evictions++;
      }
      w = { host: dst, port: sport, windowStart: t0, count: 0, previous: 0, peak: 0, total: 0, source: src, sources: null, first: t0, last: t0, over: false };
      this.targets.set(key, w);
    }
    const W = this.flood.windowSeconds * 1e6;
    const t = t0 > w.last ? t0 : w.last;
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
      counted: ['half-open handshake', 'half-open handshakes'],
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
    for (let e = this.pending.first(); e >= 0; e = this.pending.after(e)) this.halfOpen(e, this.synAck[e] ? 'reset' : 'unanswered', false);
    this.pending.clear();
    this.present.fill(0);
    for (const ep of this.sources.values()) this.closeSource(ep);
    this.sources.clear();
    for (const w of this.targets.values()) this.closeTarget(w);
    this.targets.clear();
    return this.out.splice(0, this.out.length);
  }
}
