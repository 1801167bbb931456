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
import { Episode, type DistinctField } from './episode.js';
import type { Evidence, Finding } from './finding.js';
import { isoTime } from './finding.js';
import { GroupIndex, KeyLayout, type KeyPartKind, type Keyed } from './group-index.js';
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

class GroupState implements Keyed {
  k1 = 0;
  k2 = -1;
  src = -1;
  dst = -1;
  port = -1;
  proto = -1;
  lastMs = -Infinity;
  /** sliding window entries [start, len) in units of entries, STRIDE numbers each */
  w: Float64Array | null = null;
  start = 0;
  len = 0;
  index: Map<number, number> | null = null;
  level = 0;
  levelMs = -Infinity;
  /** leaky: what is in the bucket before it overflows */
  pending: Episode | null = null;
  episode: Episode | null = null;
}

const PART_KIND: Readonly<Record<GroupField, KeyPartKind>> = { srcIp: 'ip', dstIp: 'ip', dstPort: 'port', proto: 'proto' };

export class BucketRunner implements RuleRunner {
  private readonly index: GroupIndex<GroupState>;
  private readonly windowMs: number;
  private readonly leakPerMs: number;
  private readonly accept: (b: Batch, r: number) => boolean;
  private readonly weigh: (b: Batch, r: number) => number;
  private readonly out: Finding[] = [];
  private evicted = 0;
  private evictedEpisodes = 0;
  private filterNotes = new Set<string>();
  private readonly track: readonly DistinctField[];

  constructor(
    readonly rule: BucketRule,
    private readonly ctx: RuleContext,
  ) {
    const spec = rule.bucket;
    if (spec.groupBy.length === 0 || spec.groupBy.length > 3) throw new Error(`${rule.id}: groupBy needs 1 to 3 fields`);
    if (spec.distinct && spec.window !== 'sliding') throw new Error(`${rule.id}: distinct counting needs a sliding window`);
    this.index = new GroupIndex(new KeyLayout(spec.groupBy.map((g) => PART_KIND[g])));
    this.windowMs = spec.windowSeconds * 1000;
    this.leakPerMs = spec.capacity / Math.max(1e-9, this.windowMs);
    this.accept = compileFilter(spec, this.filterNotes);
    this.weigh = compileWeight(spec);
    this.track = spec.track ?? [];
  }

  get info(): RuleInfo {
    return this.rule;
  }

  groups(): number {
    return this.index.size;
  }

  notes(): string[] {
    const n = [...this.filterNotes];
    if (this.evicted > 0) {
      n.push(
        `memory limit reached: ${this.evicted} idle group(s) dropped before their window ended` +
          (this.evictedEpisodes > 0 ? `, ${this.evictedEpisodes} finding(s) reported early` : '') +
          '; raise limits.maxGroupsPerRule if slow activity may have been missed',
      );
    }
    return n;
  }

  drain(): Finding[] {
    return this.out.splice(0, this.out.length);
  }

  observe(b: Batch): void {
    const spec = this.rule.bucket;
    const gb = spec.groupBy;
    const nParts = gb.length;
    const layout = this.index.layout;
    const order = b.order;
    const time = b.time;
    const W = this.windowMs;
    const maxGroups = this.ctx.limits.maxGroupsPerRule;
    const distinct = spec.distinct;
    const distinctVals = distinct === 'dstPort' ? b.dstPort : null;
    const distinctIds = distinct === 'srcIp' ? b.src : distinct === 'dstIp' ? b.dst : null;
    const p0 = partSource(b, gb[0]);
    const p1 = nParts > 1 ? partSource(b, gb[1]) : null;
    const p2 = nParts > 2 ? partSource(b, gb[2]) : null;
    for (let i = 0; i < b.n; i++) {
      const r = order ? order[i] : i;
      if (!this.accept(b, r)) continue;
      const v0 = partValue(p0, gb[0], r);
      if (v0 < 0) continue;
      const v1 = p1 ? partValue(p1, gb[1], r) : 0;
      if (v1 < 0) continue;
      const v2 = p2 ? partValue(p2, gb[2], r) : 0;
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
      let st = this.index.get(k1, k2);
      if (!st) {
        if (this.index.size >= maxGroups) this.relieve();
        st = new GroupState();
        st.k1 = k1;
        st.k2 = k2;
        for (let p = 0; p < nParts; p++) {
          const v = p === 0 ? v0 : p === 1 ? v1 : v2;
          const g = gb[p];
          if (g === 'srcIp') st.src = v;
          else if (g === 'dstIp') st.dst = v;
          else if (g === 'dstPort') st.port = v;
          else st.proto = v;
        }
        this.index.set(st);
      }
      // a flow late across batches counts at its group's latest time
      const t = time[r] < st.lastMs ? st.lastMs : time[r];
      if (st.episode && t - st.lastMs > W) this.close(st, false);
      st.lastMs = t;
      if (spec.window === 'leaky') this.pourLeaky(st, b, r, t);
      else if (distinct) this.pourDistinct(st, b, r, t, value);
      else this.pourCount(st, b, r, t);
    }
  }

