/**
 * What a rule accumulates about one group while it is (or might become) a finding: time span, flow
 * count, flag counts, durations, packets, bytes, a bounded sample of row indices, and distinct
 * counts of ports or addresses (exact up to a cap, then a lower bound flagged as such).
 *
 * Distinct ports use a 65,536-bit set (8 KiB, exact, only for groups that became episodes);
 * distinct addresses a Set of their text, so they survive the address table's compaction.
 *
 * Not here: when an episode starts or ends (bucket.ts), how it reads to a person (the rules).
 */
import { FLAG_FAILED, FLAG_RST, FLAG_SYN, type Batch } from './batch.js';
import type { IpInterner } from './ip-interner.js';

export type DistinctField = 'srcIp' | 'dstIp' | 'dstPort';

export class DistinctTally {
  count = 0;
  /** true once `count` stopped at the cap (it is then a lower bound) */
  capped = false;
  readonly sample: (string | number)[] = [];
  private bits: Uint32Array | null = null;
  private set: Set<string> | null = null;

  constructor(
    readonly field: DistinctField,
    private cap: number,
    private readonly sampleSize: number,
  ) {}

  addPort(p: number): void {
    if (!this.bits) this.bits = new Uint32Array(2048);
    const w = p >>> 5;
    const m = 1 << (p & 31);
    if (this.bits[w] & m) return;
    this.bits[w] |= m;
    this.count++;
    if (this.sample.length < this.sampleSize) this.sample.push(p);
  }

  addIp(s: string): void {
    if (!this.set) this.set = new Set();
    if (this.set.has(s)) return;
    if (this.set.size >= this.cap) {
      this.capped = true;
      return;
    }
    this.set.add(s);
    this.count++;
    if (this.sample.length < this.sampleSize) this.sample.push(s);
  }

  /** Lift the cap (an episode continuing a bounded pre-trigger tally). */
  raiseCap(cap: number): void {
    this.cap = cap;
  }

  /** Add the value of `field` at row `r`; missing values are ignored. */
  addRow(b: Batch, r: number, interner: IpInterner): void {
    if (this.field === 'dstPort') {
      const p = b.dstPort ? b.dstPort[r] : NaN;
      if (p >= 0 && p <= 65535 && p === Math.floor(p)) this.addPort(p);
      return;
    }
    const ids = this.field === 'srcIp' ? b.src : b.dst;
    const id = ids ? ids[r] : -1;
    if (id >= 0) this.addIp(interner.text(id));
  }
}

/**
 * A bounded sample of row indices: the first ones, or (ring mode) the most recent ones. A plain
 * array that fills as rows come: most episodes hold one or two rows, and a typed array of the full
 * sample size per episode cost more to create than everything else an episode does.
 */
class RowSample {
  private readonly rows: number[] = [];
  private head = 0;
  constructor(
    private readonly cap: number,
    private ring: boolean,
  ) {}
  add(row: number): void {
    const cap = this.cap;
    if (cap <= 0) return;
    if (this.rows.length < cap) this.rows.push(row);
    else if (this.ring) {
      this.rows[this.head] = row;
      this.head = (this.head + 1) % cap;
    }
  }
  /** stop overwriting: keep what is there and fill the rest with what comes next */
  freeze(): void {
    this.ring = false;
  }
  list(): number[] {
    const out: number[] = [];
    const n = this.rows.length;
    for (let i = 0; i < n; i++) out.push(this.rows[(this.head + i) % n]);
    return out.sort((a, b) => a - b);
  }
}

/** Offsets of the plain counters a leaky group keeps before it is worth an Episode. */
export const C_FLOWS = 0;
export const C_WEIGHT = 1;
export const C_FIRST = 2;
export const C_LAST = 3;
export const C_SYN = 4;
export const C_RST = 5;
export const C_FAILED = 6;
export const C_PACKETS = 7;
export const C_BYTES = 8;
export const C_DUR_SUM = 9;
export const C_DUR_N = 10;
export const COLD_FIELDS = 11;

export function resetCold(c: Float64Array, o: number): void {
  // a loop rather than fill(0, o, o + COLD_FIELDS): cheaper for 11 numbers, and this runs once per new group
  for (let i = o; i < o + COLD_FIELDS; i++) c[i] = 0;
  c[o + C_FIRST] = Infinity;
  c[o + C_LAST] = -Infinity;
}

/** Count row r into the counters at offset o (no allocation). */
export function countCold(c: Float64Array, o: number, b: Batch, r: number, weight: number): void {
  const t = b.time[r];
  c[o + C_FLOWS]++;
  c[o + C_WEIGHT] += weight;
  if (t < c[o + C_FIRST]) c[o + C_FIRST] = t;
  if (t > c[o + C_LAST]) c[o + C_LAST] = t;
  const f = b.flags[r];
  if (f & FLAG_SYN) c[o + C_SYN]++;
  if (f & FLAG_RST) c[o + C_RST]++;
  if (f & FLAG_FAILED) c[o + C_FAILED]++;
  if (b.fwdPackets) {
    const p = b.fwdPackets[r] + (b.bwdPackets ? b.bwdPackets[r] : 0);
    if (Number.isFinite(p)) c[o + C_PACKETS] += p;
  }
  if (b.fwdBytes) {
    const x = b.fwdBytes[r] + (b.bwdBytes ? b.bwdBytes[r] : 0);
    if (Number.isFinite(x)) c[o + C_BYTES] += x;
  }
  if (b.duration) {
    const d = b.duration[r];
    if (Number.isFinite(d)) {
      c[o + C_DUR_SUM] += d;
      c[o + C_DUR_N]++;
    }
  }
}

