/**
 * A streaming bucket engine in the spirit of CrowdSec's scenarios: a rule is data (filter, group
 * by, distinct field, capacity, window) and this file is the only code that counts.
 *
 *  - `sliding` with `distinct`: overflow when more than `capacity` distinct values of the field
 *    (destination ports, hosts) were seen in the last `windowSeconds`. Exact: each group keeps at
 *    most capacity + 1 values with the time each was last seen, so memory per group is bounded by
 *    the capacity, not by the traffic.
 *  - `sliding` without `distinct`: overflow when more than `capacity` flows fall in the window
 *    (the last capacity + 1 flow times are kept). Capacity 0 triggers on the first flow.
 *  - `leaky`: CrowdSec's leaky bucket. Each flow pours its weight in, the bucket drains
 *    capacity / windowSeconds per second, and overflows above capacity: a rate above
 *    capacity / windowSeconds sustained, or a burst of more than capacity. O(1) memory per group.
 *
 * On overflow a group opens an episode that collects evidence until the group is quiet for a whole
 * window (or, for a leaky bucket, drains empty); then the episode becomes one finding. A scan of
 * 5,000 ports is one finding with 5,000 in it, not 455 alerts. An episode starts with the flows
 * that were in the window when it overflowed (distinct mode: the latest flow per value; leaky mode:
 * every flow since the bucket was last empty, and the most recent rows as the sample).
 *
 * Memory: groups idle for a window are dropped at each sweep; beyond `maxGroupsPerRule` the least
 * recently active quarter is dropped (open episodes are reported first), and the rule says so in its
 * notes. Before a group overflows, its distinct tallies stop at 1,024 values.
 *
 * Not here: what a rule means (port-scan.ts, flood.ts, ...), reading files, decisions.
 */
import { FLAG_FAILED, FLAG_SYN, type Batch } from './batch.js';
import { C_FLOWS, COLD_FIELDS, Episode, countCold, resetCold, type DistinctField } from './episode.js';
import type { Evidence, Finding } from './finding.js';
import { isoTime } from './finding.js';
import { KeyLayout, type KeyPartKind } from './key-layout.js';
import { SlotTable } from './slot-table.js';
import type { RuleContext, RuleInfo, RuleRunner } from './rule-runner.js';

export type GroupField = 'srcIp' | 'dstIp' | 'dstPort' | 'proto';
export type { DistinctField };

/** Which flows a bucket sees. Every condition given must hold. */
export interface RowFilter {
  /** only flows to these destination ports */
  readonly dstPorts?: readonly number[];
  /** only these IANA protocol numbers (flows with an unknown protocol pass) */
  readonly protocols?: readonly number[];
  /** only flows no longer than this (flows with an unknown duration pass) */
  readonly maxDurationSeconds?: number;
  /** only attempts without data, refused or unanswered (every flow passes when the input cannot tell) */
  readonly failedOnly?: boolean;
  /** a condition data cannot express (address classes, GeoIP): code, on the rule's side */
  readonly custom?: (b: Batch, row: number) => boolean;
}

/** How much a flow weighs in a leaky bucket (1 by default). */
export interface RowWeight {
  /** weight of an attempt without data that carried a SYN (or whose flags are unknown) */
  readonly failedSynWeight?: number;
  /** weigh by the originator's packets instead of 1 */
  readonly packets?: boolean;
  /** with `packets`: only flows whose mean forward payload per packet is at most this many bytes */
  readonly maxMeanPacketBytes?: number;
  /** with `packets`: count only the share of a long flow's packets that fits in one window */
  readonly spreadOverDuration?: boolean;
}

export interface BucketSpec {
  readonly groupBy: readonly GroupField[];
  readonly distinct?: DistinctField;
  readonly window: 'sliding' | 'leaky';
  /** overflow when the distinct count, flow count or level exceeds this */
  readonly capacity: number;
  readonly windowSeconds: number;
  readonly filter?: RowFilter;
  readonly weight?: RowWeight;
  /** more distinct counts to keep as evidence once a group overflows (e.g. a flood's sources) */
  readonly track?: readonly DistinctField[];
}

