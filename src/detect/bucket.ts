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
 * the counts of every flow since the bucket was last empty, and, from when it was half full, the
 * most recent rows and the distinct sources or targets).
 *
 * Time: windows run on event time, each group's own latest flow; a flow arriving late (out of order
 * across batches) counts at its own time while still inside the window, leaks away in a leaky bucket
 * as it would have, and otherwise only adds to an open episode.
 *
 * Memory: groups idle for a window are dropped at each sweep; beyond `maxGroupsPerRule` a quarter
 * are dropped, one-off groups before those on their way to a finding (open episodes are reported
 * first), and the rule says so in its notes. Before a group overflows, its distinct tallies stop at
 * 1,024 values.
 *
 * Why our own: stream processors that do windows (and CrowdSec itself) are services in other
 * languages; what a flow analyser needs is this one loop over typed arrays, with state in flat arrays
 * (see `BucketRunner`) so that a million flows make no million objects.
 *
 * Not here: what a rule means (port-scan.ts, flood.ts, ...), reading files, decisions.
 */
import { FLAG_FAILED, FLAG_SYN, type Batch } from './batch.js';
import { C_FLOWS, COLD_FIELDS, Episode, countCold, resetCold, type DistinctField } from './episode.js';
import type { Evidence, Finding } from './finding.js';
import { findingClosedRows, findingTriggerRows, isoTime } from './finding.js';
import { KeyLayout, type KeyPartKind } from './key-layout.js';
import { OpenBySource } from './open-by-source.js';
import { SlotTable } from './slot-table.js';
import type { RuleContext, RuleInfo, RuleRunner, ActiveRuleSource } from './rule-runner.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

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
  /** only attempts that were answered and carried data (every flow passes when the input cannot tell) */
  readonly answeredOnly?: boolean;
  /**
   * a condition data cannot express (address classes, GeoIP): code, on the rule's side, over the
   * whole batch at once: it clears `ok[r]` of the rows that fail (rows already cleared may be
   * skipped). One loop per batch, not a call per row: the per-row call was a good part of the
   * address rules' cost on a capture, where every flow passes through two of them.
   */
  readonly custom?: (b: Batch, ok: Uint8Array) => void;
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
  /**
   * tracked fields kept for the rule's own evidence only, not listed in the finding's targets: a
   * tracked count starts when the group overflows, so beside the episode's flow count (which
   * includes the window before) it would read as a count of its own (a flood's ports)
   */
  readonly evidenceOnly?: readonly DistinctField[];
}

/** What a rule is told about a closed episode, to word its finding. */
export interface EpisodeView {
  readonly srcIp: string | null;
  /** the source's address id (IpInterner, valid until the next compaction), -1 when there is none */
  readonly srcId: number;
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
/** Windows of up to this many entries live in fixed blocks of one shared arena; larger ones in arrays of their own. */
const ARENA_MAX_ENTRIES = 64;

const PART_KIND: Readonly<Record<GroupField, KeyPartKind>> = { srcIp: 'ip', dstIp: 'ip', dstPort: 'port', proto: 'proto' };

// Per-group numbers, side by side in one Float64Array (STATE_* numbers per slot), so touching a
// group costs one or two cache lines instead of one per field.
const F_K1 = 0;
const F_K2 = 1;
const F_LAST = 2;
const F_SRC = 3;
const F_DST = 4;
const F_PORT = 5;
const F_PROTO = 6;
/** bit set: ALIVE, HAS_WIN (entries in the arena or `wins`), HAS_EPISODE, HAS_PENDING */
const F_BITS = 7;
// sliding
const F_LEN = 8;
const F_START = 9;
/** the inline window entry (value, time, row*16+flags, duration) while there is only one */
const F_E0 = 10;
/** the group's block in the arena (arena mode), -1 for none */
const F_BLOCK = F_E0 + STRIDE;
const STATE_SLIDING = F_BLOCK + 1;
// leaky
const F_LEVEL = 8;
const F_LEVEL_MS = 9;
const F_COLD_FLAGS = 10;
const F_COLD_UNTIMED = 11;
const F_COLD = 12;
const STATE_LEAKY = F_COLD + COLD_FIELDS;

const ALIVE = 1;
const HAS_WIN = 2;
const HAS_EPISODE = 4;
const HAS_PENDING = 8;

/**
 * Group state: numbers in one typed array indexed by slot (see above), found through a SlotTable
 * (or directly by address id); window entries beyond the first in fixed blocks of a shared arena.
 * Objects exist only for groups about to overflow or overflowing (their Episode), and for windows
 * too large for the arena.
 */
export class BucketRunner implements RuleRunner {
  /** key → slot: addresses alone index directly, composite keys go through a hash table */
  private readonly table: SlotTable;
  private readonly layout: KeyLayout;
  private readonly windowMs: number;
  private readonly leakPerMs: number;
  private readonly leaky: boolean;
  private readonly stride: number;
  private readonly filter: readonly FilterStep[];
  private readonly weigh: (b: Batch, ok: Uint8Array, vals: Float64Array) => void;
  private readonly out: Finding[] = [];
  private readonly filterNotes = new Set<string>();
  private readonly track: readonly DistinctField[];
  // the spec's numbers and fields, copied: each rule's spec (and rule) is an object of its own shape,
  // and code every rule shares read them per row through as many shapes as there are rules
  private readonly capacity: number;
  private readonly groupBy: readonly GroupField[];
  private readonly distinct: DistinctField | undefined;
  private evicted = 0;
  private evictedEpisodes = 0;
  private lastSweep = -Infinity;

  private slots = 0;
  private high = 0;
  private readonly freeSlots: number[] = [];
  private st: Float64Array = new Float64Array(0);
  /** the sweep's list of quiet slots (reused) */
  private quiet: Int32Array = new Int32Array(0);
  /** arena mode: every window block is capacity + 1 entries, so blocks are recycled, never resized */
  private readonly arenaMode: boolean;
  private readonly blockDoubles: number;
  private arena: Float64Array = new Float64Array(0);
  private arenaBlocks = 0;
  private arenaHigh = 0;
  private readonly freeBlocks: number[] = [];
  private readonly wins = new SlotObjects<Float64Array>();
  private readonly idx = new SlotObjects<Map<number, number>>();
  private readonly pending = new SlotObjects<Episode>();
  private readonly episodes = new SlotObjects<Episode>();
  /** slots with an open episode: what activeSources and opened visit, instead of every group after every batch */
  private readonly open = new Set<number>();
  /** open episodes per source id (the group's source, when it has one): activeSeverity and openSpans without a scan */
  private readonly openBySrc: OpenBySource;