export class Episode {
  firstMs = Infinity;
  lastMs = -Infinity;
  /** when the threshold was crossed */
  triggerMs = NaN;
  /**
   * the engine's row (every flow it saw, counted in arrival order) that crossed the threshold: a
   * stream lends the episode's evidence only to flows that came with or after it (rules-stage.ts)
   */
  triggerRow = -Infinity;
  flows = 0;
  weight = 0;
  packets = 0;
  packetsKnown = true;
  bytes = 0;
  bytesKnown = true;
  durationSum = 0;
  durationCount = 0;
  syn = 0;
  rst = 0;
  failed = 0;
  /** AND of the FLAG_* bits every batch could tell */
  flagsKnown = 0xff;
  /** the count (or bucket level) that crossed the threshold, and its maximum since */
  peak = 0;
  /** whether every flow had a timestamp */
  timed = true;
  readonly distinct: DistinctTally | null;
  readonly tracked: DistinctTally[];
  private readonly sample: RowSample;

  constructor(distinct: DistinctField | undefined, tracked: readonly DistinctField[], cap: number, sampleSize: number, ringRows: boolean) {
    this.distinct = distinct ? new DistinctTally(distinct, cap, sampleSize) : null;
    this.tracked = tracked.map((f) => new DistinctTally(f, cap, sampleSize));
    this.sample = new RowSample(sampleSize, ringRows);
  }

  /** A flow known only by its time, global row, flag bits and duration (a window entry). */
  addEntry(t: number, row: number, flags: number, duration: number): void {
    if (t < this.firstMs) this.firstMs = t;
    if (t > this.lastMs) this.lastMs = t;
    this.flows++;
    this.weight++;
    this.packetsKnown = false;
    this.bytesKnown = false;
    if (flags & FLAG_SYN) this.syn++;
    if (flags & FLAG_RST) this.rst++;
    if (flags & FLAG_FAILED) this.failed++;
    if (!Number.isNaN(duration)) {
      this.durationSum += duration;
      this.durationCount++;
    }
    this.sample.add(row);
  }

  /**
   * A flow of the current batch, with everything the batch knows about it. The row's time is read
   * here, not passed: a time in milliseconds has a fraction (microseconds), and a fractional number
   * passed to a call that is not inlined is boxed, one heap number per row of every open episode
   * (most of what the leaky rules allocated on a capture of floods).
   */
  addRow(b: Batch, r: number, weight: number, interner: IpInterner, withDistinct: boolean): void {
    const t = b.time[r];
    if (t < this.firstMs) this.firstMs = t;
    if (t > this.lastMs) this.lastMs = t;
    if (!b.hasTime) this.timed = false;
    this.flows++;
    this.weight += weight;
    this.flagsKnown &= b.flagsKnown;
    const f = b.flags[r];
    if (f & FLAG_SYN) this.syn++;
    if (f & FLAG_RST) this.rst++;
    if (f & FLAG_FAILED) this.failed++;
    if (b.fwdPackets) {
      const p = b.fwdPackets[r] + (b.bwdPackets ? b.bwdPackets[r] : 0);
      if (Number.isFinite(p)) this.packets += p;
    } else this.packetsKnown = false;
    if (b.fwdBytes) {
      const x = b.fwdBytes[r] + (b.bwdBytes ? b.bwdBytes[r] : 0);
      if (Number.isFinite(x)) this.bytes += x;
    } else this.bytesKnown = false;
    if (b.duration) {
      const d = b.duration[r];
      if (Number.isFinite(d)) {
        this.durationSum += d;
        this.durationCount++;
      }
    }
    this.sample.add(b.rowOffset + r);
    if (withDistinct && this.distinct) this.distinct.addRow(b, r, interner);
    for (const t2 of this.tracked) t2.addRow(b, r, interner);
  }

  /**
   * Take over a group's plain counters (flows before the Episode existed). `flagsKnown` and
   * `timed` describe those flows; the current batch stands for them when the caller knows no better.
   */
  absorb(c: Float64Array, o: number, flagsKnown: number, timed: boolean, batch: Batch): void {
    if (c[o + C_FLOWS] === 0) return;
    this.flows += c[o + C_FLOWS];
    this.weight += c[o + C_WEIGHT];
    if (c[o + C_FIRST] < this.firstMs) this.firstMs = c[o + C_FIRST];
    if (c[o + C_LAST] > this.lastMs) this.lastMs = c[o + C_LAST];
    this.syn += c[o + C_SYN];
    this.rst += c[o + C_RST];
    this.failed += c[o + C_FAILED];
    this.packets += c[o + C_PACKETS];
    this.bytes += c[o + C_BYTES];
    if (!batch.fwdPackets) this.packetsKnown = false;
    if (!batch.fwdBytes) this.bytesKnown = false;
    this.durationSum += c[o + C_DUR_SUM];
    this.durationCount += c[o + C_DUR_N];
    this.flagsKnown &= flagsKnown;
    if (!timed) this.timed = false;
  }

  /** From a pre-trigger accumulator to an episode: keep the recent rows, let tallies grow. */
  promote(cap: number): void {
    this.sample.freeze();
    this.distinct?.raiseCap(cap);
    for (const t of this.tracked) t.raiseCap(cap);
  }

  rows(): number[] {
    return this.sample.list();
  }

  meanDuration(): number {
    return this.durationCount === 0 ? NaN : this.durationSum / this.durationCount;
  }
}