/** What a rule is told about a closed episode, to word its finding. */
export interface EpisodeView {
  readonly srcIp: string | null;
  readonly dstIp: string | null;
  readonly dstPort: number | null;
  readonly proto: number | null;
  readonly episode: Episode;
  readonly spec: BucketSpec;
  /** whether the episode was closed early because the rule ran out of memory */
  readonly evicted: boolean;
}

export interface BucketRule extends RuleInfo {
  readonly bucket: BucketSpec;
  /** a finding's sentence and numbers; return null to drop the episode (e.g. a rule's own extra test) */
  describe(v: EpisodeView): { reason: string; evidence: Evidence; srcIp?: string | null } | null;
}

/** Values per window entry: value, time, row * 16 + flag bits, duration. */
const STRIDE = 4;
/** Distinct tallies before overflow stop here (a group that never overflows needs no exact count). */
const PENDING_DISTINCT_CAP = 1024;
/** Above this capacity, distinct lookups in the window use a Map instead of a scan. */
const SCAN_LIMIT = 48;

const PART_KIND: Readonly<Record<GroupField, KeyPartKind>> = { srcIp: 'ip', dstIp: 'ip', dstPort: 'port', proto: 'proto' };

function grownF64(a: Float64Array, n: number, fill = 0): Float64Array {
  const g = new Float64Array(n);
  g.set(a);
  if (fill !== 0) g.fill(fill, a.length);
  return g;
}

function grownI32(a: Int32Array, n: number): Int32Array {
  const g = new Int32Array(n);
  g.set(a);
  return g;
}

/**
 * Group state lives in parallel typed arrays indexed by a slot number (struct of arrays), found
 * through a SlotTable; objects exist only for groups with more than one window entry (their entry
 * array), and for groups about to overflow or overflowing (their Episode).
 */
export class BucketRunner implements RuleRunner {
  private readonly table = new SlotTable();
  private readonly layout: KeyLayout;
  private readonly windowMs: number;
  private readonly leakPerMs: number;
  private readonly leaky: boolean;
  private readonly accept: (b: Batch, r: number) => boolean;
  private readonly weigh: (b: Batch, r: number) => number;
  private readonly out: Finding[] = [];
  private readonly filterNotes = new Set<string>();
  private readonly track: readonly DistinctField[];
  private evicted = 0;
  private evictedEpisodes = 0;
  private lastSweep = -Infinity;

  // --- state columns, one entry per slot ---
  private slots = 0;
  private high = 0;
  private readonly freeSlots: number[] = [];
  private alive: Uint8Array = new Uint8Array(0);
  private k1: Float64Array = new Float64Array(0);
  private k2: Float64Array = new Float64Array(0);
  private lastMs: Float64Array = new Float64Array(0);
  private src: Int32Array = new Int32Array(0);
  private dst: Int32Array = new Int32Array(0);
  private port: Int32Array = new Int32Array(0);
  private proto: Int32Array = new Int32Array(0);
  /** sliding: entries in the window; inline in `e0` while there is one, else in `wins` */
  private len: Int32Array = new Int32Array(0);
  private start: Int32Array = new Int32Array(0);
  private e0: Float64Array = new Float64Array(0);
  private wins: (Float64Array | null)[] = [];
  private idx: (Map<number, number> | null)[] = [];
  /** leaky: level, when it was last leaked, plain counters, and what the counters stand for */
  private level: Float64Array = new Float64Array(0);
  private levelMs: Float64Array = new Float64Array(0);
  private cold: Float64Array = new Float64Array(0);
  private coldFlags: Uint8Array = new Uint8Array(0);
  private coldTimed: Uint8Array = new Uint8Array(0);
  private pending: (Episode | null)[] = [];
  private episodes: (Episode | null)[] = [];

  constructor(
    readonly rule: BucketRule,
    private readonly ctx: RuleContext,
  ) {
    const spec = rule.bucket;
    if (spec.groupBy.length === 0 || spec.groupBy.length > 3) throw new Error(`${rule.id}: groupBy needs 1 to 3 fields`);
    if (spec.distinct && spec.window !== 'sliding') throw new Error(`${rule.id}: distinct counting needs a sliding window`);
    if (spec.distinct && spec.capacity < 1) throw new Error(`${rule.id}: distinct counting needs a capacity of at least 1`);
    this.layout = new KeyLayout(spec.groupBy.map((g) => PART_KIND[g]));
    this.windowMs = spec.windowSeconds * 1000;
    this.leaky = spec.window === 'leaky';
    this.leakPerMs = spec.capacity / Math.max(1e-9, this.windowMs);
    this.accept = compileFilter(spec, this.filterNotes);
    this.weigh = compileWeight(spec);
    this.track = spec.track ?? [];
    this.growSlots(256);
  }