  constructor(
    readonly rule: BucketRule,
    private readonly ctx: RuleContext,
  ) {
    const spec = rule.bucket;
    if (spec.groupBy.length === 0 || spec.groupBy.length > 3) throw new Error(`${rule.id}: groupBy needs 1 to 3 fields`);
    if (spec.distinct && spec.window !== 'sliding') throw new Error(`${rule.id}: distinct counting needs a sliding window`);
    if (spec.distinct && spec.capacity < 1) throw new Error(`${rule.id}: distinct counting needs a capacity of at least 1`);
    this.openBySrc = new OpenBySource(ctx.openSources ?? null);
    this.capacity = spec.capacity;
    this.groupBy = spec.groupBy;
    this.distinct = spec.distinct;
    this.layout = new KeyLayout(spec.groupBy.map((g) => PART_KIND[g]));
    this.table = spec.groupBy.length === 1 && PART_KIND[spec.groupBy[0]] === 'ip' ? SlotTable.direct() : new SlotTable();
    this.windowMs = spec.windowSeconds * 1000;
    this.leaky = spec.window === 'leaky';
    this.stride = this.leaky ? STATE_LEAKY : STATE_SLIDING;
    this.leakPerMs = spec.capacity / Math.max(1e-9, this.windowMs);
    this.filter = compileFilter(spec, this.filterNotes);
    this.weigh = compileWeight(spec);
    this.track = spec.track ?? [];
    this.arenaMode = !this.leaky && spec.capacity + 1 <= ARENA_MAX_ENTRIES;
    this.blockDoubles = (spec.capacity + 1) * STRIDE;
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
        `memory limit reached: ${thousands(this.evicted)} ${plural(this.evicted, 'group')} dropped before their window ended` +
          (this.evictedEpisodes > 0 ? `, ${thousands(this.evictedEpisodes)} ${plural(this.evictedEpisodes, 'finding')} reported early` : '') +
          '; raise limits.maxGroupsPerRule if slow activity may have been missed',
      );
    }
    return n;
  }

  drain(): Finding[] {
    return this.out.splice(0, this.out.length);
  }

  private growSlots(n: number): void {
    const g = new Float64Array(n * this.stride);
    g.set(this.st);
    this.st = g;
    this.slots = n;
  }

  /**
   * Room for every group the batch can add, made at once: doubling through a capture's first batch
   * (a new group per source) copied the state, and touched fresh memory, about twice over. Only
   * for groups of one address, whose new groups are bounded by the batch's distinct addresses as
   * well as by its rows that pass; composite keys grow by doubling (a bound of one per row would
   * reserve a whole batch's worth of slots for inputs with few groups).
   */
  private reserve(b: Batch): void {
    const gb = this.groupBy;
    if (gb.length !== 1 || (gb[0] !== 'srcIp' && gb[0] !== 'dstIp')) return;
    const column = gb[0] === 'srcIp' ? b.fields.srcIp : b.fields.dstIp;
    if (!column) return;
    const rows = sumOf(this.ctx.scratch.ok, b.n);
    const need = this.high + Math.min(rows, column.dictionary.length) - this.freeSlots.length;
    if (need <= this.slots) return;
    let slots = this.slots;
    while (slots < need) slots *= 2;
    this.growSlots(slots);
  }

  /** A fresh slot for a new group. */
  private allocate(k1: number, k2: number): number {
    let s = this.freeSlots.pop();
    const reused = s !== undefined;
    if (s === undefined) {
      if (this.high === this.slots) this.growSlots(this.slots * 2);
      s = this.high++;
    }
    const st = this.st;
    const o = s * this.stride;
    // a slot never used before is still zero (grown arrays start zeroed, slots are used from the
    // bottom up); a reused one is cleared by a loop, not st.fill(0, o, o + stride): fill with a range
    // is a builtin call costing more than the few stores, once per group (a capture of one-off
    // sources allocates a group per flow and rule)
    if (reused) for (let i = o, end = o + this.stride; i < end; i++) st[i] = 0;
    st[o + F_K1] = k1;
    st[o + F_K2] = k2;
    st[o + F_LAST] = -Infinity;
    st[o + F_SRC] = -1;
    st[o + F_DST] = -1;
    st[o + F_PORT] = -1;
    st[o + F_PROTO] = -1;
    st[o + F_BITS] = ALIVE;
    if (this.leaky) {
      st[o + F_LEVEL_MS] = -Infinity;
      this.resetCold(o);
    }
    this.table.set(k1, k2, s);
    return s;
  }

  private resetCold(o: number): void {
    resetCold(this.st, o + F_COLD);
    this.st[o + F_COLD_FLAGS] = 0xff;
    this.st[o + F_COLD_UNTIMED] = 0;
  }

  /** Forget a group (its episode must have been closed); `unkeyed`: its key is left for the caller to clear. */
  private release(s: number, unkeyed = false): void {
    const o = s * this.stride;
    if (this.arenaMode && this.st[o + F_BITS] & HAS_WIN) this.freeBlocks.push(this.st[o + F_BLOCK]);
    if (!unkeyed) this.table.delete(this.st[o + F_K1], this.st[o + F_K2]);
    this.st[o + F_BITS] = 0;
    this.wins.set(s, null);
    this.idx.set(s, null);
    this.pending.set(s, null);
    this.episodes.set(s, null);
    this.freeSlots.push(s);
  }

  /**
   * Which rows of the batch take part, with their group keys and distinct values or weights,
   * computed column by column into the shared scratch arrays.
   */
  private prepare(b: Batch): void {
    const n = b.n;
    const scratch = this.ctx.scratch;
    scratch.ensure(n);
    const ok = scratch.ok;
    ok.fill(1, 0, n);
    const filter = this.filter;
    for (let i = 0; i < filter.length; i++) filter[i](b, ok);
    const layout = this.layout;
    const k1 = scratch.keys1;
    const k2 = scratch.keys2;
    k1.fill(0, 0, n);
    const gb = this.groupBy;
    k2.fill(layout.split === gb.length ? -1 : 0, 0, n);
    for (let p = 0; p < gb.length; p++) accumulatePart(b, gb[p], layout.radix[p], p < layout.split ? k1 : k2, ok);
    const distinct = this.distinct;
    if (distinct) {
      const vals = scratch.values;
      vals.fill(0, 0, n);
      accumulatePart(b, distinct, 1, vals, ok);
    }
    // the weight goes in `values`; a flow that weighs nothing never touches state
    if (this.leaky) this.weigh(b, ok, scratch.values);
  }

  observe(b: Batch): void {
    this.prepare(b);
    this.reserve(b);
    // one row loop per bucket kind, each calling its own pour*: a single loop calling all three
    // was compiled again (on-stack replacement) for almost every rule of a fresh process, as each
    // rule reached branches the code optimised for the rule before had never run; its concurrent
    // compiles cost about as much CPU as the rules themselves on a capture's first batch
    if (this.leaky) this.observeLeaky(b);
    else if (this.distinct !== undefined) this.observeDistinct(b);
    else this.observeCount(b);
  }

  private observeLeaky(b: Batch): void {
    const order = b.order;
    const ok = this.ctx.scratch.ok;
    for (let i = 0; i < b.n; i++) {
      const r = order ? order[i] : i;
      if (ok[r] !== 0) this.pourLeaky(this.enter(b, r), b, r);
    }
  }

  private observeDistinct(b: Batch): void {
    const order = b.order;
    const ok = this.ctx.scratch.ok;
    for (let i = 0; i < b.n; i++) {
      const r = order ? order[i] : i;
      if (ok[r] !== 0) this.pourDistinct(this.enter(b, r), b, r);
    }
  }

  private observeCount(b: Batch): void {
    const order = b.order;
    const ok = this.ctx.scratch.ok;
    for (let i = 0; i < b.n; i++) {
      const r = order ? order[i] : i;
      if (ok[r] !== 0) this.pourCount(this.enter(b, r), b, r);
    }
  }

  /**
   * The slot of row r's group (a new group when there is none), with the group's event time moved
   * on to the row's, closing an episode the group had gone quiet on for a whole window first.
   */
  private enter(b: Batch, r: number): number {
    const { keys1, keys2 } = this.ctx.scratch;
    const k1 = keys1[r];
    const k2 = keys2[r];
    const stride = this.stride;
    let s = this.table.get(k1, k2);
    if (s < 0) s = this.newGroup(b, r, k1, k2);
    const st = this.st;
    const o = s * stride;
    // `now` is the group's event time; a late flow keeps its own time `t` (see pour*)
    const last = st[o + F_LAST];
    const t = b.time[r];
    const now = t > last ? t : last;
    if (st[o + F_BITS] & HAS_EPISODE && now - last > this.windowMs) this.closeAt(s, b.rowOffset + r);
    st[o + F_LAST] = now;
    // the pour* read the row's time, the group's time (just stored) and the value themselves:
    // a fractional double passed to a call that is not inlined is boxed, one heap number per
    // argument, row and rule (most of what the rules allocated)
    return s;
  }

  /**
   * A slot for row r's group, which has none yet, with the group's parts stored. Kept out of enter:
   * inside it, this path was compiled before it had run (and enter compiled again when it did).
   */
  private newGroup(b: Batch, r: number, k1: number, k2: number): number {
    if (this.table.size >= this.ctx.limits.maxGroupsPerRule) this.relieve();
    const s = this.allocate(k1, k2);
    const o = s * this.stride;
    const gb = this.groupBy;
    for (let p = 0; p < gb.length; p++) {
      const g = gb[p];
      this.st[o + (g === 'srcIp' ? F_SRC : g === 'dstIp' ? F_DST : g === 'dstPort' ? F_PORT : F_PROTO)] = partAt(b, g, r);
    }
    return s;
  }

  // setting and clearing are two functions: one with a flag was compiled while only sets had run,
  // and thrown away at the first clear
  private setBit(s: number, bit: number): void {
    const o = s * this.stride + F_BITS;
    this.st[o] = this.st[o] | bit;
  }

  private clearBit(s: number, bit: number): void {
    const o = s * this.stride + F_BITS;
    this.st[o] = this.st[o] & ~bit;
  }

  private writeInline(o: number, value: number, t: number, rowFlags: number, dur: number): void {
    const st = this.st;
    st[o + F_E0] = value;
    st[o + F_E0 + 1] = t;
    st[o + F_E0 + 2] = rowFlags;
    st[o + F_E0 + 3] = dur;
  }

  /** The array holding group s's window entries, and where they start in it. */
  private winArray(s: number): Float64Array {
    return this.arenaMode ? this.arena : (this.wins.get(s) as Float64Array);
  }

  private winBase(o: number): number {
    return this.arenaMode ? this.st[o + F_BLOCK] * this.blockDoubles : 0;
  }

  /** Move the inline entry into window storage (an arena block, or an array with room for `entries`). */
  private spill(s: number, entries: number): void {
    const o = s * this.stride;
    if (this.arenaMode) {
      let block = this.freeBlocks.pop();
      if (block === undefined) {
        if (this.arenaHigh === this.arenaBlocks) {
          this.arenaBlocks = Math.max(64, this.arenaBlocks * 2);
          const grown = new Float64Array(this.arenaBlocks * this.blockDoubles);
          grown.set(this.arena);
          this.arena = grown;
        }
        block = this.arenaHigh++;
      }
      this.st[o + F_BLOCK] = block;
      this.arena.set(this.st.subarray(o + F_E0, o + F_E0 + STRIDE), block * this.blockDoubles);
    } else {
      const w = new Float64Array(entries * STRIDE);
      w.set(this.st.subarray(o + F_E0, o + F_E0 + STRIDE));
      this.wins.set(s, w);
    }
    this.st[o + F_START] = 0;
    this.setBit(s, HAS_WIN);
  }

  /**
   * Sliding distinct count. A flow older than the window (arriving late, across batches) still
   * counts in an open episode but not in the window; within the window it counts at its own time.
   */
  private pourDistinct(s: number, b: Batch, r: number): void {
    const st = this.st;
    const o = s * this.stride;
    const t = b.time[r];
    const now = st[o + F_LAST];
    const value = this.ctx.scratch.values[r];
    const bits = st[o + F_BITS];
    if (bits & HAS_EPISODE) {
      (this.episodes.get(s) as Episode).addRow(b, r, 1, this.ctx.interner, true);
      return;
    }
    const cutoff = now - this.windowMs;
    if (t < cutoff) return;
    const cap = this.capacity;
    const rowFlags = (b.rowOffset + r) * 16 + b.flags[r];
    const dur = b.duration ? b.duration[r] : NaN;
    let w: Float64Array;
    if ((bits & HAS_WIN) === 0) {
      const n = st[o + F_LEN];
      const same = n > 0 && st[o + F_E0] === value;
      if (n === 0 || same || st[o + F_E0 + 1] < cutoff) {
        // the first value, the same value again, or a new one replacing an expired one
        this.writeInline(o, value, same && st[o + F_E0 + 1] > t ? st[o + F_E0 + 1] : t, rowFlags, dur);
        st[o + F_LEN] = 1;
        if (1 > cap) this.trigger(s, b, r, now, 1);
        return;
      }
      this.spill(s, Math.min(cap + 1, 4));
    } else {
      w = this.winArray(s);
      const base = this.winBase(o);
      let at = -1;
      const index = this.idx.get(s);
      if (index !== null) at = index.get(value) ?? -1;
      else {
        const n = st[o + F_LEN];
        for (let e = 0; e < n; e++) {
          if (w[base + e * STRIDE] === value) {
            at = e;
            break;
          }
        }
      }
      if (at >= 0) {
        const q = base + at * STRIDE;
        if (t > w[q + 1]) {
          w[q + 1] = t;
          w[q + 2] = rowFlags;
          w[q + 3] = dur;
        }
        return;
      }
      if (st[o + F_LEN] >= cap) this.expireDistinct(s, cutoff);
    }
    this.room(s, cap + 1);
    w = this.winArray(s);
    const base = this.winBase(o);
    const n = this.st[o + F_LEN];
    const q = base + n * STRIDE;
    w[q] = value;
    w[q + 1] = t;
    w[q + 2] = rowFlags;
    w[q + 3] = dur;
    const index = this.idx.get(s);
    if (index !== null) index.set(value, n);
    else if (n + 1 > SCAN_LIMIT) {
      const m = new Map<number, number>();
      for (let e = 0; e <= n; e++) m.set(w[base + e * STRIDE], e);
      this.idx.set(s, m);
    }
    this.st[o + F_LEN] = n + 1;
    if (n + 1 > cap) this.trigger(s, b, r, now, n + 1);
  }

  /** Sliding flow count; entries stay in time order (a late flow is inserted in place). */
  private pourCount(s: number, b: Batch, r: number): void {
    const st = this.st;
    const o = s * this.stride;
    const t = b.time[r];
    const now = st[o + F_LAST];
    const bits = st[o + F_BITS];
    if (bits & HAS_EPISODE) {
      (this.episodes.get(s) as Episode).addRow(b, r, 1, this.ctx.interner, true);
      return;
    }
    const cap = this.capacity;
    if (cap === 0) {
      this.trigger(s, b, r, now, 1);
      return;
    }
    const cutoff = now - this.windowMs;
    if (t < cutoff) return;
    const rowFlags = (b.rowOffset + r) * 16 + b.flags[r];
    const dur = b.duration ? b.duration[r] : NaN;
    if ((bits & HAS_WIN) === 0) {
      if (st[o + F_LEN] === 0 || st[o + F_E0 + 1] < cutoff) {
        this.writeInline(o, 0, t, rowFlags, dur);
        st[o + F_LEN] = 1;
        return;
      }
      this.spill(s, Math.min(cap + 1, 4));
    }
    this.room(s, cap + 1);
    const w = this.winArray(s);
    const base = this.winBase(o);
    const n = this.st[o + F_LEN];
    let first = this.st[o + F_START];
    // insert by time (almost always at the end)
    let q = n;
    while (q > first && w[base + (q - 1) * STRIDE + 1] > t) {
      w.copyWithin(base + q * STRIDE, base + (q - 1) * STRIDE, base + q * STRIDE);
      q--;
    }
    const at = base + q * STRIDE;
    w[at] = 0;
    w[at + 1] = t;
    w[at + 2] = rowFlags;
    w[at + 3] = dur;
    this.st[o + F_LEN] = n + 1;
    if (n + 1 - first > cap) {
      // drop the expired prefix
      while (first < n + 1 && w[base + first * STRIDE + 1] < cutoff) first++;
      this.st[o + F_START] = first;
      if (n + 1 - first > cap) this.trigger(s, b, r, now, n + 1 - first);
    }
  }

  /** Leaky bucket. A late flow pours what would be left of it after leaking since its time. */
  private pourLeaky(s: number, b: Batch, r: number): void {
    const st = this.st;
    const o = s * this.stride;
    const t = b.time[r];
    const now = st[o + F_LAST];
    let weight = this.ctx.scratch.values[r];
    const lm = st[o + F_LEVEL_MS];
    if (now > lm) {
      if (lm > -Infinity) st[o + F_LEVEL] = Math.max(0, st[o + F_LEVEL] - (now - lm) * this.leakPerMs);
      st[o + F_LEVEL_MS] = now;
    }
    if (t < now) {
      weight -= (now - t) * this.leakPerMs;
      if (weight <= 0) {
        const late = this.episodes.get(s);
        if (late !== null) late.addRow(b, r, 0, this.ctx.interner, true);
        return;
      }
    }
    if (st[o + F_LEVEL] === 0) {
      // drained: an episode is over, and what was in the bucket is gone
      if (st[o + F_BITS] & HAS_EPISODE) this.closeAt(s, b.rowOffset + r);
      if (st[o + F_BITS] & HAS_PENDING) {
        this.pending.set(s, null);
        this.clearBit(s, HAS_PENDING);
      }
      if (st[o + F_COLD + C_FLOWS] > 0) this.resetCold(o);
    }
    const level = st[o + F_LEVEL] + weight;
    st[o + F_LEVEL] = level;
    if (st[o + F_BITS] & HAS_EPISODE) {
      const ep = this.episodes.get(s) as Episode;
      ep.addRow(b, r, weight, this.ctx.interner, true);
      if (level > ep.peak) ep.peak = level;
      return;
    }
    const cap = this.capacity;
    const lim = this.ctx.limits;
    let pend: Episode | null = null;
    if (st[o + F_BITS] & HAS_PENDING) {
      pend = this.pending.get(s) as Episode;
      pend.addRow(b, r, weight, this.ctx.interner, true);
    } else if (level > cap / 2) {
      // worth watching closely: keep the recent rows and who is involved from here on
      pend = new Episode(undefined, this.track, PENDING_DISTINCT_CAP, lim.sampleSize, true);
      pend.absorb(st, o + F_COLD, st[o + F_COLD_FLAGS], st[o + F_COLD_UNTIMED] === 0, b);
      this.resetCold(o);
      pend.addRow(b, r, weight, this.ctx.interner, true);
      this.pending.set(s, pend);
      this.setBit(s, HAS_PENDING);
    } else {
      countCold(st, o + F_COLD, b, r, weight);
      st[o + F_COLD_FLAGS] = st[o + F_COLD_FLAGS] & b.flagsKnown;
      if (!b.hasTime) st[o + F_COLD_UNTIMED] = 1;
    }
    if (level > cap && pend !== null) {
      this.pending.set(s, null);
      this.clearBit(s, HAS_PENDING);
      pend.promote(lim.maxTrackedDistinct);
      pend.triggerMs = now;
      pend.triggerRow = b.rowOffset + r;
      pend.peak = level;
      this.episodes.set(s, pend);
      this.markOpen(s);
      this.setBit(s, HAS_EPISODE);
    }
  }

  /** The window's entries become an episode, plus the current row's tracked values. */
  private trigger(s: number, b: Batch, r: number, t: number, peak: number): void {
    const lim = this.ctx.limits;
    const distinct = this.distinct;
    const interner = this.ctx.interner;
    const ep = new Episode(distinct, this.track, lim.maxTrackedDistinct, lim.sampleSize, false);
    const o = s * this.stride;
    if (this.capacity === 0 && !distinct) {
      // a trigger rule: the current flow is the whole window, at the group's time
      ep.addRow(b, r, 1, interner, true);
      ep.firstMs = t;
      ep.lastMs = t;
    } else {
      const hasWin = (this.st[o + F_BITS] & HAS_WIN) !== 0;
      const arr = hasWin ? this.winArray(s) : this.st;
      const base = hasWin ? this.winBase(o) : o + F_E0;
      const from = hasWin ? this.st[o + F_START] : 0;
      const to = hasWin ? this.st[o + F_LEN] : 1;
      for (let e = from; e < to; e++) {
        const q = base + e * STRIDE;
        const rf = arr[q + 2];
        const row = Math.floor(rf / 16);
        ep.addEntry(arr[q + 1], row, rf - row * 16, arr[q + 3]);
        if (ep.distinct) {
          if (distinct === 'dstPort') ep.distinct.addPort(arr[q]);
          else ep.distinct.addIp(interner.text(arr[q]));
        }
      }
      if (!b.hasTime) ep.timed = false;
      ep.flagsKnown &= b.flagsKnown;
      for (const tally of ep.tracked) tally.addRow(b, r, interner);
    }
    ep.triggerMs = t;
    ep.triggerRow = b.rowOffset + r;
    ep.peak = peak;
    this.episodes.set(s, ep);
    this.markOpen(s);
    this.clearWindow(s);
    this.setBit(s, HAS_EPISODE);
  }

  private clearWindow(s: number): void {
    const o = s * this.stride;
    if (this.st[o + F_BITS] & HAS_WIN) {
      if (this.arenaMode) {
        this.freeBlocks.push(this.st[o + F_BLOCK]);
        this.st[o + F_BLOCK] = -1;
      } else this.wins.set(s, null);
      this.idx.set(s, null);
      this.clearBit(s, HAS_WIN);
    }
    if (!this.leaky) {
      this.st[o + F_START] = 0;
      this.st[o + F_LEN] = 0;
    }
  }

  /** Room for one more entry in a group's window: compact the count window, or grow an own array up to `maxEntries`. */
  private room(s: number, maxEntries: number): void {
    const o = s * this.stride;
    const n = this.st[o + F_LEN];
    const w = this.winArray(s);
    const base = this.winBase(o);
    const capacity = this.arenaMode ? this.blockDoubles : w.length;
    if (n * STRIDE < capacity) return;
    const first = this.st[o + F_START];
    if (first > 0) {
      w.copyWithin(base, base + first * STRIDE, base + n * STRIDE);
      this.st[o + F_LEN] = n - first;
      this.st[o + F_START] = 0;
      if ((n - first) * STRIDE < capacity) return;
    }
    if (this.arenaMode) throw new Error('bucket window overflow');
    const grown = new Float64Array(Math.min(maxEntries, Math.max(4, this.st[o + F_LEN] * 2)) * STRIDE);
    if (grown.length <= w.length) throw new Error('bucket window overflow');
    grown.set(w);
    this.wins.set(s, grown);
  }

  private expireDistinct(s: number, cutoff: number): void {
    const o = s * this.stride;
    if ((this.st[o + F_BITS] & HAS_WIN) === 0) return;
    const w = this.winArray(s);
    const base = this.winBase(o);
    const n = this.st[o + F_LEN];
    let keep = 0;
    for (let e = 0; e < n; e++) {
      const q = base + e * STRIDE;
      if (w[q + 1] < cutoff) continue;
      if (keep !== e) w.copyWithin(base + keep * STRIDE, q, q + STRIDE);
      keep++;
    }
    if (keep === n) return;
    this.st[o + F_LEN] = keep;
    const index = this.idx.get(s);
    if (index !== null) {
      index.clear();
      for (let e = 0; e < keep; e++) index.set(w[base + e * STRIDE], e);
    }
  }

  /** the engine row whose flow is closing an episode (closeAt), NaN for a sweep's */
  private closeRow = NaN;

  /** close() as a flow (engine row `row`) finds its group's episode over: the finding says which flow (findingClosedRows) */
  private closeAt(s: number, row: number): void {
    this.closeRow = row;
    this.close(s, false);
    this.closeRow = NaN;
  }

  /** Turn an open episode into a finding and empty the window (the slot stays). */
  private close(s: number, evicted: boolean): void {
    const ep = this.episodes.get(s);
    this.episodes.set(s, null);
    if (this.open.delete(s)) {
      const src = this.st[s * this.stride + F_SRC];
      if (src >= 0) this.openBySrc.delete(src, s);
    }
    this.clearBit(s, HAS_EPISODE);
    this.clearWindow(s);
    if (ep === null) return;
    const view = this.view(s, ep, evicted);
    const d = this.rule.describe(view);
    if (!d) return;
    const f = buildFinding(this.rule, view, d);
    if (ep.triggerRow > -Infinity) findingTriggerRows.set(f, ep.triggerRow);
    if (this.closeRow === this.closeRow) findingClosedRows.set(f, this.closeRow);
    this.out.push(f);
  }

  private view(s: number, ep: Episode, evicted: boolean): EpisodeView {
    const interner = this.ctx.interner;
    const o = s * this.stride;
    const st = this.st;
    const proto = st[o + F_PROTO];
    return {
      srcIp: st[o + F_SRC] >= 0 ? interner.text(st[o + F_SRC]) : null,
      srcId: st[o + F_SRC] >= 0 ? st[o + F_SRC] : -1,
      dstIp: st[o + F_DST] >= 0 ? interner.text(st[o + F_DST]) : null,
      dstPort: st[o + F_PORT] >= 0 ? st[o + F_PORT] : null,
      proto: proto >= 0 && proto !== 255 ? proto : null,
      episode: ep,
      spec: this.rule.bucket,
      evicted,
    };
  }

  /** open episodes said once each (live use: the first line of a finding, as its threshold is crossed) */
  private readonly announced = new WeakSet<Episode>();

  private markOpen(s: number): void {
    this.open.add(s);
    const src = this.st[s * this.stride + F_SRC];
    if (src >= 0) this.openBySrc.add(src, s);
  }

  /** Whether the source with address id `srcId` is in an episode of this rule that is still open. */
  inOpenEpisode(srcId: number): boolean {
    return this.openBySrc.has(srcId);
  }

  /** The time span of each open episode of the source (unbounded when its flows had no times). */
  openSpans(srcId: number, visit: (firstMs: number, lastMs: number, triggerRow: number) => void): void {
    for (const s of this.openBySrc.slots(srcId)) {
      const ep = this.episodes.get(s);
      if (ep === null) continue;
      if (ep.timed) visit(ep.firstMs, ep.lastMs, ep.triggerRow);
      else visit(-Infinity, Infinity, ep.triggerRow);
    }
  }

  /** the watermark at which this rule's next sweep falls due */
  nextSweepMs(): number {
    return this.lastSweep + this.windowMs;
  }

  /** Whether any open episode has a source. */
  hasOpenSources(): boolean {
    return this.openBySrc.size > 0;
  }

  /** Slots with an open episode, in slot order (the order a scan of every slot visited them in). */
  private openSlots(): number[] {
    const slots = [...this.open];
    return slots.length > 1 ? slots.sort((a, b) => a - b) : slots;
  }

  opened(into: Finding[]): void {
    if (this.open.size === 0) return;
    for (const s of this.openSlots()) {
      const ep = this.episodes.get(s);
      if (ep === null || this.announced.has(ep)) continue;
      this.announced.add(ep);
      const view = this.view(s, ep, false);
      const d = this.rule.describe(view);
      if (d) into.push(buildFinding(this.rule, view, d));
    }
  }

  activeSources(into: Map<string, ActiveRuleSource>): void {
    if (this.open.size === 0) return;
    const st = this.st;
    const stride = this.stride;
    for (const s of this.openSlots()) {
      const o = s * stride;
      if (this.episodes.get(s) === null || st[o + F_SRC] < 0) continue;
      const ip = this.ctx.interner.text(st[o + F_SRC]);
      const a = into.get(ip);
      if (!a) into.set(ip, { severity: this.rule.severity, rules: [this.rule.id] });
      else {
        if (this.rule.severity < a.severity) a.severity = this.rule.severity;
        if (!a.rules.includes(this.rule.id)) a.rules.push(this.rule.id);
      }
    }
  }

  sweep(watermarkMs: number, force: boolean): void {
    // sweeping once per window of event time keeps at most two windows of groups
    if (!force && watermarkMs - this.lastSweep < this.windowMs) return;
    this.lastSweep = watermarkMs;
    // a group goes unless seen at or after the cutoff: with force, every group (nothing is >= NaN);
    // one test either way, so the loops compile once for both kinds of sweep
    const cutoff = force ? NaN : watermarkMs - this.windowMs;
    if (this.quiet.length < this.high) this.quiet = new Int32Array(Math.max(this.high, this.quiet.length * 2));
    const quiet = this.quiet;
    const n = quietSlots(this.st, this.stride, this.high, cutoff, quiet);
    if (n === 0) return;
    // when most groups go (a sweep after a capture's batch, the last one), the table is cleared and
    // the rest put back: cheaper than deleting keys one by one (a hash and a backward shift each)
    const rebuild = n * 2 > this.table.size;
    // the loops visit the quiet groups only, from a list, rather than test every slot around a call
    // that runs for few of them: TurboFan compiled those loops (on-stack) before the call had ever
    // run and threw the code away when it did (the sweep was compiled 8 times on a capture)
    if (this.open.size > 0) this.closeQuiet(quiet, n);
    for (let i = 0; i < n; i++) this.release(quiet[i], rebuild);
    if (rebuild) this.rebuildTable();
  }

  /** Report the open episodes of the quiet groups listed, in slot order (before they are released). */
  private closeQuiet(quiet: Int32Array, n: number): void {
    const st = this.st;
    const stride = this.stride;
    for (let i = 0; i < n; i++) {
      const s = quiet[i];
      if (st[s * stride + F_BITS] & HAS_EPISODE) this.close(s, false);
    }
  }

  /** The table from scratch, from every live group's key. */
  private rebuildTable(): void {
    this.table.clear();
    const st = this.st;
    const stride = this.stride;
    for (let s = 0; s < this.high; s++) {
      const o = s * stride;
      if (st[o + F_BITS] !== 0) this.table.set(st[o + F_K1], st[o + F_K2], s);
    }
  }

  /**
   * How recent a group counts as when memory runs short: its last flow, plus a window when it is on
   * its way to a finding (more than one window entry, a bucket a quarter full, an open episode), so
   * one-off groups go first and a slow scan among a crowd survives.
   */
  private keepScore(o: number): number {
    const st = this.st;
    const busy = this.leaky ? st[o + F_LEVEL] > this.capacity / 4 : (st[o + F_BITS] & HAS_WIN) !== 0 || st[o + F_LEN] > 1;
    return st[o + F_LAST] + (busy || st[o + F_BITS] & HAS_EPISODE ? this.windowMs : 0);
  }

  /** Over the group limit: drop the lowest-scoring quarter (see keepScore), reporting open episodes. */
  private relieve(): void {
    const target = Math.floor(this.ctx.limits.maxGroupsPerRule * 0.75);
    const drop = this.table.size - target;
    if (drop <= 0) return;
    const stride = this.stride;
    const scores = new Float64Array(this.table.size);
    let n = 0;
    for (let s = 0; s < this.high; s++) if (this.st[s * stride + F_BITS] !== 0) scores[n++] = this.keepScore(s * stride);
    const cut = scores.subarray(0, n).sort()[drop - 1];
    let dropped = 0;
    for (let s = 0; s < this.high && dropped < drop; s++) {
      const o = s * stride;
      if (this.st[o + F_BITS] === 0 || this.keepScore(o) > cut) continue;
      if (this.st[o + F_BITS] & HAS_EPISODE) {
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
    const st = this.st;
    const stride = this.stride;
    const field = (g: GroupField): number => (g === 'srcIp' ? F_SRC : g === 'dstIp' ? F_DST : g === 'dstPort' ? F_PORT : F_PROTO);
    this.table.clear();
    for (let s = 0; s < this.high; s++) {
      const o = s * stride;
      if (st[o + F_BITS] === 0) continue;
      if (st[o + F_SRC] >= 0) st[o + F_SRC] = remap(st[o + F_SRC]);
      if (st[o + F_DST] >= 0) st[o + F_DST] = remap(st[o + F_DST]);
      const a = st[o + field(gb[0])];
      const b = gb.length > 1 ? st[o + field(gb[1])] : 0;
      const c = gb.length > 2 ? st[o + field(gb[2])] : 0;
      st[o + F_K1] = layout.first(a, b, c);
      st[o + F_K2] = layout.second(a, b, c);
      this.table.set(st[o + F_K1], st[o + F_K2], s);
      if (!ipDistinct || st[o + F_BITS] & HAS_EPISODE) continue;
      if ((st[o + F_BITS] & HAS_WIN) === 0) {
        if (st[o + F_LEN] > 0) st[o + F_E0] = remap(st[o + F_E0]);
        continue;
      }
      const w = this.winArray(s);
      const base = this.winBase(o);
      const n = st[o + F_LEN];
      for (let e = 0; e < n; e++) w[base + e * STRIDE] = remap(w[base + e * STRIDE]);
      const index = this.idx.get(s);
      if (index !== null) {
        index.clear();
        for (let e = 0; e < n; e++) index.set(w[base + e * STRIDE], e);
      }
    }
    this.openBySrc.clear();
    for (const s of this.open) {
      const src = st[s * stride + F_SRC];
      if (src >= 0) this.openBySrc.add(src, s);
    }
  }
}

/**
 * The sum of a[0..n). A loop of its own: inside reserve, the loop was compiled on the stack before
 * the code after it had run, and that code was entered, and thrown away, again for each rule.
 */
function sumOf(a: Uint8Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i];
  return sum;
}

