/**
 * Command-and-control beaconing: a host that opens a connection to the same destination and port
 * at a steady period (CIC-IDS2017's Ares bots call 205.174.165.73:8080 every ~10 s). People and
 * browsers connect in bursts and pauses; a timer does not.
 *
 * Per (source, destination, destination port), a ring of the last RING start times. When a new
 * connection arrives at least `minPeriodSeconds` after the one before and the ring holds at least
 * `connections` times, the ring is tested:
 * - every interval between neighbouring times is a candidate period P; for each, a walk along the
 *   times anchors on a beat and asks of each next time whether it lies k·P (± maxJitter·P) after
 *   the anchor (a beat; k - 1 beats missed: a bot asleep for a while), or sooner than P (an extra
 *   connection, skipped: a second task, a retry), or off the lattice (irregular, the walk re-anchors);
 * - the candidate with the most beats (less the extra, irregular and half the missed ones: P/3 also
 *   puts every beat of P on its lattice, at two misses each) is refined to the median interval per
 *   beat, and walked again;
 * - a beacon is at least `connections` beats, at least `regularShare` of the connections on beat,
 *   no more beats missed than seen. The jitter reported is the median absolute deviation of the
 *   per-beat intervals around the period.
 * Random arrivals put few of their connections on any lattice (each interval has about a 2·maxJitter
 * chance to land on one); a 10 s timer puts nearly all. The defaults (5%, 85%) reported none of
 * 16,000 simulated random pairs (Poisson and log-normal intervals, 300 connections each); 10% and
 * 75% reported 16 of 6,000 and a slice of CIC-IDS2017's DDoS flows, which is why they are not the
 * defaults.
 *
 * Two calls per cycle: a bot that calls twice and then sleeps (CIC-IDS2017's Ares bot .8: 6.3 s and
 * 3.8 s apart every 10.1 s) alternates a short and a long interval, so no interval is the period:
 * the steady test puts half its calls off the lattice, and the jittered one took the median of the
 * two for a 5 s timer, or found nothing (two calls 1 s apart every 10 s). When the steady test
 * fails on a full ring, a third walk tries as cycle each span of two neighbouring intervals, with
 * the first as the second call's offset: a call on the cycle's beat or at the offset after it is on
 * the lattice (maxJitter), one more near the offset in the same cycle is an extra. It passes with
 * regularShare of the 16 calls on the lattice, at most one beat missed, at least half the cycles
 * with their second call, and that call not near half the cycle (a timer at half the period); the
 * finding (evidence.timer 'two calls per cycle') names the cycle and the gap between the calls.
 * A cycle and an offset fitted to the times put more random calls on a lattice than a period alone,
 * hence the full ring and the stricter bounds (without the one second call per cycle, bursts and
 * sessions passed). The study below gave the same counts with it as without, every random kind
 * and every timer kind (one ±20 % timer of 1,600 is now reported by another test than the jittered).
 *
 * Jittered beacons: command-and-control implants randomise their sleep (Cobalt Strike's `sleep 60 20`
 * waits 48-60 s; Sliver, Mythic, Empire alike, commonly 10-50 %), which a 5 % lattice misses (the
 * steady test alone finds 16 % of `sleep 60 20` pairs within 300 connections, none at ±30 %). What
 * such a timer keeps is a bounded spread: with jitter j every interval lies within [P(1−j), P(1+j)]
 * (or k times that after missed beats), where random gaps spread over orders of magnitude. So when
 * the steady test fails on a full ring (`sleepJitter` > 0), a second one asks exactly that:
 * - P is the median interval (extra calls make short ones, missed beats long ones: a few of either
 *   leave it on the beat); a walk with tolerance sleepJitter·P (35 %; ·√k after k - 1 missed beats,
 *   as k sleeps' jitters add) must put all connections but one on the beat, at least JITTERED_BEATS
 *   (12), with at most one beat missed; a connection within minPeriodSeconds of the one before is
 *   a follow-up (Ares calls again 0.3 s after some beats), skipped;
 * - every interval per beat must lie within ± sleepJitter of the median period the finding reports;
 * - one passing ring is not enough (a lone regular stretch of random traffic passes now and then):
 *   the pair is asked again JITTERED_CONFIRM (8) connections later and reported when that ring
 *   passes too, at a period within ± sleepJitter of the first. A jittered timer is found after
 *   ~24-40 connections (24 min to 40 min at a 60 s sleep), a steady one after 8.
 * Measured by src/bench/beaconing-study.ts (16,000 random pairs a kind, 1,600 timers a kind, 300
 * connections each, 5 % of beats missed and 5 % followed by an extra call): random pairs reported
 * 0 of 16,000 for each of Poisson, log-normal (σ 1), a person's page loads and sessions; 185 of
 * 16,000 (1.2 %) for log-normal gaps with σ 0.5 (90 % within 0.44-2.3× the median: nearly a timer);
 * timers found: all at ±10/20/30 % (uniform or normal at 2 sd) and `sleep 60 20` / `sleep 60 50`;
 * 91 % at uniform ±40 %; 66 % at ±30 % with 15 % missed and 15 % extra. The finding (evidence.timer
 * 'jittered') names the range of the intervals per beat, so a reader sees the bounded random sleep
 * of an implant, where a poller (updates, monitoring) mostly keeps a fixed period and is reported
 * by the steady test with its jitter in milliseconds.
 *
 * A flow with the same source port as the pair's flow before it is the same connection cut by the
 * flow meter's timeouts (a long session cut every 120 s would look like a perfect beacon), not a new
 * beat; this also leaves out NTP's fixed 123 → 123 polls. A beacon that keeps its source port is
 * missed; documented in docs/architecture.md.
 *
 * Cost: one table lookup and one store per flow; the test (≤ 15 walks of ≤ 16 steps, then on a full
 * ring the two-call one: 13 comparisons, and only when most agree ≤ 16 walks and 2 medians; then the
 * jittered one: 2 walks and 3 medians) runs only on a connection that arrives after a pause
 * of at least `minPeriodSeconds`, so floods (many connections a second) never pay it, and after a
 * failed test not before as many connections as it lacked beats have come (the fewer of the two
 * tests' lacks; each connection adds one beat at most, for the period it tried: a heuristic, as
 * the next test may pick another period). A pair of random intervals is tested every few
 * connections, not at each: on 8,000 long-lived random pairs (2.4 M flows, every one after a
 * pause: the worst case) the rule takes 1.5× the CPU of the steady test alone (1.26 s → 1.89 s);
 * a wait of its own for the jittered test (1.3×) missed some of the CIC bots with re-timed
 * intervals, its lack being no bound when a nap or an extra call stays in the ring for 15 calls.
 * Memory: RING times and 16 figures per pair, pairs dropped after
 * `windowSeconds` of quiet or when `limits.maxGroupsPerRule` is reached (least recently seen first).
 *
 * Own state rather than a bucket spec (bucket.ts): the test is on the spacing of times, not a count.
 *
 * Flows later than a window behind the pair's latest (inputs of several days read one after another)
 * only add to an open finding, as in the other rules; flows late within a window join the ring,
 * which the test sorts.
 *
 * Not here: periods longer than `windowSeconds` (each beat would start afresh), beacons spread over
 * many destinations (fast flux), payload sizes.
 */