  get info(): RuleInfo {
    return this.rule;
  }

  groups(): number {
    return this.table.size;
  }

  notes(): string[] {
    const n = [...this.filterNotes];
    if (this.evicted > 0) {
      n.push(
        `memory limit reached: ${this.evicted} group(s) dropped before their window ended` +
          (this.evictedEpisodes > 0 ? `, ${this.evictedEpisodes} finding(s) reported early` : '') +
          '; raise limits.maxGroupsPerRule if slow activity may have been missed',
      );
    }
    return n;
  }

  drain(): Finding[] {
    return this.out.splice(0, this.out.length);
  }

  private growSlots(n: number): void {
    const old = this.slots;
    this.alive = (() => {
      const g = new Uint8Array(n);
      g.set(this.alive);
      return g;
    })();
    this.k1 = grownF64(this.k1, n);
    this.k2 = grownF64(this.k2, n);
    this.lastMs = grownF64(this.lastMs, n);
    this.src = grownI32(this.src, n);
    this.dst = grownI32(this.dst, n);
    this.port = grownI32(this.port, n);
    this.proto = grownI32(this.proto, n);
    if (this.leaky) {
      this.level = grownF64(this.level, n);
      this.levelMs = grownF64(this.levelMs, n);
      this.cold = grownF64(this.cold, n * COLD_FIELDS);
      const cf = new Uint8Array(n);
      cf.set(this.coldFlags);
      this.coldFlags = cf;
      const ct = new Uint8Array(n);
      ct.set(this.coldTimed);
      this.coldTimed = ct;
    } else {
      this.len = grownI32(this.len, n);
      this.start = grownI32(this.start, n);
      this.e0 = grownF64(this.e0, n * STRIDE);
    }
    for (let s = old; s < n; s++) {
      this.wins.push(null);
      this.idx.push(null);
      this.pending.push(null);
      this.episodes.push(null);
    }
    this.slots = n;
  }

  /** A fresh slot for a new group. */
  private allocate(k1: number, k2: number): number {
    let s = this.freeSlots.pop();
    if (s === undefined) {
      if (this.high === this.slots) this.growSlots(this.slots * 2);
      s = this.high++;
    }
    this.alive[s] = 1;
    this.k1[s] = k1;
    this.k2[s] = k2;
    this.lastMs[s] = -Infinity;
    this.src[s] = -1;
    this.dst[s] = -1;
    this.port[s] = -1;
    this.proto[s] = -1;
    if (this.leaky) {
      this.level[s] = 0;
      this.levelMs[s] = -Infinity;
      this.resetCold(s);
    } else {
      this.len[s] = 0;
      this.start[s] = 0;
    }
    this.table.set(k1, k2, s);
    return s;
  }

  private resetCold(s: number): void {
    resetCold(this.cold, s * COLD_FIELDS);
    this.coldFlags[s] = 0xff;
    this.coldTimed[s] = 1;
  }

  /** Forget a group (its episode must have been closed). */
  private release(s: number): void {
    this.table.delete(this.k1[s], this.k2[s]);
    this.alive[s] = 0;
    this.wins[s] = null;
    this.idx[s] = null;
    this.pending[s] = null;
    this.episodes[s] = null;
    this.freeSlots.push(s);
  }