/**
 * The live slots not seen at or after `cutoff` (NaN: every live slot) into `into`, in slot order;
 * returns how many. Branch-free counting: a `count++` that ran for no slot before TurboFan compiled
 * the loop threw the code away at the first quiet group.
 */
function quietSlots(st: Float64Array, stride: number, high: number, cutoff: number, into: Int32Array): number {
  let n = 0;
  for (let s = 0; s < high; s++) {
    const o = s * stride;
    into[n] = s;
    n += st[o + F_BITS] !== 0 && !(st[o + F_LAST] >= cutoff) ? 1 : 0;
  }
  return n;
}

/**
 * Objects only some groups have (an episode, a window array, a distinct index), by slot: null for
 * the rest. The array grows only as far as the highest slot that ever held one; growing it with
 * every slot (a push per group per rule, four times) was a visible share of the rules' time when
 * most groups are one-off sources that never get an object.
 */
class SlotObjects<T> {
  private readonly a: (T | null)[] = [];

  constructor() {
    // every list holds objects from the start (an empty one would otherwise stay a list of small
    // integers until its first object): code that reads lists of several rules sees one shape,
    // rather than being compiled again each time a rule's list turns out to be of the other kind
    this.a.push(null);
    this.a.length = 0;
  }

  get(s: number): T | null {
    return s < this.a.length ? this.a[s] : null;
  }

