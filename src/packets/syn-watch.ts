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
import { widen } from '../util/widen.js';
import { thousands } from '../util/thousands.js';

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
  /** its number in `pairs` (unique among the episodes alive) */
  id: number;
  /** distinct (host, port) targets, exactly up to limits.maxTrackedDistinct (then a lower bound, `targetsCapped`) */
  targetCount: number;
  targetsCapped: boolean;
  /** its latest entry in `pairs` (the others follow through `pairNext`), -1 for none */
  lastPair: number;
  hosts: CappedSet<AddrKey>;
  ports: CappedSet<number>;
  /** answered with SYN-ACK, then never completed (reset by the source, or left) */
  answered: number;
  resetBySource: number;
  refused: number;
  unanswered: number;
  completed: number;
  retransmits: number;
  /** half-open attempts whose SYN carried no TCP option but an MSS (bareSyn) */
  bare: number;
  /** its threshold was crossed (said once, as it happened) */
  crossed: boolean;
}

/** a flood target's numbers (`tn`), side by side: its window's start (µs), half-open handshakes in this and the previous window, the peak estimate, all of them, and the first and last time (µs) */
const TN = 8;
const T_START = 0;
const T_COUNT = 1;
const T_PREVIOUS = 2;
const T_PEAK = 3;
const T_TOTAL = 4;
const T_FIRST = 5;
const T_LAST = 6;
/** of all its half-open handshakes: those whose SYN was bare (bareSyn) */
const T_BARE = 7;