  observe(b: Batch): void {
    const spec = this.rule.bucket;
    const gb = spec.groupBy;
    const nParts = gb.length;
    const layout = this.layout;
    const order = b.order;
    const time = b.time;
    const W = this.windowMs;
    const maxGroups = this.ctx.limits.maxGroupsPerRule;
    const distinct = spec.distinct;
    const distinctVals = distinct === 'dstPort' ? b.dstPort : null;
    const distinctIds = distinct === 'srcIp' ? b.src : distinct === 'dstIp' ? b.dst : null;
    const g0 = gb[0];
    const g1 = nParts > 1 ? gb[1] : g0;
    const g2 = nParts > 2 ? gb[2] : g0;
    const p0 = partSource(b, g0);
    const p1 = nParts > 1 ? partSource(b, g1) : null;
    const p2 = nParts > 2 ? partSource(b, g2) : null;
    for (let i = 0; i < b.n; i++) {
      const r = order ? order[i] : i;
      if (!this.accept(b, r)) continue;
      const v0 = partValue(p0, g0, r);
      if (v0 < 0) continue;
      const v1 = nParts > 1 ? partValue(p1, g1, r) : 0;
      if (v1 < 0) continue;
      const v2 = nParts > 2 ? partValue(p2, g2, r) : 0;
      if (v2 < 0) continue;
      let value = 0;
      if (distinct) {
        if (distinctVals) {
          const p = distinctVals[r];
          if (!(p >= 0 && p <= 65535 && p === Math.floor(p))) continue;
          value = p;
        } else if (distinctIds) {
          value = distinctIds[r];
          if (value < 0) continue;
        } else continue;
      }
      const k1 = layout.first(v0, v1, v2);
      const k2 = layout.second(v0, v1, v2);
      let s = this.table.get(k1, k2);
      if (s < 0) {
        if (this.table.size >= maxGroups) this.relieve();
        s = this.allocate(k1, k2);
        for (let p = 0; p < nParts; p++) {
          const v = p === 0 ? v0 : p === 1 ? v1 : v2;
          const g = gb[p];
          if (g === 'srcIp') this.src[s] = v;
          else if (g === 'dstIp') this.dst[s] = v;
          else if (g === 'dstPort') this.port[s] = v;
          else this.proto[s] = v;
        }
      }
      // a flow late across batches counts at its group's latest time
      const last = this.lastMs[s];
      const t = time[r] < last ? last : time[r];
      if (this.episodes[s] !== null && t - last > W) this.close(s, false);
      this.lastMs[s] = t;
      if (this.leaky) this.pourLeaky(s, b, r, t);
      else if (distinct) this.pourDistinct(s, b, r, t, value);
      else this.pourCount(s, b, r, t);
    }
  }

  private writeInline(s: number, value: number, t: number, rowFlags: number, dur: number): void {
    const o = s * STRIDE;
    this.e0[o] = value;
    this.e0[o + 1] = t;
    this.e0[o + 2] = rowFlags;
    this.e0[o + 3] = dur;
  }

  /** Move the inline entry into a new entry array with room for `entries`. */
  private spill(s: number, entries: number): Float64Array {
    const w = new Float64Array(entries * STRIDE);
    const o = s * STRIDE;
    w[0] = this.e0[o];
    w[1] = this.e0[o + 1];
    w[2] = this.e0[o + 2];
    w[3] = this.e0[o + 3];
    this.wins[s] = w;
    this.start[s] = 0;
    return w;
  }

  private pourDistinct(s: number, b: Batch, r: number, t: number, value: number): void {
    const ep = this.episodes[s];
    if (ep !== null) {
      ep.addRow(b, r, t, 1, this.ctx.interner, true);
      return;
    }
    const cap = this.rule.bucket.capacity;
    const rowFlags = (b.rowOffset + r) * 16 + b.flags[r];
    const dur = b.duration ? b.duration[r] : NaN;
    let w = this.wins[s];
    if (w === null) {
      const n = this.len[s];
      const o = s * STRIDE;
      if (n === 0 || this.e0[o] === value || this.e0[o + 1] < t - this.windowMs) {
        // the first value, the same value again, or a new one replacing an expired one
        this.writeInline(s, value, t > this.e0[o + 1] || n === 0 || this.e0[o] !== value ? t : this.e0[o + 1], rowFlags, dur);
        this.len[s] = 1;
        if (1 > cap) this.trigger(s, b, r, t, 1);
        return;
      }
      w = this.spill(s, Math.min(cap + 1, 4));
    } else {
      let at = -1;
      const index = this.idx[s];
      if (index !== null) at = index.get(value) ?? -1;
      else {
        const n = this.len[s];
        for (let e = 0; e < n; e++) {
          if (w[e * STRIDE] === value) {
            at = e;
            break;
          }
        }
      }
      if (at >= 0) {
        const o = at * STRIDE;
        if (t > w[o + 1]) w[o + 1] = t;
        w[o + 2] = rowFlags;
        w[o + 3] = dur;
        return;
      }
      if (this.len[s] >= cap) this.expireDistinct(s, t - this.windowMs);
    }
    w = this.room(s, cap + 1);
    const n = this.len[s];
    const o = n * STRIDE;
    w[o] = value;
    w[o + 1] = t;
    w[o + 2] = rowFlags;
    w[o + 3] = dur;
    const index = this.idx[s];
    if (index !== null) index.set(value, n);
    else if (n + 1 > SCAN_LIMIT) {
      const m = new Map<number, number>();
      for (let e = 0; e <= n; e++) m.set(w[e * STRIDE], e);
      this.idx[s] = m;
    }
    this.len[s] = n + 1;
    if (n + 1 > cap) this.trigger(s, b, r, t, n + 1);
  }