  set(s: number, v: T | null): void {
    const a = this.a;
    if (s >= a.length) {
      if (v === null) return;
      while (a.length <= s) a.push(null);
    }
    // one store for both cases: a store that only ran once a slot was reused was compiled without
    // feedback, and release (where it was inlined) compiled again
    a[s] = v;
  }
}

/** A group part's value at row r (already validated by the prepass). */
function partAt(b: Batch, g: GroupField, r: number): number {
  if (g === 'srcIp') return (b.src as Int32Array)[r];
  if (g === 'dstIp') return (b.dst as Int32Array)[r];
  if (g === 'dstPort') return (b.dstPort as Float64Array)[r];
  const p = b.proto ? b.proto[r] : NaN;
  return p >= 0 && p < 255 && p === Math.floor(p) ? p : 255;
}

/** One condition of a filter over a whole batch: clears `ok[r]` of the rows that fail. */
type FilterStep = (b: Batch, ok: Uint8Array) => void;

/**
 * The filter's conditions, applied column by column to a batch: `ok[r]` ends 1 for rows that pass.
 * One tight loop per condition instead of a chain of tests per row. Notes record conditions the
 * input cannot evaluate (they then let every row through).
 *
 * Each condition is a function of its own, and a rule's filter the list of those it has: one
 * function holding every condition behind flags was shared by all rules, so TurboFan compiled it for
 * the conditions of the first rules to run and threw it away each time a rule reached one they had
 * not (6 compiles on a capture's `analyze`); a step only ever runs its own loop.
 */
