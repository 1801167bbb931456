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
 * A flow with the same source port as the pair's flow before it is the same connection cut by the
 * flow meter's timeouts (a long session cut every 120 s would look like a perfect beacon), not a new
 * beat; this also leaves out NTP's fixed 123 → 123 polls. A beacon that keeps its source port is
 * missed; documented in docs/architecture.md.
 *
 * Cost: one table lookup and one store per flow; the test (≤ 15 walks of ≤ 16 steps) runs only
 * on a connection that arrives after a pause of at least `minPeriodSeconds`, so floods (many
 * connections a second) never pay it, and after a failed test not before as many connections as
 * it lacked beats have come (each adds one beat at most, for the period it tried: a heuristic, as
 * the next test may pick another period). A pair of random intervals is tested every few
 * connections, not at each. Memory: RING times per pair, pairs dropped after
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

/** start times kept per pair: the window the test looks at (and the most `connections` may ask) */
export const BEACON_RING = 16;

const FIELDS = 11;
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

/** dst id and port share the table's second key: dst · PORTS + (port + 1), 0 for no port */
const PORTS = 65537;

/** What one test of a ring found (fields, so a test allocates nothing). */
interface Fit {
  period: number;
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
  private readonly walked: Fit = { period: 0, jitter: 0, beats: 0, missed: 0, extra: 0, irregular: 0 };
  private readonly fit: Fit = { period: 0, jitter: 0, beats: 0, missed: 0, extra: 0, irregular: 0 };
  private readonly ignore: Uint8Array;

  constructor(
    private readonly cfg: BeaconingConfig,
    private readonly ctx: RuleContext,
  ) {
    this.info = { id: 'c2.beaconing', title: 'Connections at a steady period (beaconing)', category: 'command-and-control', severity: cfg.severity, requires: ['srcIp', 'dstIp', 'time'] };
    this.openBySrc = new OpenBySource(ctx.openSources ?? null);
    this.ignore = new Uint8Array(65536);
    for (const p of cfg.ignorePorts) this.ignore[p] = 1;
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
    if (reused) for (let i = o; i < o + FIELDS; i++) this.num[i] = 0;
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
        if (this.test(s, len)) this.open(s, b.rowOffset + r);
        else this.wait[s] = this.shortfall;
      }
    }
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
    this.num[o + F_PERIOD] = f.period;
    this.num[o + F_JITTER] = f.jitter;
    this.num[o + F_BEATS] = f.beats;
    this.num[o + F_MISSED] = f.missed;
    this.num[o + F_EXTRA] = f.extra;
    this.num[o + F_IRREGULAR] = f.irregular;
  }

  /** Whether the slot's ring is a beacon; the figures in `this.fit` when it is. */
  private test(s: number, len: number): boolean {
    const times = this.times;
    const base = s * BEACON_RING;
    for (let i = 0; i < len; i++) times[i] = this.ring[base + i];
    const ts = times.subarray(0, len).sort();
    const minGap = this.cfg.minPeriodSeconds * 1000;
    let bestScore = -Infinity;
    let bestP = 0;
    for (let i = 1; i < len; i++) {
      const p = ts[i] - ts[i - 1];
      if (p < minGap) continue;
      const w = this.walk(ts, p);
      const score = w.beats - w.extra - w.irregular - w.missed / 2;
      if (score > bestScore) {
        bestScore = score;
        bestP = p;
      }
    }
    this.shortfall = 0;
    if (bestP === 0) return false;
    // refine twice: the median interval per beat of the best candidate's walk, walked again
    this.walk(ts, bestP);
    if (this.perBeatN === 0) return false;
    const p1 = this.median(this.perBeat, this.perBeatN);
    const w = this.walk(ts, p1);
    if (this.perBeatN === 0) return false;
    const period = this.median(this.perBeat, this.perBeatN);
    if (period < minGap) return false;
    for (let i = 0; i < this.perBeatN; i++) this.perBeat[i] = Math.abs(this.perBeat[i] - period);
    const jitter = this.median(this.perBeat, this.perBeatN);
    const connections = w.beats + w.extra + w.irregular;
    if (w.beats < this.cfg.connections || w.missed > w.beats || w.beats < this.cfg.regularShare * connections) {
      // each new connection adds at most one beat: no use testing before the lacking ones could come
      const lack = Math.max(this.cfg.connections - w.beats, Math.ceil(this.cfg.regularShare * connections) - w.beats);
      this.shortfall = Math.min(BEACON_RING, Math.max(0, lack - 1));
      return false;
    }
    const f = this.fit;
    f.period = period;
    f.jitter = jitter;
    f.beats = w.beats;
    f.missed = w.missed;
    f.extra = w.extra;
    f.irregular = w.irregular;
    return true;
  }

  /** Walk sorted times against period p; per-beat intervals into this.perBeat. */
  private walk(ts: Float64Array, p: number): Fit {
    const tol = this.cfg.maxJitter * p;
    const w = this.walked;
    let anchor = ts[0];
    let beats = 1;
    let extra = 0;
    let irregular = 0;
    let missed = 0;
    let n = 0;
    for (let i = 1; i < ts.length; i++) {
      const d = ts[i] - anchor;
      const k = Math.round(d / p);
      if (k >= 1 && Math.abs(d - k * p) <= tol) {
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
    // the ring as it ends, when it still passes: the period over the latest beats
    if (len >= this.cfg.connections && this.test(s, len)) this.keep(s);
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
    const tested = beats + extra + irregular;
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
      evidence: {
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
      reason:
        `${ip} connected to ${where} every ${formatSpan(period)} (jitter ${jitter < 0.0005 ? 'under 1 ms' : `±${formatSpan(jitter)}`}, ${formatShare(jitterShare)} of the period; ` +
        `${beats} of its last ${tested} connections on the beat${missed > 0 ? `, ${missed} ${plural(missed, 'beat')} missed` : ''}), ${conns} connections over ${formatSpan(span)}: ` +
        'a timer, not a person: malware calling its command-and-control server, or an agent polling (updates, monitoring).',
    };
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

  remapIds(remap: (oldId: number) => number): void {
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