  private pourCount(s: number, b: Batch, r: number, t: number): void {
    const ep = this.episodes[s];
    if (ep !== null) {
      ep.addRow(b, r, t, 1, this.ctx.interner, true);
      return;
    }
    const cap = this.rule.bucket.capacity;
    if (cap === 0) {
      this.trigger(s, b, r, t, 1);
      return;
    }
    const rowFlags = (b.rowOffset + r) * 16 + b.flags[r];
    const dur = b.duration ? b.duration[r] : NaN;
    const o0 = s * STRIDE;
    if (this.wins[s] === null) {
      if (this.len[s] === 0 || this.e0[o0 + 1] < t - this.windowMs) {
        this.writeInline(s, 0, t, rowFlags, dur);
        this.len[s] = 1;
        return;
      }
      this.spill(s, Math.min(cap + 1, 4));
    }
    const w = this.room(s, cap + 1);
    const o = this.len[s] * STRIDE;
    w[o] = 0;
    w[o + 1] = t;
    w[o + 2] = rowFlags;
    w[o + 3] = dur;
    this.len[s]++;
    if (this.len[s] - this.start[s] > cap) {
      // entries are in time order: drop the expired prefix
      const cutoff = t - this.windowMs;
      let st = this.start[s];
      while (st < this.len[s] && w[st * STRIDE + 1] < cutoff) st++;
      this.start[s] = st;
      if (this.len[s] - st > cap) this.trigger(s, b, r, t, this.len[s] - st);
    }
  }

  private pourLeaky(s: number, b: Batch, r: number, t: number): void {
    const weight = this.weigh(b, r);
    if (!(weight > 0)) return;
    const lm = this.levelMs[s];
    if (t > lm) {
      if (lm > -Infinity) this.level[s] = Math.max(0, this.level[s] - (t - lm) * this.leakPerMs);
      this.levelMs[s] = t;
    }
    if (this.level[s] === 0) {
      // drained: an episode is over, and what was in the bucket is gone
      if (this.episodes[s] !== null) this.close(s, false);
      this.pending[s] = null;
      if (this.cold[s * COLD_FIELDS + C_FLOWS] > 0) this.resetCold(s);
    }
    const level = this.level[s] + weight;
    this.level[s] = level;
    const ep = this.episodes[s];
    if (ep !== null) {
      ep.addRow(b, r, t, weight, this.ctx.interner, true);
      if (level > ep.peak) ep.peak = level;
      return;
    }
    const cap = this.rule.bucket.capacity;
    const lim = this.ctx.limits;
    let pend = this.pending[s];
    if (pend !== null) pend.addRow(b, r, t, weight, this.ctx.interner, true);
    else if (level > cap / 2) {
      // worth watching closely: keep the recent rows and who is involved from here on
      pend = new Episode(undefined, this.track, PENDING_DISTINCT_CAP, lim.sampleSize, true);
      pend.absorb(this.cold, s * COLD_FIELDS, this.coldFlags[s], this.coldTimed[s] === 1, b);
      this.resetCold(s);
      pend.addRow(b, r, t, weight, this.ctx.interner, true);
      this.pending[s] = pend;
    } else {
      countCold(this.cold, s * COLD_FIELDS, b, r, t, weight);
      this.coldFlags[s] &= b.flagsKnown;
      if (!b.hasTime) this.coldTimed[s] = 0;
    }
    if (level > cap && pend !== null) {
      this.pending[s] = null;
      pend.promote(lim.maxTrackedDistinct);
      pend.triggerMs = t;
      pend.peak = level;
      this.episodes[s] = pend;
    }
  }