/** A 30-bit hash of a (host, port) target: the address words at `at` and the port. */
function targetHash(w: Uint32Array, at: number, port: number): number {
  let h = Math.imul(0x811c9dc5 ^ port, 0x9e3779b1);
  for (let i = 0; i < 4; i++) {
    h = Math.imul(h ^ w[at + i], 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h & 0x3fffffff;
}

/**
 * What kind of scan an episode is, from what its open ports saw: a SYN ("half-open") scan leaves
 * their SYN-ACK unanswered or resets it (nmap -sS), a connect scan completes the handshake with them (nmap -sT,
 * any program calling connect()); to closed or filtered ports both send the same SYN, so with no
 * open port in the episode the kind cannot be told. nmap -sT read as 'a SYN ("half-open") scan'.
 */
export type ScanKind = 'syn' | 'connect' | 'unknown';

/**
 * Whether a SYN carries no TCP option but an MSS (a header of at most 24 bytes): a probe a scanner
 * crafts on a raw socket (nmap -sS: MSS 1460 alone, a window of 1,024 to 4,096; masscan, zmap and
 * hping3: at most an MSS). An operating system's own SYNs, a connect() scan's included, carry
 * several (Linux 20 bytes: MSS, SACK permitted, timestamps, window scale; Windows 12; macOS 24).
 */
function bareSyn(d: DecodedPacket): boolean {
  return d.l4HeaderLen <= 24;
}

function scanKind(ep: { answered: number; completed: number; bare: number; halfOpen: number }): ScanKind {
  if (ep.answered > 0) return 'syn';
  if (ep.completed > 0) return 'connect';
  // no port open to tell by the handshakes: crafted probes come from a raw socket, a SYN scanner's
  return 2 * ep.bare > ep.halfOpen ? 'syn' : 'unknown';
}

const SCAN_TITLES: Readonly<Record<ScanKind, string>> = {
  syn: 'SYN scan (handshakes never completed)',
  connect: 'TCP connect scan (most handshakes refused or unanswered)',
  unknown: 'Port scan by SYNs (handshakes refused or unanswered)',
};

const SCAN_WORDS: Readonly<Record<ScanKind, string>> = {
  syn: 'a SYN ("half-open") scan',
  connect: 'a connect scan (its open ports completed the handshake and were then closed)',
  unknown: 'a port scan (no port was open to tell a SYN scan from a connect scan)',
};

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
  /** 1 when its SYN carried no TCP option but an MSS (bareSyn) */
  private bare = new Uint8Array(this.pending.capacity);
  private retransmits = new Uint32Array(this.pending.capacity);
  /** pending attempts per low 16 bits of their hash: most packets are ACKs of no pending attempt, and one array read says so */
  private readonly present = new Uint32Array(1 << 16);
  private readonly sources = new Map<AddrKey, SourceEpisode>();
  private episodes = 0;
  /**
   * each open episode's distinct targets: (episode, host, port) by a hash of the three, colliding
   * ones each their own entry (KeyTable.findNext); an episode's entries are chained (`pairNext`) and
   * removed when it closes. Rows, not a Set per episode: a scan's every target was a 48-bit number
   * (a heap number) in a Set that grew and was traced by the collector.
   */
  private readonly pairs = new KeyTable();
  private pairEpisode = new Int32Array(this.pairs.capacity);
  private pairFamily = new Uint8Array(this.pairs.capacity);
  private pairHost = new Uint32Array(this.pairs.capacity * 4);
  private pairPort = new Uint16Array(this.pairs.capacity);
  private pairNext = new Int32Array(this.pairs.capacity);
  /**
   * flood targets (host, port) by a hash of both, in order of their first half-open handshake (the
   * oldest is dropped when full); colliding targets are each their own entry under the same key
   * (KeyTable.findNext). Rows of columns, not an object and a Map entry (and a 48-bit key, a heap
   * number) per target: a scan makes a target of every port it touches.
   */
  private readonly targets = new KeyTable();
  // a target's columns, by its entry in `targets`:
  /** 4 or 6 */
  private tFamily = new Uint8Array(this.targets.capacity);
  /** host address words (4 each), and the first source's */
  private tHost = new Uint32Array(this.targets.capacity * 4);
  private tSource = new Uint32Array(this.targets.capacity * 4);
  private tPort = new Uint16Array(this.targets.capacity);
  private tn = new Float64Array(this.targets.capacity * TN);
  /** its threshold was crossed */
  private tOver = new Uint8Array(this.targets.capacity);
  /** all its sources, once a second one came (most targets see one source) */
  private readonly tSources: (CappedSet<AddrKey> | null)[] = new Array<CappedSet<AddrKey> | null>(this.targets.capacity).fill(null);
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
      this.bare[e] = bareSyn(d) ? 1 : 0;
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
    this.family = widen(this.family, new Uint8Array(cap));
    this.cw = widen(this.cw, new Uint32Array(cap * 4));
    this.sw = widen(this.sw, new Uint32Array(cap * 4));
    this.cport = widen(this.cport, new Uint16Array(cap));
    this.sport = widen(this.sport, new Uint16Array(cap));
    this.t = widen(this.t, new Float64Array(cap));
    this.synAck = widen(this.synAck, new Uint8Array(cap));
    this.bare = widen(this.bare, new Uint8Array(cap));
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
    const targets = this.targets;
    for (let e = targets.first(); e >= 0; ) {
      const next = targets.after(e);
      if (now - this.tn[e * TN + T_LAST] > 2 * floodW + this.handshake) {
        this.closeTarget(e);
        targets.delete(e);
      }
      e = next;
    }
  }

  /** Attempt `e` (just dropped) ended half-open. */
  private halfOpen(e: number, outcome: Outcome, explicit: boolean): void {
    this.stats.halfOpen++;
    const src = this.client(e);
    const dst = this.server(e);
    if (this.scan.enabled) this.countScan(e, src, dst, outcome, explicit);
    if (this.flood.enabled) this.countFlood(e, src);
  }

  private countScan(e: number, src: AddrKey, dst: AddrKey, outcome: Outcome, explicit: boolean): void {
    const t0 = this.t[e];
    const sport = this.sport[e];
    const synAck = this.synAck[e] === 1;
    const cap = this.limits.maxTrackedDistinct;
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
      const n = this.limits.sampleSize;
      ep = { key: src, first: t0, last: t0, halfOpen: 0, id: this.episodes++ | 0, targetCount: 0, targetsCapped: false, lastPair: -1, hosts: new CappedSet(cap, n), ports: new CappedSet(cap, n), answered: 0, resetBySource: 0, refused: 0, unanswered: 0, completed: 0, retransmits: 0, bare: 0, crossed: false };
      this.sources.set(src, ep);
    }
    ep.halfOpen++;
    if (t0 < ep.first) ep.first = t0;
    if (t0 > ep.last) ep.last = t0;
    this.addTarget(ep, e, cap);
    ep.hosts.add(dst);
    ep.ports.add(sport);
    ep.retransmits += this.retransmits[e];
    ep.bare += this.bare[e];
    if (synAck) ep.answered++;
    if (outcome === 'refused') ep.refused++;
    else if (outcome === 'reset' && explicit) ep.resetBySource++;
    else if (!synAck) ep.unanswered++;
    if (!ep.crossed && ep.targetCount > this.scan.targets) {
      ep.crossed = true;
      if (this.reportCrossings) this.crossed.push(this.scanFinding(ep));
    }
  }

  /** Attempt `e`'s target (host, port) is one of episode `ep`'s, counted once (as a set capped at `cap` would). */
  private addTarget(ep: SourceEpisode, e: number, cap: number): void {
    const sport = this.sport[e];
    const family = this.family[e];
    const sw = this.sw;
    const at = e * 4;
    const id = ep.id;
    const pairs = this.pairs;
    const host = this.pairHost;
    const k = (targetHash(sw, at, sport) ^ Math.imul(id, 0x9e3779b1)) & 0x3fffffff;
    for (let x = pairs.find(k); x >= 0; x = pairs.findNext(k, x)) {
      const b = x * 4;
      if (this.pairEpisode[x] === id && this.pairPort[x] === sport && this.pairFamily[x] === family && host[b + 3] === sw[at + 3] && host[b] === sw[at] && host[b + 1] === sw[at + 1] && host[b + 2] === sw[at + 2]) return;
    }
    if (ep.targetCount >= cap) {
      ep.targetsCapped = true;
      return;
    }
    const x = pairs.add(k);
    if (pairs.capacity > this.pairPort.length) this.growPairs(pairs.capacity);
    const b = x * 4;
    for (let i = 0; i < 4; i++) this.pairHost[b + i] = sw[at + i];
    this.pairEpisode[x] = id;
    this.pairFamily[x] = family;
    this.pairPort[x] = sport;
    this.pairNext[x] = ep.lastPair;
    ep.lastPair = x;
    ep.targetCount++;
  }

  private growPairs(cap: number): void {
    this.pairEpisode = widen(this.pairEpisode, new Int32Array(cap));
    this.pairFamily = widen(this.pairFamily, new Uint8Array(cap));
    this.pairHost = widen(this.pairHost, new Uint32Array(cap * 4));
    this.pairPort = widen(this.pairPort, new Uint16Array(cap));
    this.pairNext = widen(this.pairNext, new Int32Array(cap));
  }

  /** Episode `ep` ends (the caller forgets it): its finding if it was a scan; its targets are let go. */
  private closeSource(ep: SourceEpisode): void {
    if (ep.targetCount > this.scan.targets) this.out.push(this.scanFinding(ep));
    for (let x = ep.lastPair; x >= 0; ) {
      const next = this.pairNext[x];
      this.pairs.delete(x);
      x = next;
    }
    ep.lastPair = -1;
  }

  private scanFinding(ep: SourceEpisode): Finding {
    const span = (ep.last - ep.first) / 1e6;
    const n = ep.targetCount;
    const ip = keyText(ep.key);
    const hosts = new CappedSet<string>(Infinity, this.limits.sampleSize);
    for (const h of ep.hosts.sample) hosts.add(keyText(h));
    const kind = scanKind(ep);
    return {
      ruleId: 'packet.syn-scan',
      title: SCAN_TITLES[kind],
      category: 'reconnaissance',
      severity: this.scan.severity,
      srcIp: ip,
      targets: { ...findingTargets(hosts, ep.ports), ipCount: ep.hosts.size, countsCapped: ep.hosts.capped || ep.ports.capped },
      firstSeen: isoMicros(ep.first),
      lastSeen: isoMicros(ep.last),
      count: ep.halfOpen,
      counted: ['half-open handshake', 'half-open handshakes'],
      evidence: {
        scanKind: kind,
        halfOpenTargets: n,
        halfOpen: ep.halfOpen,
        answeredThenNotCompleted: ep.answered,
        resetBySource: ep.resetBySource,
        refused: ep.refused,
        unanswered: ep.unanswered,
        completedHandshakes: ep.completed,
        synRetransmits: ep.retransmits,
        bareSyns: ep.bare,
        threshold: this.scan.targets,
        windowSeconds: this.scan.windowSeconds,
        durationSeconds: Math.round(span * 1000) / 1000,
      },
      rows: [],
      reason:
        `${ip} sent SYNs to ${thousands(n)}${ep.targetsCapped ? '+' : ''} (host, port) targets on ${thousands(ep.hosts.size)} ${plural(ep.hosts.size, 'host')} in ${Math.round(span * 10) / 10} s whose handshakes it never completed ` +
        `(${thousands(ep.answered)} answered with SYN-ACK${ep.resetBySource ? `, ${thousands(ep.resetBySource)} of them reset by ${ip} itself` : ''}; ${thousands(ep.refused)} refused; ${thousands(ep.unanswered)} unanswered; ${thousands(ep.completed)} completed): ${SCAN_WORDS[kind]} (more than ${thousands(this.scan.targets)}).` +
        (ep.bare > 0
          ? ` ${ep.bare === ep.halfOpen ? 'Every one' : `${thousands(ep.bare)} of ${thousands(ep.halfOpen)}`} of those SYNs carried no TCP option but an MSS, as the probes a scanner crafts do (nmap -sS, masscan, zmap, hping3); an operating system's own SYNs carry several.`
          : ''),
    };
  }

  private countFlood(e: number, src: AddrKey): void {
    const t0 = this.t[e];
    const sport = this.sport[e];
    const family = this.family[e];
    const sw = this.sw;
    const at = e * 4;
    const targets = this.targets;
    const tHost = this.tHost;
    const k = targetHash(sw, at, sport);
    let w = targets.find(k);
    while (w >= 0) {
      const b = w * 4;
      if (this.tPort[w] === sport && this.tFamily[w] === family && tHost[b + 3] === sw[at + 3] && tHost[b] === sw[at] && tHost[b + 1] === sw[at + 1] && tHost[b + 2] === sw[at + 2]) break;
      w = targets.findNext(k, w);
    }
    if (w < 0) {
      if (targets.size >= this.limits.maxGroupsPerRule) {
        const old = targets.first();
        this.closeTarget(old);
        targets.delete(old);
        this.stats.evictions++;
      }
      w = targets.add(k);
      if (targets.capacity > this.tPort.length) this.growTargets(targets.capacity);
      const b = w * 4;
      const cw = this.cw;
      for (let i = 0; i < 4; i++) {
        this.tHost[b + i] = sw[at + i];
        this.tSource[b + i] = cw[at + i];
      }
      this.tFamily[w] = family;
      this.tPort[w] = sport;
      const r = w * TN;
      const tn = this.tn;
      tn[r + T_START] = t0;
      tn[r + T_COUNT] = 0;
      tn[r + T_PREVIOUS] = 0;
      tn[r + T_PEAK] = 0;
      tn[r + T_TOTAL] = 0;
      tn[r + T_FIRST] = t0;
      tn[r + T_LAST] = t0;
      tn[r + T_BARE] = 0;
      this.tOver[w] = 0;
      this.tSources[w] = null;
    }
    const tn = this.tn;
    const r = w * TN;
    const W = this.flood.windowSeconds * 1e6;
    const t = t0 > tn[r + T_LAST] ? t0 : tn[r + T_LAST];
    if (t - tn[r + T_START] >= W) {
      const windows = Math.floor((t - tn[r + T_START]) / W);
      tn[r + T_PREVIOUS] = windows === 1 ? tn[r + T_COUNT] : 0;
      tn[r + T_COUNT] = 0;
      tn[r + T_START] += windows * W;
    }
    tn[r + T_COUNT]++;
    tn[r + T_TOTAL]++;
    tn[r + T_BARE] += this.bare[e];
    tn[r + T_LAST] = t;
    const sources = this.tSources[w];
    if (sources) sources.add(src);
    else if (!this.sameSource(w, e)) {
      const all = new CappedSet<AddrKey>(this.limits.maxTrackedDistinct, this.limits.sampleSize);
      all.add(this.firstSource(w));
      all.add(src);
      this.tSources[w] = all;
    }
    // sliding-window estimate: the part of the previous window still inside, plus this one
    const estimate = tn[r + T_PREVIOUS] * (1 - (t - tn[r + T_START]) / W) + tn[r + T_COUNT];
    if (estimate > tn[r + T_PEAK]) tn[r + T_PEAK] = estimate;
    if (estimate > this.flood.halfOpen && !this.tOver[w]) {
      this.tOver[w] = 1;
      if (this.reportCrossings) this.crossed.push(this.floodFinding(w));
    }
  }

  /** Whether attempt `e`'s client is target `w`'s first source (as AddrKeys compare: the last word for IPv4, all four for IPv6). */
  private sameSource(w: number, e: number): boolean {
    const a = this.tSource;
    const c = this.cw;
    const b = w * 4;
    const at = e * 4;
    return a[b + 3] === c[at + 3] && (this.family[e] === 4 || (a[b] === c[at] && a[b + 1] === c[at + 1] && a[b + 2] === c[at + 2]));
  }

  private firstSource(w: number): AddrKey {
    return this.tFamily[w] === 4 ? this.tSource[w * 4 + 3] : addressWordsText(this.tSource, 6, w * 4);
  }

  private growTargets(cap: number): void {
    this.tFamily = widen(this.tFamily, new Uint8Array(cap));
    this.tHost = widen(this.tHost, new Uint32Array(cap * 4));
    this.tSource = widen(this.tSource, new Uint32Array(cap * 4));
    this.tPort = widen(this.tPort, new Uint16Array(cap));
    this.tn = widen(this.tn, new Float64Array(cap * TN));
    this.tOver = widen(this.tOver, new Uint8Array(cap));
    while (this.tSources.length < cap) this.tSources.push(null);
  }

  private closeTarget(w: number): void {
    if (this.tOver[w]) this.out.push(this.floodFinding(w));
  }

  private floodFinding(w: number): Finding {
    const all = this.tSources[w];
    const sources = all ? all.size : 1;
    const capped = all ? all.capped : false;
    const one = sources === 1 ? keyText(this.firstSource(w)) : null;
    const host = addressWordsText(this.tHost, this.tFamily[w], w * 4);
    const port = this.tPort[w];
    const hosts = new CappedSet<string>(1, 1);
    hosts.add(host);
    const ports = new CappedSet<number>(1, 1);
    ports.add(port);
    const r = w * TN;
    const peak = Math.round(this.tn[r + T_PEAK]);
    const total = this.tn[r + T_TOTAL];
    const bare = this.tn[r + T_BARE];
    return {
      ruleId: 'packet.syn-flood',
      title: 'SYN flood (half-open handshakes towards one port)',
      category: 'denial-of-service',
      severity: this.flood.severity as Severity,
      srcIp: one,
      targets: findingTargets(hosts, ports),
      firstSeen: isoMicros(this.tn[r + T_FIRST]),
      lastSeen: isoMicros(this.tn[r + T_LAST]),
      count: total,
      counted: ['half-open handshake', 'half-open handshakes'],
      evidence: {
        halfOpen: total,
        peakInWindow: peak,
        threshold: this.flood.halfOpen,
        windowSeconds: this.flood.windowSeconds,
        sources,
        sourcesCapped: capped,
        sampleSources: all ? all.sample.map(keyText) : [keyText(this.firstSource(w))],
        bareSyns: bare,
      },
      rows: [],
      reason:
        `${host} port ${port} was left with up to ${thousands(peak)} half-open handshakes within ${this.flood.windowSeconds} s (more than ${thousands(this.flood.halfOpen)}; ${thousands(total)} in all) ` +
        `from ${one ?? `${thousands(sources)}${capped ? '+' : ''} sources`}: a SYN flood.` +
        (bare > 0 ? ` ${bare === total ? 'Every one' : `${thousands(bare)} of ${thousands(total)}`} of those SYNs carried no TCP option but an MSS, as a flood tool crafts them (hping3, a forged-source flood); an operating system's own SYNs carry several.` : ''),
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
    this.pairs.clear();
    for (let w = this.targets.first(); w >= 0; w = this.targets.after(w)) this.closeTarget(w);
    this.targets.clear();
    this.tSources.fill(null);
    return this.out.splice(0, this.out.length);
  }
}