function compileFilter(spec: BucketSpec, notes: Set<string>): FilterStep[] {
  const f = spec.filter ?? {};
  const steps: FilterStep[] = [];
  if (spec.groupBy.includes('dstPort') || spec.distinct === 'dstPort') steps.push(dropPortless);
  if (f.dstPorts) {
    const ports = new Uint8Array(65536);
    for (const p of f.dstPorts) ports[p] = 1;
    steps.push(portFilter(ports));
  }
  if (f.protocols) {
    const protos = new Set(f.protocols);
    // the protocol numbers 0..255 as a table: a Set lookup per row was most of this filter's time
    const table = new Uint8Array(256);
    for (let p = 0; p < 256; p++) if (protos.has(p)) table[p] = 1;
    steps.push(protocolFilter(protos, table));
  }
  if (f.maxDurationSeconds !== undefined) steps.push(durationFilter(f.maxDurationSeconds, notes));
  if (f.failedOnly === true) steps.push(outcomeFilter(notes, true));
  if (f.answeredOnly === true) steps.push(outcomeFilter(notes, false));
  if (f.custom) steps.push(f.custom);
  return steps;
}

/** Flows of ICMP (1) and ICMPv6 (58) have no ports to count. */
function dropPortless(b: Batch, ok: Uint8Array): void {
  const proto = b.proto;
  if (!proto) return;
  const n = b.n;
  for (let r = 0; r < n; r++) if (proto[r] === 1 || proto[r] === 58) ok[r] = 0;
}