  /** The window's entries become an episode, plus the current row's tracked values. */
  private trigger(s: number, b: Batch, r: number, t: number, peak: number): void {
    const lim = this.ctx.limits;
    const spec = this.rule.bucket;
    const interner = this.ctx.interner;
    const ep = new Episode(spec.distinct, this.track, lim.maxTrackedDistinct, lim.sampleSize, false);
    if (spec.capacity === 0 && !spec.distinct) {
      // a trigger rule: the current flow is the whole window
      ep.addRow(b, r, t, 1, interner, true);
    } else {
      const w = this.wins[s];
      const arr = w ?? this.e0;
      const from = w ? this.start[s] : s;
      const to = w ? this.len[s] : s + 1;
      for (let e = from; e < to; e++) {
        const o = e * STRIDE;
        const rf = arr[o + 2];
        const row = Math.floor(rf / 16);
        ep.addEntry(arr[o + 1], row, rf - row * 16, arr[o + 3]);
        if (ep.distinct) {
          if (spec.distinct === 'dstPort') ep.distinct.addPort(arr[o]);
          else ep.distinct.addIp(interner.text(arr[o]));
        }
      }
      if (!b.hasTime) ep.timed = false;
      ep.flagsKnown &= b.flagsKnown;
      for (const tally of ep.tracked) tally.addRow(b, r, interner);
    }
    ep.triggerMs = t;
    ep.peak = peak;
    this.episodes[s] = ep;
    this.wins[s] = null;
    this.idx[s] = null;
    this.start[s] = 0;
    this.len[s] = 0;
  }

  /** Room for one more entry in a group's array, growing up to `maxEntries` (compacting the count window). */
  private room(s: number, maxEntries: number): Float64Array {
    const w = this.wins[s] as Float64Array;
    const n = this.len[s];
    if (n * STRIDE < w.length) return w;
    const st = this.start[s];
    if (st > 0) {
      w.copyWithin(0, st * STRIDE, n * STRIDE);
      this.len[s] = n - st;
      this.start[s] = 0;
      if ((n - st) * STRIDE < w.length) return w;
    }
    const grown = new Float64Array(Math.min(maxEntries, Math.max(4, this.len[s] * 2)) * STRIDE);
    if (grown.length <= w.length) throw new Error('bucket window overflow');
    grown.set(w);
    this.wins[s] = grown;
    return grown;
  }

  private expireDistinct(s: number, cutoff: number): void {
    const w = this.wins[s];
    if (w === null) return;
    const n = this.len[s];
    let keep = 0;
    for (let e = 0; e < n; e++) {
      const o = e * STRIDE;
      if (w[o + 1] < cutoff) continue;
      if (keep !== e) w.copyWithin(keep * STRIDE, o, o + STRIDE);
      keep++;
    }
    if (keep === n) return;
    this.len[s] = keep;
    const index = this.idx[s];
    if (index !== null) {
      index.clear();
      for (let e = 0; e < keep; e++) index.set(w[e * STRIDE], e);
    }
  }

  /** Turn an open episode into a finding and empty the window (the slot stays). */
  private close(s: number, evicted: boolean): void {
    const ep = this.episodes[s];
    this.episodes[s] = null;
    this.wins[s] = null;
    this.idx[s] = null;
    if (!this.leaky) {
      this.start[s] = 0;
      this.len[s] = 0;
    }
    if (ep === null) return;
    const interner = this.ctx.interner;
    const proto = this.proto[s];
    const view: EpisodeView = {
      srcIp: this.src[s] >= 0 ? interner.text(this.src[s]) : null,
      dstIp: this.dst[s] >= 0 ? interner.text(this.dst[s]) : null,
      dstPort: this.port[s] >= 0 ? this.port[s] : null,
      proto: proto >= 0 && proto !== 255 ? proto : null,
      episode: ep,
      spec: this.rule.bucket,
      evicted,
    };
    const d = this.rule.describe(view);
    if (d) this.out.push(buildFinding(this.rule, view, d));
  }

  sweep(watermarkMs: number, force: boolean): void {
    // a group can only have gone quiet for a window if event time moved on by half a window
    if (!force && watermarkMs - this.lastSweep < this.windowMs / 2) return;
    this.lastSweep = watermarkMs;
    const cutoff = watermarkMs - this.windowMs;
    const alive = this.alive;
    const last = this.lastMs;
    for (let s = 0; s < this.high; s++) {
      if (alive[s] === 0 || (!force && last[s] >= cutoff)) continue;
      this.close(s, false);
      this.release(s);
    }
  }