import type { Batch } from './batch.js';
import { compareFindings, formatShare, formatSpan, isoTime, type Finding } from './finding.js';
import type { ActiveRuleSource, RuleContext, RuleInfo, RuleRunner } from './rule-runner.js';
import { OpenBySource } from './open-by-source.js';
import type { BeaconingConfig } from './rules-config.js';
import { SlotTable } from './slot-table.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';
import { countQuiet, forgetLeastRecent, forgetQuiet } from './slot-expiry.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip-address.js';

/** start times kept per pair: the window the test looks at (and the most `connections` may ask) */
export const BEACON_RING = 16;

/** a jittered beacon: at least this many beats in the (full) ring, all but one of its connections (follow-ups aside) */
export const JITTERED_BEATS = 12;
/** a jittered pass is confirmed by another at least this many connections later (a ring renewed) */
export const JITTERED_CONFIRM = 8;

/**
 * The jittered test's history check (rules.beaconing.historyShare, off by default): every interval
 * of the pair (follow-ups within minPeriodSeconds aside) is counted in a histogram of log2(interval)
 * in bins of 1/8 octave (HIST_BINS from 2^-4 s to 2^12 s; a bin reaching 255 halves them all, so the
 * oldest fade; 128 bytes a pair), and a jittered beacon is confirmed only when at least historyShare
 * of those not shorter than its band (short ones are extra calls and a double-calling bot's second
 * calls) lie within ± sleepJitter of the period it is confirmed at: a timer's intervals stay in its
 * band all its life (less its missed beats), random gaps only now and then (log-normal σ 0.5: two
 * thirds of the intervals not below the band). Figures in docs/architecture.md (Beaconing).
 */
const HIST_PER_OCTAVE = 8;
const HIST_LOW_OCTAVE = -4;
const HIST_BINS = 16 * HIST_PER_OCTAVE;

function histBin(ms: number): number {
  const b = Math.round(HIST_PER_OCTAVE * (Math.log2(ms / 1000) - HIST_LOW_OCTAVE));
  return b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
}

const STEADY = 1;
const JITTERED = 2;
/** a steady timer that calls twice per cycle (a second call a fixed time after the first) */
const PAIRED = 3;

const FIELDS = 18;
const F_LAST = 0;
const F_FIRST = 1;
const F_CONNS = 2;
const F_LAST_PORT = 3;
const F_PERIOD = 4;
const F_JITTER = 5;
const F_BEATS = 6;
const F_MISSED = 7;
const F_EXTRA = 8;
const F_IRREGULAR = 9;
const F_FLOWS = 10;
/** STEADY or JITTERED: which test the kept figures come from */
const F_KIND = 11;
/** shortest and longest interval per beat of the kept fit */
const F_LOW = 12;
const F_HIGH = 13;
/** connections counted at a jittered pass awaiting confirmation (0: none), and its period */
const F_PENDING = 14;
const F_PENDING_PERIOD = 15;
/** PAIRED: the second call's time after the first, and the cycles that had it */
const F_OFFSET = 16;
const F_SECONDS = 17;

/** dst id and port share the table's second key: dst · PORTS + (port + 1), 0 for no port */
const PORTS = 65537;

/** What one test of a ring found (fields, so a test allocates nothing). */
interface Fit {
  kind: number;
  period: number;
  /** PAIRED: the second call's time after the first, and how many cycles had it */
  offset: number;
  seconds: number;
  low: number;
  high: number;
  jitter: number;
  beats: number;
  missed: number;
  extra: number;
  irregular: number;
}