  private pourDistinct(st: GroupState, b: Batch, r: number, t: number, value: number): void {
    const ep = st.episode;
    if (ep) {
      ep.addRow(b, r, t, 1, this.ctx.interner, true);
      return;
    }
    const cap = this.rule.bucket.capacity;
    const rowFlags = (b.rowOffset + r) * 16 + b.flags[r];
    const dur = b.duration ? b.duration[r] : NaN;
    let w = st.w;
    // seen in the window already: refresh it
    if (w) {
      let at = -1;
      if (st.index) at = st.index.get(value) ?? -1;
      else {
        for (let e = 0; e < st.len; e++) {
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
    }
    if (st.len >= cap) this.expireDistinct(st, t - this.windowMs);
    w = this.room(st, cap + 1);
    const o = st.len * STRIDE;
    w[o] = value;
    w[o + 1] = t;
    w[o + 2] = rowFlags;
    w[o + 3] = dur;
    if (st.index) st.index.set(value, st.len);
    else if (cap + 1 > SCAN_LIMIT && st.len + 1 > SCAN_LIMIT) {
      st.index = new Map();
      for (let e = 0; e <= st.len; e++) st.index.set(w[e * STRIDE], e);
    }
    st.len++;
    if (st.len > cap) this.trigger(st, b, r, t, st.len);
  }

  private pourCount(st: GroupState, b: Batch, r: number, t: number): void {
    const ep = st.episode;
    if (ep) {
      ep.addRow(b, r, t, 1, this.ctx.interner, true);
      return;
    }
    const cap = this.rule.bucket.capacity;
    const w = this.room(st, cap + 1);
    const o = st.len * STRIDE;
    w[o] = 0;
    w[o + 1] = t;
    w[o + 2] = (b.rowOffset + r) * 16 + b.flags[r];
    w[o + 3] = b.duration ? b.duration[r] : NaN;
    st.len++;
    if (st.len - st.start > cap) {
      // entries are in time order: drop the expired prefix
      const cutoff = t - this.windowMs;
      while (st.start < st.len && w[st.start * STRIDE + 1] < cutoff) st.start++;
      if (st.len - st.start > cap) this.trigger(st, b, r, t, st.len - st.start);
    }
  }

  private pourLeaky(st: GroupState, b: Batch, r: number, t: number): void {
    const weight = this.weigh(b, r);
    if (!(weight > 0)) return;
    if (t > st.levelMs) {
      if (st.levelMs > -Infinity) st.level = Math.max(0, st.level - (t - st.levelMs) * this.leakPerMs);
      st.levelMs = t;
    }
    if (st.level === 0) {
      // drained: an episode is over, and what was in the bucket is gone
      if (st.episode) this.close(st, false);
      st.pending = null;
    }
    st.level += weight;
    const ep = st.episode;
    if (ep) {
      ep.addRow(b, r, t, weight, this.ctx.interner, true);
      if (st.level > ep.peak) ep.peak = st.level;
      return;
    }
    const lim = this.ctx.limits;
    if (!st.pending) st.pending = new Episode(undefined, this.track, PENDING_DISTINCT_CAP, lim.sampleSize, true);
    st.pending.addRow(b, r, t, weight, this.ctx.interner, true);
    if (st.level > this.rule.bucket.capacity) {
      const e = st.pending;
      st.pending = null;
      e.promote(lim.maxTrackedDistinct);
      e.triggerMs = t;
      e.peak = st.level;
      st.episode = e;
    }
  }

  /** The window's entries become an episode, plus the current row's tracked values. */
  private trigger(st: GroupState, b: Batch, r: number, t: number, peak: number): void {
    const lim = this.ctx.limits;
    const spec = this.rule.bucket;
    const ep = new Episode(spec.distinct, this.track, lim.maxTrackedDistinct, lim.sampleSize, false);
    const w = st.w as Float64Array;
    for (let e = st.start; e < st.len; e++) {
      const o = e * STRIDE;
      const rf = w[o + 2];
      const row = Math.floor(rf / 16);
      ep.addEntry(w[o + 1], row, rf - row * 16, w[o + 3]);
      if (ep.distinct) {
        if (spec.distinct === 'dstPort') ep.distinct.addPort(w[o]);
        else ep.distinct.addIp(this.ctx.interner.text(w[o]));
      }
    }
    if (!b.hasTime) ep.timed = false;
    ep.flagsKnown &= b.flagsKnown;
    for (const tally of ep.tracked) tally.addRow(b, r, this.ctx.interner);
    ep.triggerMs = t;
    ep.peak = peak;
    st.episode = ep;
    st.w = null;
    st.index = null;
    st.start = 0;
    st.len = 0;
  }

  /** Make room for one more entry, growing up to `maxEntries` (compacting the count window). */
  private room(st: GroupState, maxEntries: number): Float64Array {
    let w = st.w;
    if (!w) {
      w = new Float64Array(Math.min(maxEntries, 4) * STRIDE);
      st.w = w;
      return w;
    }
    if (st.len * STRIDE < w.length) return w;
    if (st.start > 0) {
      w.copyWithin(0, st.start * STRIDE, st.len * STRIDE);
      st.len -= st.start;
      st.start = 0;
      if (st.len * STRIDE < w.length) return w;
    }
    const grown = new Float64Array(Math.min(maxEntries, Math.max(4, (st.len * 2))) * STRIDE);
    if (grown.length <= w.length) throw new Error('bucket window overflow');
    grown.set(w);
    st.w = grown;
    return grown;
  }

  private expireDistinct(st: GroupState, cutoff: number): void {
    const w = st.w;
    if (!w) return;
    let keep = 0;
    for (let e = 0; e < st.len; e++) {
      const o = e * STRIDE;
      if (w[o + 1] < cutoff) continue;
      if (keep !== e) w.copyWithin(keep * STRIDE, o, o + STRIDE);
      keep++;
    }
    if (keep === st.len) return;
    st.len = keep;
    if (st.index) {
      st.index.clear();
      for (let e = 0; e < keep; e++) st.index.set(w[e * STRIDE], e);
    }
  }

  private close(st: GroupState, evicted: boolean): void {
    const ep = st.episode;
    st.episode = null;
    st.w = null;
    st.index = null;
    st.start = 0;
    st.len = 0;
    if (!ep) return;
    const interner = this.ctx.interner;
    const view: EpisodeView = {
      srcIp: st.src >= 0 ? interner.text(st.src) : null,
      dstIp: st.dst >= 0 ? interner.text(st.dst) : null,
      dstPort: st.port >= 0 ? st.port : null,
      proto: st.proto >= 0 && st.proto !== 255 ? st.proto : null,
      episode: ep,
      spec: this.rule.bucket,
      evicted,
    };
    const d = this.rule.describe(view);
    if (d) this.out.push(buildFinding(this.rule, view, d));
  }

  sweep(watermarkMs: number, force: boolean): void {
    const cutoff = watermarkMs - this.windowMs;
    const idle: GroupState[] = [];
    this.index.forEach((st) => {
      if (force || st.lastMs < cutoff) idle.push(st);
    });
    for (const st of idle) {
      this.close(st, false);
      this.index.delete(st);
    }
  }

  /** Over the group limit: drop the least recently active quarter, reporting open episodes. */
  private relieve(): void {
    const max = this.ctx.limits.maxGroupsPerRule;
    this.evicted += this.index.evictOldest(Math.floor(max * 0.75), (st) => {
      if (st.episode) {
        this.evictedEpisodes++;
        this.close(st, true);
      }
    });
  }

  remapIds(remap: (oldId: number) => number): void {
    const spec = this.rule.bucket;
    const ipDistinct = spec.distinct === 'srcIp' || spec.distinct === 'dstIp';
    const layout = this.index.layout;
    for (const st of this.index.takeAll()) {
      if (st.src >= 0) st.src = remap(st.src);
      if (st.dst >= 0) st.dst = remap(st.dst);
      const parts = spec.groupBy.map((g) => (g === 'srcIp' ? st.src : g === 'dstIp' ? st.dst : g === 'dstPort' ? st.port : st.proto));
      st.k1 = layout.first(parts[0], parts[1] ?? 0, parts[2] ?? 0);
      st.k2 = layout.second(parts[0], parts[1] ?? 0, parts[2] ?? 0);
      if (ipDistinct && st.w) {
        for (let e = st.start; e < st.len; e++) st.w[e * STRIDE] = remap(st.w[e * STRIDE]);
        if (st.index) {
          st.index.clear();
          for (let e = 0; e < st.len; e++) st.index.set(st.w[e * STRIDE], e);
        }
      }
      this.index.set(st);
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
