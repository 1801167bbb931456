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

/** A bounded sample of row indices: the first ones, or (ring mode) the most recent ones. */
class RowSample {
  private readonly rows: Float64Array;
  private n = 0;
  private head = 0;
  constructor(
    size: number,
    private ring: boolean,
  ) {
    this.rows = new Float64Array(Math.max(0, size));
  }
  add(row: number): void {
    const cap = this.rows.length;
    if (cap === 0) return;
    if (this.n < cap) {
      this.rows[(this.head + this.n) % cap] = row;
      this.n++;
    } else if (this.ring) {
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
    for (let i = 0; i < this.n; i++) out.push(this.rows[(this.head + i) % this.rows.length]);
    return out.sort((a, b) => a - b);
  }
}

export class Episode {
  firstMs = Infinity;
  lastMs = -Infinity;
  /** when the threshold was crossed */
  triggerMs = NaN;
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

  /** A flow of the current batch, with everything the batch knows about it. */
  addRow(b: Batch, r: number, t: number, weight: number, interner: IpInterner, withDistinct: boolean): void {
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