function portFilter(ports: Uint8Array): FilterStep {
  return (b, ok) => {
    const n = b.n;
    const dp = b.dstPort;
    if (!dp) {
      ok.fill(0, 0, n);
      return;
    }
    for (let r = 0; r < n; r++) {
      const p = dp[r];
      if (!(p >= 0 && p <= 65535) || ports[p] === 0) ok[r] = 0;
    }
  };
}

function protocolFilter(protos: Set<number>, table: Uint8Array): FilterStep {
  return (b, ok) => {
    const proto = b.proto;
    if (!proto) return;
    const n = b.n;
    for (let r = 0; r < n; r++) {
      const p = proto[r];
      if (p >= 0 && p <= 255 && p === Math.floor(p) ? table[p] === 0 : p === p && !protos.has(p)) ok[r] = 0;
    }
  };
}

function durationFilter(maxDur: number, notes: Set<string>): FilterStep {
  return (b, ok) => {
    const d = b.duration;
    if (!d) {
      notes.add('the input has no flow durations: every connection counts, short or not');
      return;
    }
    const n = b.n;
    for (let r = 0; r < n; r++) if (d[r] > maxDur) ok[r] = 0;
  };
}

/** Keeps the failed attempts (`failed`) or the answered ones (not `failed`); an input that cannot tell keeps every flow, and says so. */
function outcomeFilter(notes: Set<string>, failed: boolean): FilterStep {
  return (b, ok) => {
    if ((b.flagsKnown & FLAG_FAILED) === 0) {
      notes.add('the input cannot tell failed attempts from answered ones: every flow counts');
      return;
    }
    const fl = b.flags;
    const n = b.n;
    // two loops, not a test of `failed` per row: the rules' hot path
    if (failed) {
      for (let r = 0; r < n; r++) if (!(fl[r] & FLAG_FAILED)) ok[r] = 0;
    } else {
      for (let r = 0; r < n; r++) if (fl[r] & FLAG_FAILED) ok[r] = 0;
    }
  };
}