  /** Over the group limit: drop the least recently active quarter, reporting open episodes. */
  private relieve(): void {
    const target = Math.floor(this.ctx.limits.maxGroupsPerRule * 0.75);
    const drop = this.table.size - target;
    if (drop <= 0) return;
    const times = new Float64Array(this.table.size);
    let n = 0;
    for (let s = 0; s < this.high; s++) if (this.alive[s] === 1) times[n++] = this.lastMs[s];
    const sorted = times.subarray(0, n).sort();
    const cut = sorted[drop - 1];
    let dropped = 0;
    for (let s = 0; s < this.high && dropped < drop; s++) {
      if (this.alive[s] === 0 || this.lastMs[s] > cut) continue;
      if (this.episodes[s] !== null) {
        this.evictedEpisodes++;
        this.close(s, true);
      }
      this.release(s);
      dropped++;
    }
    this.evicted += dropped;
  }

  remapIds(remap: (oldId: number) => number): void {
    const spec = this.rule.bucket;
    const ipDistinct = spec.distinct === 'srcIp' || spec.distinct === 'dstIp';
    const layout = this.layout;
    const gb = spec.groupBy;
    const part = (s: number, g: GroupField): number => (g === 'srcIp' ? this.src[s] : g === 'dstIp' ? this.dst[s] : g === 'dstPort' ? this.port[s] : this.proto[s]);
    this.table.clear();
    for (let s = 0; s < this.high; s++) {
      if (this.alive[s] === 0) continue;
      if (this.src[s] >= 0) this.src[s] = remap(this.src[s]);
      if (this.dst[s] >= 0) this.dst[s] = remap(this.dst[s]);
      const a = part(s, gb[0]);
      const b = gb.length > 1 ? part(s, gb[1]) : 0;
      const c = gb.length > 2 ? part(s, gb[2]) : 0;
      this.k1[s] = layout.first(a, b, c);
      this.k2[s] = layout.second(a, b, c);
      this.table.set(this.k1[s], this.k2[s], s);
      if (!ipDistinct || this.episodes[s] !== null) continue;
      const w = this.wins[s];
      if (w === null) {
        if (this.len[s] > 0) this.e0[s * STRIDE] = remap(this.e0[s * STRIDE]);
        continue;
      }
      for (let e = 0; e < this.len[s]; e++) w[e * STRIDE] = remap(w[e * STRIDE]);
      const index = this.idx[s];
      if (index !== null) {
        index.clear();
        for (let e = 0; e < this.len[s]; e++) index.set(w[e * STRIDE], e);
      }
    }
  }
}

type PartSource = Int32Array | Float64Array | null;

function partSource(b: Batch, g: GroupField): PartSource {
  return g === 'srcIp' ? b.src : g === 'dstIp' ? b.dst : g === 'dstPort' ? b.dstPort : b.proto;
}

/** A key part's value at row r, or -1 when the row cannot be grouped. */
function partValue(src: PartSource, g: GroupField, r: number): number {
  if (g === 'proto') {
    // an unknown protocol is its own group rather than a reason to skip the flow
    if (!src) return 255;
    const p = src[r];
    return p >= 0 && p < 255 && p === Math.floor(p) ? p : 255;
  }
  if (!src) return -1;
  const v = src[r];
  if (g === 'dstPort') return v >= 0 && v <= 65535 && v === Math.floor(v) ? v : -1;
  return v;
}

function isIcmp(p: number): boolean {
  return p === 1 || p === 58;
}