export class BeaconRunner implements RuleRunner {
  readonly info: RuleInfo;
  private readonly table = new SlotTable(1024);
  private readonly out: Finding[] = [];
  private evicted = 0;
  private lastSweep = -Infinity;
  private slots = 0;
  private high = 0;
  private readonly freeSlots: number[] = [];
  private keyA: Float64Array = new Float64Array(0);
  private keyB: Float64Array = new Float64Array(0);
  private num: Float64Array = new Float64Array(0);
  private ring: Float64Array = new Float64Array(0);
  /** per pair, HIST_BINS counts of its intervals by log2 (the history check; empty when it is off) */
  private hist: Uint8Array = new Uint8Array(0);
  /** next ring position to write */
  private ringPos: Uint8Array = new Uint8Array(0);
  private ringLen: Uint8Array = new Uint8Array(0);
  /** 0 free, 1 alive, 2 alive and found beaconing */
  private state: Uint8Array = new Uint8Array(0);
  /** connections to let pass before the next test: beats the last test lacked, less one */
  private wait: Uint8Array = new Uint8Array(0);
  /** what the last failed test set `wait` to */
  private shortfall = 0;
  /** rows of flows of a pair found beaconing (from the flow that showed it on), by slot */
  private readonly rows = new Map<number, number[]>();
  /** slots found beaconing and not yet announced by opened() */
  private readonly fresh = new Set<number>();
  private readonly openBySrc: OpenBySource;
  // test scratch
  private readonly times = new Float64Array(BEACON_RING);
  private readonly perBeat = new Float64Array(BEACON_RING);
  private readonly sorted = new Float64Array(BEACON_RING);
  private perBeatN = 0;
  private readonly offsets = new Float64Array(BEACON_RING);
  private offsetsN = 0;
  private readonly walked: Fit = { kind: 0, period: 0, offset: 0, seconds: 0, low: 0, high: 0, jitter: 0, beats: 0, missed: 0, extra: 0, irregular: 0 };
  private readonly fit: Fit = { kind: 0, period: 0, offset: 0, seconds: 0, low: 0, high: 0, jitter: 0, beats: 0, missed: 0, extra: 0, irregular: 0 };
  private readonly ignore: Uint8Array;
  /** ignoreDestinations, parsed; and per destination id, 0 not judged yet, 1 ignored, 2 watched (cleared when ids are remapped) */
  private readonly ignoreNets: readonly Cidr[];
  private dstVerdict: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly cfg: BeaconingConfig,
    private readonly ctx: RuleContext,
  ) {
    this.info = { id: 'c2.beaconing', title: 'Connections at a steady period (beaconing)', category: 'command-and-control', severity: cfg.severity, requires: ['srcIp', 'dstIp', 'time'] };
    this.openBySrc = new OpenBySource(ctx.openSources ?? null);
    this.ignore = new Uint8Array(65536);
    for (const p of cfg.ignorePorts) this.ignore[p] = 1;
    this.ignoreNets = cfg.ignoreDestinations.map((c) => parseCidr(c) as Cidr);
    this.grow(256);
  }

  private grow(n: number): void {
    const keyA = new Float64Array(n);
    keyA.set(this.keyA);
    const keyB = new Float64Array(n);
    keyB.set(this.keyB);
    const num = new Float64Array(n * FIELDS);
    num.set(this.num);
    const ring = new Float64Array(n * BEACON_RING);
    ring.set(this.ring);
    const hist = new Uint8Array(this.cfg.historyShare > 0 ? n * HIST_BINS : 0);
    hist.set(this.hist);
    this.hist = hist;
    const ringPos = new Uint8Array(n);
    ringPos.set(this.ringPos);
    const ringLen = new Uint8Array(n);
    ringLen.set(this.ringLen);
    const state = new Uint8Array(n);
    state.set(this.state);
    const wait = new Uint8Array(n);
    wait.set(this.wait);
    this.wait = wait;
    this.keyA = keyA;
    this.keyB = keyB;
    this.num = num;
    this.ring = ring;
    this.ringPos = ringPos;
    this.ringLen = ringLen;
    this.state = state;
    this.slots = n;
  }

  private allocate(a: number, b: number): number {
    let s = this.freeSlots.pop();
    const reused = s !== undefined;
    if (s === undefined) {
      if (this.high === this.slots) this.grow(this.slots * 2);
      s = this.high++;
    }
    this.keyA[s] = a;
    this.keyB[s] = b;
    const o = s * FIELDS;
    // a slot never used before is still zero (grown arrays start zeroed, slots are used from the bottom up)
    if (reused) {
      for (let i = o; i < o + FIELDS; i++) this.num[i] = 0;
      this.hist.fill(0, s * HIST_BINS, (s + 1) * HIST_BINS);
    }
    this.num[o + F_LAST] = -Infinity;
    this.num[o + F_FIRST] = Infinity;
    this.num[o + F_LAST_PORT] = NaN;
    this.ringPos[s] = 0;
    this.ringLen[s] = 0;
    this.wait[s] = 0;
    this.state[s] = 1;
    this.table.set(a, b, s);
    return s;
  }

  /** `unkeyed`: the pair's key is left in the table for the caller to clear */
  private release(s: number, unkeyed = false): void {
    if (!unkeyed) this.table.delete(this.keyA[s], this.keyB[s]);
    if (this.state[s] === 2) {
      this.openBySrc.delete(this.keyA[s], s);
      this.rows.delete(s);
      this.fresh.delete(s);
    }
    this.state[s] = 0;
    this.freeSlots.push(s);
  }

  observe(b: Batch): void {
    if (!b.hasTime) return;
    const src = b.src as Int32Array;
    const dst = b.dst as Int32Array;
    const dstPort = b.dstPort;
    const srcPort = b.fields.srcPort ?? null;
    const time = b.time;
    const order = b.order;
    const max = this.ctx.limits.maxGroupsPerRule;
    const W = this.cfg.windowSeconds * 1000;
    const minGap = this.cfg.minPeriodSeconds * 1000;
    const need = this.cfg.connections;
    const ignore = this.ignore;
    for (let i = 0; i < b.n; i++) {
      const r = order ? order[i] : i;
      const sId = src[r];
      const dId = dst[r];
      if (sId < 0 || dId < 0) continue;
      let pk = 0;
      if (dstPort !== null) {
        const p = dstPort[r];
        if (p >= 0 && p <= 65535) {
          if (ignore[p] === 1) continue;
          pk = p + 1;
        }
      }
      if (this.ignoreNets.length > 0 && this.ignoredDestination(dId)) continue;
      const key = dId * PORTS + pk;
      const t = time[r];
      let s = this.table.get(sId, key);
      if (s < 0) {
        if (this.table.size >= max) this.relieve();
        s = this.allocate(sId, key);
      } else if (t - this.num[s * FIELDS + F_LAST] > W) {
        // quiet for a window: report what there was and start afresh
        this.close(s);
        this.release(s);
        s = this.allocate(sId, key);
      } else if (this.num[s * FIELDS + F_LAST] - t > W) {
        // late by more than a window (files of other days read one after another): it only adds
        // to an open finding, as in the other rules; it is no beat of the rhythm seen now
        if (this.state[s] === 2) this.num[s * FIELDS + F_FLOWS]++;
        continue;
      }
      const num = this.num;
      const o = s * FIELDS;
      num[o + F_FLOWS]++;
      if (t < num[o + F_FIRST]) num[o + F_FIRST] = t;
      const prev = num[o + F_LAST];
      if (t > prev) num[o + F_LAST] = t;
      if (srcPort !== null) {
        const sp = srcPort[r];
        // the same connection again, cut by the meter's timeouts: not a beat
        if (sp === num[o + F_LAST_PORT]) continue;
        num[o + F_LAST_PORT] = sp;
      }
      num[o + F_CONNS]++;
      if (t - prev >= minGap && this.cfg.historyShare > 0) this.count(s, t - prev);
      const pos = this.ringPos[s];
      this.ring[s * BEACON_RING + pos] = t;
      this.ringPos[s] = pos + 1 === BEACON_RING ? 0 : pos + 1;
      const len = this.ringLen[s] < BEACON_RING ? ++this.ringLen[s] : BEACON_RING;
      if (this.state[s] === 2) {
        const rows = this.rows.get(s) as number[];
        if (rows.length < this.ctx.limits.sampleSize) rows.push(b.rowOffset + r);
        continue;
      }
      if (this.wait[s] > 0) this.wait[s]--;
      else if (len >= need && t - prev >= minGap) {
        const kind = this.test(s, len);
        if (kind === STEADY || kind === PAIRED) this.open(s, b.rowOffset + r);
        else if (kind === JITTERED) {
          const pending = num[o + F_PENDING];
          const p0 = num[o + F_PENDING_PERIOD];
          if (pending > 0 && num[o + F_CONNS] - pending >= JITTERED_CONFIRM && Math.abs(this.fit.period - p0) <= this.cfg.sleepJitter * p0 && (this.cfg.historyShare <= 0 || this.inBand(s, this.fit.period) >= this.cfg.historyShare)) this.open(s, b.rowOffset + r);
          else {
            // one ring is not enough (random traffic passes now and then): ask again when half of it is new
            num[o + F_PENDING] = num[o + F_CONNS];
            num[o + F_PENDING_PERIOD] = this.fit.period;
            this.wait[s] = JITTERED_CONFIRM - 1;
          }
        } else {
          num[o + F_PENDING] = 0;
          this.wait[s] = this.shortfall;
        }
      }
    }
  }

  /** one interval of pair s into its histogram; a full bin halves them all (the old fade) */
  private count(s: number, ms: number): void {
    const h = this.hist;
    const o = s * HIST_BINS;
    const i = o + histBin(ms);
    if (h[i] === 255) for (let k = o; k < o + HIST_BINS; k++) h[k] >>= 1;
    h[i]++;
  }

  /** the share of pair s's counted intervals not shorter than the band that lie within ± sleepJitter of `period` (ms), by whole bins */
  private inBand(s: number, period: number): number {
    const h = this.hist;
    const o = s * HIST_BINS;
    const lo = histBin(period * (1 - this.cfg.sleepJitter));
    const hi = histBin(period * (1 + this.cfg.sleepJitter));
    let all = 0;
    let inside = 0;
    // from the band's lowest bin up: intervals shorter than the band are no evidence either way
    for (let k = lo; k < HIST_BINS; k++) {
      all += h[o + k];
      if (k <= hi) inside += h[o + k];
    }
    return all > 0 ? inside / all : 0;
  }

  private open(s: number, row: number): void {
    this.state[s] = 2;
    this.keep(s);
    this.rows.set(s, [row]);
    this.fresh.add(s);
    this.openBySrc.add(this.keyA[s], s);
  }

  /** the last passing fit into the slot's fields */
  private keep(s: number): void {
    const o = s * FIELDS;
    const f = this.fit;
    this.num[o + F_KIND] = f.kind;
    this.num[o + F_LOW] = f.low;
    this.num[o + F_HIGH] = f.high;
    this.num[o + F_PERIOD] = f.period;
    this.num[o + F_JITTER] = f.jitter;
    this.num[o + F_BEATS] = f.beats;
    this.num[o + F_MISSED] = f.missed;
    this.num[o + F_EXTRA] = f.extra;
    this.num[o + F_IRREGULAR] = f.irregular;
    this.num[o + F_OFFSET] = f.offset;
    this.num[o + F_SECONDS] = f.seconds;
  }

  /**
   * Whether the slot's ring is a beacon: STEADY, JITTERED or 0; the figures in `this.fit` when it
   * is, and in `this.shortfall` the connections to let pass before asking again when it is not.
   */
  private test(s: number, len: number): number {
    const times = this.times;
    const base = s * BEACON_RING;
    for (let i = 0; i < len; i++) times[i] = this.ring[base + i];
    const ts = times.subarray(0, len).sort();
    const steadyLack = this.steady(ts);
    if (steadyLack === 0) return STEADY;
    if (len === BEACON_RING && this.paired(ts)) return PAIRED;
    this.shortfall = Math.min(BEACON_RING, Math.max(0, steadyLack - 1));
    if (this.cfg.sleepJitter <= 0) return 0;
    const jitteredLack = len < BEACON_RING ? BEACON_RING - len : this.jittered(ts);
    if (jitteredLack === 0) return JITTERED;
    if (jitteredLack - 1 < this.shortfall) this.shortfall = jitteredLack - 1;
    return 0;
  }

  /** The strict lattice walk (maxJitter): 0 and the figures in `this.fit` when it passes, else the beats it lacks. */
  private steady(ts: Float64Array): number {
    const len = ts.length;
    const minGap = this.cfg.minPeriodSeconds * 1000;
    const tol = this.cfg.maxJitter;
    let bestScore = -Infinity;
    let bestP = 0;
    for (let i = 1; i < len; i++) {
      const p = ts[i] - ts[i - 1];
      if (p < minGap) continue;
      const w = this.walk(ts, p, tol, false);
      const score = w.beats - w.extra - w.irregular - w.missed / 2;
      if (score > bestScore) {
        bestScore = score;
        bestP = p;
      }
    }
    if (bestP === 0) return 1;
    // refine twice: the median interval per beat of the best candidate's walk, walked again
    this.walk(ts, bestP, tol, false);
    if (this.perBeatN === 0) return 1;
    const p1 = this.median(this.perBeat, this.perBeatN);
    const w = this.walk(ts, p1, tol, false);
    if (this.perBeatN === 0) return 1;
    const period = this.median(this.perBeat, this.perBeatN);
    if (period < minGap) return 1;
    const connections = w.beats + w.extra + w.irregular;
    if (w.beats < this.cfg.connections || w.missed > w.beats || w.beats < this.cfg.regularShare * connections) {
      // each new connection adds at most one beat: no use testing before the lacking ones could come
      return Math.max(1, this.cfg.connections - w.beats, Math.ceil(this.cfg.regularShare * connections) - w.beats);
    }
    this.keepWalk(STEADY, period, w);
    return 0;
  }

  /**
   * The strict lattice walk for a timer that calls twice per cycle (two requests a fixed time apart,
   * then the sleep): sorted, its intervals alternate short and long, so no neighbouring interval is
   * the period and the steady walk fails (half the calls off its lattice), while the jittered one
   * took the median of the two for a period and told a 10 s cycle as a 5 s timer, or found nothing.
   * The candidates are the spans of two neighbouring intervals (the cycle) with the first of them as
   * the second call's offset; a walk puts each call on the cycle's beat, at the offset after it
   * (the second call; a beat missed when the first call of its cycle is), early (extra) or off it.
   * Asked of a full ring only, and stricter than the steady test, as a cycle and an offset fitted
   * to the times put more random calls on a lattice: regularShare of the 16 calls on it (maxJitter),
   * at most one beat missed, at least half the cycles with their second call, and that call not
   * near half the cycle (a timer at half the period, left to the other tests).
   */
  private paired(ts: Float64Array): boolean {
    const len = ts.length;
    const minGap = this.cfg.minPeriodSeconds * 1000;
    const tol = this.cfg.maxJitter;
    // cheap first, as most rings tested are random: each span of two intervals of a two-call timer
    // is its cycle, so neighbouring spans agree (but where a call is missed or extra); random ones rarely do
    let agree = 0;
    for (let i = 3; i < len; i++) {
      const a = ts[i] - ts[i - 2];
      if (Math.abs(a - (ts[i - 1] - ts[i - 3])) <= tol * a) agree++;
    }
    if (2 * agree < len - 3) return false;
    let bestScore = -Infinity;
    let bestP = 0;
    let bestG = 0;
    for (let i = 2; i < len; i++) {
      const g = ts[i - 1] - ts[i - 2];
      const p = ts[i] - ts[i - 2];
      if (g < minGap || p - g < minGap) continue;
      const w = this.pairWalk(ts, p, g, tol);
      const score = w.beats + w.seconds - w.extra - w.irregular - w.missed / 2;
      if (score > bestScore) {
        bestScore = score;
        bestP = p;
        bestG = g;
      }
    }
    if (bestP === 0) return false;
    // refine as the steady test does: the median cycle per beat and the median offset, walked again
    this.pairWalk(ts, bestP, bestG, tol);
    if (this.perBeatN === 0 || this.offsetsN === 0) return false;
    const p1 = this.median(this.perBeat, this.perBeatN);
    const g1 = this.median(this.offsets, this.offsetsN);
    const w = this.pairWalk(ts, p1, g1, tol);
    if (this.perBeatN === 0 || this.offsetsN === 0) return false;
    const period = this.median(this.perBeat, this.perBeatN);
    const offset = this.median(this.offsets, this.offsetsN);
    if (offset < minGap || period - offset < minGap) return false;
    // a second call near half the cycle is a timer at half the period (the steady or jittered test's)
    if (Math.abs(offset - period / 2) <= tol * period) return false;
    const onLattice = w.beats + w.seconds;
    const connections = onLattice + w.extra + w.irregular;
    if (onLattice < this.cfg.regularShare * connections || w.missed > 1 || 2 * w.seconds < w.beats) return false;
    this.keepWalk(PAIRED, period, w);
    // which of the two calls the walk took for the first is chance: the gap between them is the
    // shorter way round the cycle
    this.fit.offset = Math.min(offset, period - offset);
    return true;
  }

  /**
   * Walk sorted times against a cycle p whose second call comes g after the first, with a tolerance
   * of `share`·p: cycles per beat into this.perBeat, second calls' offsets into this.offsets.
   */
  private pairWalk(ts: Float64Array, p: number, g: number, share: number): Fit {
    const tol = share * p;
    const w = this.walked;
    let anchor = ts[0];
    let beats = 1;
    let seconds = 0;
    let extra = 0;
    let irregular = 0;
    let missed = 0;
    let n = 0;
    let m = 0;
    // the anchor's cycle has had its second call: another near the offset is an extra one
    let secondTaken = false;
    for (let i = 1; i < ts.length; i++) {
      const d = ts[i] - anchor;
      const k = Math.round(d / p);
      const k2 = Math.round((d - g) / p);
      if (k >= 1 && Math.abs(d - k * p) <= tol) {
        beats++;
        missed += k - 1;
        this.perBeat[n++] = d / k;
        anchor = ts[i];
        secondTaken = false;
      } else if (k2 >= 0 && (k2 > 0 || !secondTaken) && Math.abs(d - g - k2 * p) <= tol) {
        // the second call; k2 cycles on, the first calls of those cycles were missed
        seconds++;
        missed += k2;
        this.offsets[m++] = d - k2 * p;
        anchor += k2 * p;
        secondTaken = true;
      } else if (d < p) extra++;
      else {
        irregular++;
        anchor = ts[i];
      }
    }
    this.perBeatN = n;
    this.offsetsN = m;
    w.beats = beats;
    w.seconds = seconds;
    w.extra = extra;
    w.irregular = irregular;
    w.missed = missed;
    return w;
  }

  /**
   * The bounded-spread test of a full ring (sleepJitter): 0 and the figures in `this.fit` when it
   * passes, else the beats it lacks. The period is the median interval (extra connections make short
   * ones, missed beats long ones: a few of either leave the median on the beat); a walk with a
   * tolerance of sleepJitter·P (·√k after k - 1 missed beats: k sleeps' jitters add up like a random
   * walk) must then put all but one of the 16 connections on the beat (at least JITTERED_BEATS;
   * follow-ups within minPeriodSeconds of the connection before are skipped) with at most one beat
   * missed.
   */
  private jittered(ts: Float64Array): number {
    const len = ts.length;
    const minGap = this.cfg.minPeriodSeconds * 1000;
    const tol = this.cfg.sleepJitter;
    let n = 0;
    for (let i = 1; i < len; i++) {
      const d = ts[i] - ts[i - 1];
      if (d >= minGap) this.perBeat[n++] = d;
    }
    if (n < 2) return JITTERED_BEATS;
    this.walk(ts, this.median(this.perBeat, n), tol, true);
    if (this.perBeatN === 0) return JITTERED_BEATS;
    const w = this.walk(ts, this.median(this.perBeat, this.perBeatN), tol, true);
    if (this.perBeatN === 0) return JITTERED_BEATS;
    const period = this.median(this.perBeat, this.perBeatN);
    if (period < minGap) return JITTERED_BEATS;
    if (w.beats < JITTERED_BEATS || w.extra + w.irregular > 1 || w.missed > 1) return Math.max(1, JITTERED_BEATS - w.beats, w.extra + w.irregular - 1, w.missed - 1);
    // what the finding says: every interval per beat within ± sleepJitter of the period it reports
    // (the median, which may sit a little off the period walked)
    for (let i = 0; i < this.perBeatN; i++) if (Math.abs(this.perBeat[i] - period) > tol * period) return 1;
    this.keepWalk(JITTERED, period, w);
    return 0;
  }

  /** A passing walk's figures into `this.fit`: the period, the range and median deviation of the per-beat intervals. */
  private keepWalk(kind: number, period: number, w: Fit): void {
    let low = Infinity;
    let high = -Infinity;
    for (let i = 0; i < this.perBeatN; i++) {
      const v = this.perBeat[i];
      if (v < low) low = v;
      if (v > high) high = v;
      this.perBeat[i] = Math.abs(v - period);
    }
    const f = this.fit;
    f.kind = kind;
    f.period = period;
    f.offset = 0;
    f.seconds = w.seconds;
    f.low = low;
    f.high = high;
    f.jitter = this.median(this.perBeat, this.perBeatN);
    f.beats = w.beats;
    f.missed = w.missed;
    f.extra = w.extra;
    f.irregular = w.irregular;
  }

  /**
   * Walk sorted times against period p with a tolerance of `share`·p (·√k for a beat k periods on
   * when `widen`); per-beat intervals into this.perBeat.
   */
  private walk(ts: Float64Array, p: number, share: number, widen: boolean): Fit {
    const tol = share * p;
    const minGap = widen ? this.cfg.minPeriodSeconds * 1000 : 0;
    const w = this.walked;
    let anchor = ts[0];
    let beats = 1;
    let extra = 0;
    let irregular = 0;
    let missed = 0;
    let n = 0;
    for (let i = 1; i < ts.length; i++) {
      // jittered test: a connection hard on the heels of another is a follow-up (Ares sends a
      // second request 0.3 s after every few beats), neither a beat nor a stray
      if (ts[i] - ts[i - 1] < minGap) continue;
      const d = ts[i] - anchor;
      const k = Math.round(d / p);
      if (k >= 1 && Math.abs(d - k * p) <= (widen && k > 1 ? tol * Math.sqrt(k) : tol)) {
        beats++;
        missed += k - 1;
        this.perBeat[n++] = d / k;
        anchor = ts[i];
      } else if (d < p) extra++;
      else {
        irregular++;
        anchor = ts[i];
      }
    }
    this.perBeatN = n;
    w.beats = beats;
    w.seconds = 0;
    w.extra = extra;
    w.irregular = irregular;
    w.missed = missed;
    return w;
  }

  private median(a: Float64Array, n: number): number {
    const s = this.sorted.subarray(0, n);
    s.set(a.subarray(0, n));
    s.sort();
    return n % 2 === 1 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private close(s: number): void {
    if (this.state[s] !== 2) return;
    const len = this.ringLen[s];
    // the ring as it ends, when it still passes the test that found it (or the steady one, the more
    // precise: a jittered or two-call timer that settles to one call per beat): the period over the
    // latest beats
    if (len >= this.cfg.connections) {
      const kind = this.test(s, len);
      if (kind === STEADY || kind === this.num[s * FIELDS + F_KIND]) this.keep(s);
    }
    this.out.push(this.finding(s, this.rows.get(s) ?? []));
  }

  private finding(s: number, rows: readonly number[]): Finding {
    const num = this.num;
    const o = s * FIELDS;
    const ip = this.ctx.interner.text(this.keyA[s]);
    const key = this.keyB[s];
    const dstId = Math.floor(key / PORTS);
    const pk = key - dstId * PORTS;
    const dst = this.ctx.interner.text(dstId);
    const port = pk === 0 ? null : pk - 1;
    const where = port === null ? dst : dst.includes(':') ? `[${dst}]:${port}` : `${dst}:${port}`;
    const period = num[o + F_PERIOD] / 1000;
    const jitter = num[o + F_JITTER] / 1000;
    const beats = num[o + F_BEATS];
    const missed = num[o + F_MISSED];
    const extra = num[o + F_EXTRA];
    const irregular = num[o + F_IRREGULAR];
    const conns = num[o + F_CONNS];
    const span = (num[o + F_LAST] - num[o + F_FIRST]) / 1000;
    const round = (v: number, d: number): number => Math.round(v * 10 ** d) / 10 ** d;
    const jitterShare = period > 0 ? jitter / period : 0;
    const paired = num[o + F_KIND] === PAIRED;
    const offset = num[o + F_OFFSET] / 1000;
    const seconds = num[o + F_SECONDS];
    const tested = beats + seconds + extra + irregular;
    const onBeat = `${beats} of its last ${tested} connections on the beat${missed > 0 ? `, ${missed} ${plural(missed, 'beat')} missed` : ''}`;
    const over = `${conns} connections over ${formatSpan(span)}`;
    const jittered = num[o + F_KIND] === JITTERED;
    const low = num[o + F_LOW] / 1000;
    const high = num[o + F_HIGH] / 1000;
    const spread = period > 0 ? Math.max(period - low, high - period) / period : 0;
    return {
      ruleId: this.info.id,
      title: this.info.title,
      category: this.info.category,
      severity: this.info.severity,
      srcIp: ip,
      targets: { ips: [dst], ipCount: 1, ports: port === null ? [] : [port], portCount: port === null ? 0 : 1, countsCapped: false },
      firstSeen: isoTime(num[o + F_FIRST], true),
      lastSeen: isoTime(num[o + F_LAST], true),
      count: num[o + F_FLOWS],
      evidence: jittered
        ? {
            timer: 'jittered',
            periodSeconds: round(period, 3),
            jitterSeconds: round(jitter, 3),
            jitterShare: round(jitterShare, 4),
            intervalMinSeconds: round(low, 3),
            intervalMaxSeconds: round(high, 3),
            spreadShare: round(spread, 4),
            beats,
            missedBeats: missed,
            extraConnections: extra,
            irregularConnections: irregular,
            connections: conns,
            flows: num[o + F_FLOWS],
            threshold: JITTERED_BEATS,
            sleepJitter: this.cfg.sleepJitter,
            durationSeconds: round(span, 3),
          }
        : paired
          ? {
              timer: 'two calls per cycle',
              periodSeconds: round(period, 3),
              callGapSeconds: round(offset, 3),
              jitterSeconds: round(jitter, 3),
              jitterShare: round(jitterShare, 4),
              beats,
              secondCalls: seconds,
              missedBeats: missed,
              extraConnections: extra,
              irregularConnections: irregular,
              connections: conns,
              flows: num[o + F_FLOWS],
              threshold: this.cfg.connections,
              maxJitter: this.cfg.maxJitter,
              durationSeconds: round(span, 3),
            }
          : {
              periodSeconds: round(period, 3),
              jitterSeconds: round(jitter, 3),
              jitterShare: round(jitterShare, 4),
              beats,
              missedBeats: missed,
              extraConnections: extra,
              irregularConnections: irregular,
              connections: conns,
              flows: num[o + F_FLOWS],
              threshold: this.cfg.connections,
              maxJitter: this.cfg.maxJitter,
              durationSeconds: round(span, 3),
            },
      rows,
      reason: jittered
        ? `${ip} connected to ${where} about every ${formatSpan(period)}, each interval per beat within ${formatSpan(low)} to ${formatSpan(high)} ` +
          `(±${formatShare(spread)} of the period, median jitter ±${formatSpan(jitter)}; ${onBeat}, and in the ring before), ${over}: ` +
          // a steady timer the steady test missed (a stray connection throws its narrow lattice off) is no randomised sleep
          (spread > this.cfg.maxJitter ? 'a timer with a bounded random delay, as command-and-control implants sleep (Cobalt Strike\'s and Sliver\'s jitter)' : 'a timer') +
          '; people and random traffic spread their intervals over orders of magnitude, and pollers (updates, monitoring) mostly keep a fixed period.'
        : paired
          ? `${ip} connected to ${where} twice every ${formatSpan(period)}, the two calls ${formatSpan(offset)} apart (jitter ${jitter < 0.0005 ? 'under 1 ms' : `±${formatSpan(jitter)}`}, ${formatShare(jitterShare)} of the period; ` +
            `${beats + seconds} of its last ${tested} connections on the beat, ${seconds} of them second calls${missed > 0 ? `, ${missed} ${plural(missed, 'beat')} missed` : ''}), ${over}: ` +
            'a timer, not a person: malware calling its command-and-control server, or an agent polling (updates, monitoring).'
          : `${ip} connected to ${where} every ${formatSpan(period)} (jitter ${jitter < 0.0005 ? 'under 1 ms' : `±${formatSpan(jitter)}`}, ${formatShare(jitterShare)} of the period; ` +
          `${beats} of its last ${tested} connections on the beat${missed > 0 ? `, ${missed} ${plural(missed, 'beat')} missed` : ''}), ${conns} connections over ${formatSpan(span)}: ` +
          'a timer, not a person: malware calling its command-and-control server, or an agent polling (updates, monitoring).',
    };
  }

  /** the watermark at which this rule's next sweep falls due */
  nextSweepMs(): number {
    return this.lastSweep + this.cfg.windowSeconds * 1000;
  }

  sweep(watermarkMs: number, force: boolean): void {
    const W = this.cfg.windowSeconds * 1000;
    if (!force && watermarkMs - this.lastSweep < W) return;
    this.lastSweep = watermarkMs;
    const cutoff = force ? Infinity : watermarkMs - W;
    // when most pairs go, the table is cleared and the rest put back: cheaper than deleting keys
    // one by one (a hash and a backward shift each, most of a sweep after a capture's batch)
    const quiet = countQuiet(this.state, this.num, FIELDS, F_LAST, this.high, cutoff);
    if (quiet === 0) return;
    const rebuild = quiet * 2 > this.table.size;
    forgetQuiet(this.state, this.num, FIELDS, F_LAST, this.high, cutoff, (s) => {
      this.close(s);
      this.release(s, rebuild);
    });
    if (!rebuild) return;
    this.table.clear();
    for (let s = 0; s < this.high; s++) if (this.state[s] !== 0) this.table.set(this.keyA[s], this.keyB[s], s);
  }

  /** Over the group limit: forget the least recently seen quarter (reporting the beacons among them). */
  private relieve(): void {
    const target = Math.floor(this.ctx.limits.maxGroupsPerRule * 0.75);
    this.evicted += forgetLeastRecent(this.state, this.num, FIELDS, F_LAST, this.high, this.table.size, this.table.size - target, (s) => {
      this.close(s);
      this.release(s);
    });
  }

  drain(): Finding[] {
    return this.out.splice(0, this.out.length).sort(compareFindings);
  }

  /** whether destination id `d` is in ignoreDestinations (judged once per id) */
  private ignoredDestination(d: number): boolean {
    if (d >= this.dstVerdict.length) {
      const grown = new Uint8Array(Math.max(1024, d * 2));
      grown.set(this.dstVerdict);
      this.dstVerdict = grown;
    }
    let v = this.dstVerdict[d];
    if (v === 0) {
      const ip = parseIp(this.ctx.interner.text(d));
      v = this.dstVerdict[d] = ip && this.ignoreNets.some((c) => cidrContains(c, ip)) ? 1 : 2;
    }
    return v === 1;
  }

  remapIds(remap: (oldId: number) => number): void {
    this.dstVerdict.fill(0);
    this.table.clear();
    this.openBySrc.clear();
    for (let s = 0; s < this.high; s++) {
      if (this.state[s] === 0) continue;
      const key = this.keyB[s];
      const dstId = Math.floor(key / PORTS);
      this.keyA[s] = remap(this.keyA[s]);
      this.keyB[s] = remap(dstId) * PORTS + (key - dstId * PORTS);
      this.table.set(this.keyA[s], this.keyB[s], s);
      if (this.state[s] === 2) this.openBySrc.add(this.keyA[s], s);
    }
  }

  groups(): number {
    return this.table.size;
  }

  activeSources(into: Map<string, ActiveRuleSource>): void {
    for (const src of [...this.openBySrc.sources()].sort((a, b) => a - b)) {
      const ip = this.ctx.interner.text(src);
      const a = into.get(ip);
      if (!a) into.set(ip, { severity: this.info.severity, rules: [this.info.id] });
      else {
        if (this.info.severity < a.severity) a.severity = this.info.severity;
        if (!a.rules.includes(this.info.id)) a.rules.push(this.info.id);
      }
    }
  }

  inOpenEpisode(srcId: number): boolean {
    return this.openBySrc.has(srcId);
  }

  /** The time span of each of the source's beaconing pairs still open. */
  openSpans(srcId: number, visit: (firstMs: number, lastMs: number) => void): void {
    for (const s of this.openBySrc.slots(srcId)) visit(this.num[s * FIELDS + F_FIRST], this.num[s * FIELDS + F_LAST]);
  }

  hasOpenSources(): boolean {
    return this.openBySrc.size > 0;
  }

  opened(into: Finding[]): void {
    if (this.fresh.size === 0) return;
    for (const s of [...this.fresh].sort((a, b) => a - b)) into.push(this.finding(s, [...(this.rows.get(s) ?? [])]));
    this.fresh.clear();
  }

  notes(): string[] {
    return this.evicted > 0 ? [`memory limit reached: ${thousands(this.evicted)} (source, destination, port) ${plural(this.evicted, 'pair')} forgotten early; raise limits.maxGroupsPerRule to track more`] : [];
  }
}