/**
 * Multiply-accumulate one key part into `key` for every row, clearing `ok` where the part is
 * missing or out of range. Addresses and ports must be present; an unknown protocol is its own
 * group (255) rather than a reason to skip the flow. One function per kind of part, each compiled
 * once: a single one for all three was compiled 6 times, as rules reached the kinds in turn.
 */
function accumulatePart(b: Batch, g: GroupField, radix: number, key: Float64Array, ok: Uint8Array): void {
  if (g === 'srcIp') accumulateIds(b.src, b.n, radix, key, ok);
  else if (g === 'dstIp') accumulateIds(b.dst, b.n, radix, key, ok);
  else if (g === 'dstPort') accumulatePorts(b.dstPort, b.n, radix, key, ok);
  else accumulateProtocols(b.proto, b.n, radix, key);
}

function accumulateIds(ids: Int32Array | null, n: number, radix: number, key: Float64Array, ok: Uint8Array): void {
  if (!ids) {
    ok.fill(0, 0, n);
    return;
  }
  for (let r = 0; r < n; r++) {
    const v = ids[r];
    if (v < 0) ok[r] = 0;
    else key[r] = key[r] * radix + v;
  }
}

function accumulatePorts(dp: Float64Array | null, n: number, radix: number, key: Float64Array, ok: Uint8Array): void {
  if (!dp) {
    ok.fill(0, 0, n);
    return;
  }
  for (let r = 0; r < n; r++) {
    const v = dp[r];
    if (v >= 0 && v <= 65535 && v === Math.floor(v)) key[r] = key[r] * radix + v;
    else ok[r] = 0;
  }
}