/** The filter's conditions as one closure; notes record conditions the input cannot evaluate. */
function compileFilter(spec: BucketSpec, notes: Set<string>): (b: Batch, r: number) => boolean {
  const f = spec.filter ?? {};
  const usesPorts = spec.groupBy.includes('dstPort') || spec.distinct === 'dstPort';
  let ports: Uint8Array | null = null;
  if (f.dstPorts) {
    ports = new Uint8Array(65536);
    for (const p of f.dstPorts) ports[p] = 1;
  }
  const protos = f.protocols ? new Set(f.protocols) : null;
  const maxDur = f.maxDurationSeconds;
  const failedOnly = f.failedOnly === true;
  const custom = f.custom;
  return (b, r) => {
    if (usesPorts && b.proto && isIcmp(b.proto[r])) return false;
    if (ports) {
      const p = b.dstPort ? b.dstPort[r] : NaN;
      if (!(p >= 0 && p <= 65535) || ports[p] === 0) return false;
    }
    if (protos && b.proto) {
      const p = b.proto[r];
      if (!Number.isNaN(p) && !protos.has(p)) return false;
    }
    if (maxDur !== undefined) {
      if (b.duration) {
        if (b.duration[r] > maxDur) return false;
      } else notes.add('the input has no flow durations: every connection counts, short or not');
    }
    if (failedOnly) {
      if (b.flagsKnown & FLAG_FAILED) {
        if (!(b.flags[r] & FLAG_FAILED)) return false;
      } else notes.add('the input cannot tell failed attempts from answered ones: every flow counts');
    }
    return custom ? custom(b, r) : true;
  };
}

function compileWeight(spec: BucketSpec): (b: Batch, r: number) => number {
  const w = spec.weight ?? {};
  const synWeight = w.failedSynWeight ?? 1;
  const windowS = spec.windowSeconds;
  const maxMean = w.maxMeanPacketBytes;
  if (!w.packets) {
    if (synWeight === 1) return () => 1;
    return (b, r) => {
      const f = b.flags[r];
      const synKnown = (b.flagsKnown & FLAG_SYN) !== 0;
      return f & FLAG_FAILED && (!synKnown || f & FLAG_SYN) ? synWeight : 1;
    };
  }
  return (b, r) => {
    if (!b.fwdPackets) return 0;
    const pk = b.fwdPackets[r];
    if (!(pk > 0)) return 0;
    if (maxMean !== undefined && b.fwdBytes) {
      const bytes = b.fwdBytes[r];
      if (bytes / pk > maxMean) return 0;
    }
    let weight = pk;
    if (w.spreadOverDuration && b.duration) {
      const d = b.duration[r];
      if (d > windowS) weight *= windowS / d;
    }
    return weight;
  };
}

function buildFinding(rule: BucketRule, v: EpisodeView, d: { reason: string; evidence: Evidence; srcIp?: string | null }): Finding {
  const ep = v.episode;
  const lim = ep.distinct;
  const ips: string[] = [];
  let ipCount = 0;
  const ports: number[] = [];
  let portCount = 0;
  let capped = false;
  if (v.dstIp !== null) {
    ips.push(v.dstIp);
    ipCount = 1;
  }
  if (v.dstPort !== null) {
    ports.push(v.dstPort);
    portCount = 1;
  }
  for (const tally of [lim, ...ep.tracked]) {
    if (!tally) continue;
    if (tally.field === 'dstIp' && v.dstIp === null) {
      for (const s of tally.sample) ips.push(s as string);
      ipCount = tally.count;
      capped ||= tally.capped;
    } else if (tally.field === 'dstPort' && v.dstPort === null) {
      for (const p of tally.sample) ports.push(p as number);
      portCount = tally.count;
      capped ||= tally.capped;
    }
  }
  return {
    ruleId: rule.id,
    title: rule.title,
    category: rule.category,
    severity: rule.severity,
    srcIp: d.srcIp !== undefined ? d.srcIp : v.srcIp,
    targets: { ips, ipCount, ports, portCount, countsCapped: capped },
    firstSeen: isoTime(ep.firstMs, ep.timed),
    lastSeen: isoTime(ep.lastMs, ep.timed),
    count: ep.flows,
    evidence: d.evidence,
    rows: ep.rows(),
    reason: d.reason,
  };
}

/** Shares for evidence: null when the input cannot tell, else rounded to 3 decimals. */
export function share(part: number, whole: number, known: boolean): number | null {
  if (!known || whole === 0) return null;
  return Math.round((part / whole) * 1000) / 1000;
}

/** Seconds between first and last flow, rounded to ms; null without timestamps. */
export function spanSeconds(ep: Episode): number | null {
  if (!ep.timed) return null;
  return Math.round(ep.lastMs - ep.firstMs) / 1000;
}

export { FLAG_FAILED, FLAG_SYN };