function accumulateProtocols(pr: Float64Array | null, n: number, radix: number, key: Float64Array): void {
  if (!pr) {
    for (let r = 0; r < n; r++) key[r] = key[r] * radix + 255;
    return;
  }
  for (let r = 0; r < n; r++) {
    const v = pr[r];
    key[r] = key[r] * radix + (v >= 0 && v < 255 && v === Math.floor(v) ? v : 255);
  }
}

/**
 * A leaky bucket's weights, column by column: `vals[r]` gets the weight of every row with `ok[r]`
 * set, and a row that weighs nothing is cleared from `ok` (it never touches state). One loop per
 * batch rather than a function call per row.
 */
function compileWeight(spec: BucketSpec): (b: Batch, ok: Uint8Array, vals: Float64Array) => void {
  const w = spec.weight ?? {};
  const synWeight = w.failedSynWeight ?? 1;
  const windowS = spec.windowSeconds;
  const maxMean = w.maxMeanPacketBytes;
  const spread = w.spreadOverDuration === true;
  // the weight is written in each loop, not through a shared helper closure: a closure made per
  // rule is a call target of its own, and code that inlined one rule's was thrown away at the next
  if (!w.packets) {
    return (b, ok, vals) => {
      const flags = b.flags;
      const synKnown = (b.flagsKnown & FLAG_SYN) !== 0;
      for (let r = 0; r < b.n; r++) {
        if (ok[r] === 0) continue;
        const f = flags[r];
        const weight = synWeight !== 1 && f & FLAG_FAILED && (!synKnown || f & FLAG_SYN) ? synWeight : 1;
        if (weight > 0) vals[r] = weight;
        else ok[r] = 0;
      }
    };
  }
  return (b, ok, vals) => {
    const packets = b.fwdPackets;
    const bytes = b.fwdBytes;
    const duration = spread ? b.duration : null;
    for (let r = 0; r < b.n; r++) {
      if (ok[r] === 0) continue;
      const pk = packets ? packets[r] : NaN;
      if (!(pk > 0) || (maxMean !== undefined && bytes && bytes[r] / pk > maxMean)) {
        ok[r] = 0;
        continue;
      }
      let weight = pk;
      if (duration) {
        const d = duration[r];
        if (d > windowS) weight *= windowS / d;
      }
      if (weight > 0) vals[r] = weight;
      else ok[r] = 0;
    }
  };
}

function buildFinding(rule: BucketRule, v: EpisodeView, d: { reason: string; evidence: Evidence; srcIp?: string | null }): Finding {
  const ep = v.episode;
  const counted = ep.distinct;
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
  const evidenceOnly = rule.bucket.evidenceOnly;
  for (const tally of [counted, ...ep.tracked]) {
    if (!tally || (tally !== counted && evidenceOnly?.includes(tally.field))) continue;
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
    evidence: v.evicted ? { ...d.evidence, reportedEarly: true } : d.evidence,
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
