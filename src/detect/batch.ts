/**
 * One batch of flows as every rule reads it: flat typed arrays, addresses as engine-wide ids, flag
 * bits per row, and the order to visit rows in time order. Built once per batch and shared by all
 * rules, so the per-row work of each rule is array reads and one map lookup.
 *
 * Time order: windows assume flows arrive roughly in time order. Readers keep file order, which is
 * not always time order (the CIC-IDS2017 sample files are shuffled), so a batch whose times go
 * backwards is visited through a sorted index. Flows late across batches keep their own time in
 * the rules: they count if still inside their group's window, and otherwise only add to an open
 * finding (never a burst at the latest time). A row without a time in a timed batch takes the time
 * of the row before it in file order.
 *
 * Not here: rule logic, or any copy of columns that are already in the right shape.
 */
import type { FlowFields } from '../flows/flow-fields.js';
import type { IpInterner } from './ip-interner.js';

export const FLAG_SYN = 1;
export const FLAG_RST = 2;
export const FLAG_FIN = 4;
/** attempt without data, refused or unanswered (see FlowFields.failed) */
export const FLAG_FAILED = 8;

export interface Batch {
  readonly n: number;
  /** index of row 0 among every row the engine has seen */
  readonly rowOffset: number;
  /** rows in time order, or null when file order already is */
  readonly order: Int32Array | null;
  /** epoch ms; one value for every row when the batch has no timestamps (then it is all one instant) */
  readonly time: Float64Array;
  readonly hasTime: boolean;
  /** source ids; -1 where missing, and for a flow answering its destination (FlowFields.answering) */
  readonly src: Int32Array | null;
  readonly dst: Int32Array | null;
  readonly dstPort: Float64Array | null;
  readonly proto: Float64Array | null;
  /** FLAG_* bits per row */
  readonly flags: Uint8Array;
  /** which FLAG_* bits this batch can tell at all */
  readonly flagsKnown: number;
  readonly duration: Float64Array | null;
  readonly fwdPackets: Float64Array | null;
  readonly bwdPackets: Float64Array | null;
  readonly fwdBytes: Float64Array | null;
  readonly bwdBytes: Float64Array | null;
  readonly ttl: Float64Array | null;
  readonly fields: FlowFields;
  readonly format: string;
  /** rows whose time was missing in a timed batch */
  readonly untimedRows: number;
}

/**
 * `untimedAt`: the time given to every row of a batch without timestamps (the stream's latest).
 * `arrivalOrder`: rows are visited as they came, never through a sorted index (a stream worker: see
 * RuleEngineOptions.arrivalOrder).
 */
export function buildBatch(fields: FlowFields, interner: IpInterner, rowOffset: number, format: string, untimedAt = 0, arrivalOrder = false): Batch {
  const n = fields.rowCount;
  const src = fields.srcIp ? interner.idsFor(fields.srcIp) : null;
  const dst = fields.dstIp ? interner.idsFor(fields.dstIp) : null;
  // an ICMP error answers its destination's packets: no activity of its sender's, so no rule
  // groups it under that sender (a flood's target answering forged sources is not a flood from
  // the target); rules keyed by the destination still see it (idsFor made `src` for this batch)
  const answering = fields.answering;
  if (src && answering) for (let i = 0; i < n; i++) if (answering[i] !== 0) src[i] = -1;

  let time: Float64Array;
  let hasTime = false;
  let untimedRows = 0;
  let order: Int32Array | null = null;
  if (fields.time) {
    hasTime = true;
    time = fields.time;
    let sorted = true;
    let prev = -Infinity;
    let copied = false;
    let last = NaN;
    for (let i = 0; i < n; i++) {
      let t = time[i];
      if (Number.isNaN(t)) {
        if (!copied) {
          time = Float64Array.from(time);
          copied = true;
        }
        untimedRows++;
        t = Number.isNaN(last) ? firstTime(fields.time) : last;
        time[i] = t;
      }
      last = t;
      if (t < prev) sorted = false;
      prev = t;
    }
    if (untimedRows === n) {
      hasTime = false;
      time = new Float64Array(n).fill(untimedAt);
    } else if (!sorted && !arrivalOrder) order = timeOrder(time, n);
  } else time = new Float64Array(n).fill(untimedAt);

  const flags = new Uint8Array(n);
  let flagsKnown = 0;
  for (const [v, bit] of [
    [fields.synCount, FLAG_SYN],
    [fields.rstCount, FLAG_RST],
    [fields.finCount, FLAG_FIN],
  ] as const) {
    if (!v) continue;
    flagsKnown |= bit;
    setFlag(flags, v, bit);
  }
  if (fields.failed) {
    flagsKnown |= FLAG_FAILED;
    const f = fields.failed;
    for (let i = 0; i < n; i++) if (f[i] !== 0) flags[i] |= FLAG_FAILED;
  }

  return {
    n,
    rowOffset,
    order,
    time,
    hasTime,
    src,
    dst,
    dstPort: fields.dstPort ?? null,
    proto: fields.proto ?? null,
    flags,
    flagsKnown,
    duration: fields.duration ?? null,
    fwdPackets: fields.fwdPackets ?? null,
    bwdPackets: fields.bwdPackets ?? null,
    fwdBytes: fields.fwdBytes ?? null,
    bwdBytes: fields.bwdBytes ?? null,
    ttl: fields.ttl ?? null,
    fields,
    format,
    untimedRows,
  };
}

function setFlag(flags: Uint8Array, v: Float64Array, bit: number): void {
  for (let i = 0; i < flags.length; i++) if (v[i] > 0) flags[i] |= bit;
}

/**
 * Rows [from, to) of a batch built in arrival order (no `order`), as a batch of their own: views of
 * its arrays, no copy, row 0 at engine row `rowOffset + from`. `fields`: the same rows of its fields.
 */
export function sliceBatch(b: Batch, from: number, to: number, fields: FlowFields): Batch {
  const sub = <T extends Float64Array | Int32Array | Uint8Array>(a: T | null): T | null => (a ? (a.subarray(from, to) as T) : null);
  return {
    ...b,
    n: to - from,
    rowOffset: b.rowOffset + from,
    order: null,
    time: b.time.subarray(from, to),
    src: sub(b.src),
    dst: sub(b.dst),
    dstPort: sub(b.dstPort),
    proto: sub(b.proto),
    flags: b.flags.subarray(from, to),
    duration: sub(b.duration),
    fwdPackets: sub(b.fwdPackets),
    bwdPackets: sub(b.bwdPackets),
    fwdBytes: sub(b.fwdBytes),
    bwdBytes: sub(b.bwdBytes),
    ttl: sub(b.ttl),
    fields,
  };
}

/**
 * Row indices in time order, stable (equal times keep file order). A bottom-up merge sort on typed
 * arrays: no comparator calls, and runs that are already in order (most of a capture) cost one
 * comparison per merge.
 */
export function timeOrder(time: Float64Array, n: number): Int32Array {
  let a = new Int32Array(n);
  let b = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  sortRuns(time, a, n);
  for (let width = RUN; width < n; width *= 2) {
    mergePass(time, a, b, n, width);
    const t = a;
    a = b;
    b = t;
  }
  return a;
}

const RUN = 16;

// The two phases are separate functions so that V8 optimises each loop on its own feedback: in one
// function, the loop optimised first (in a fresh process, on the batch's first pass) lacked feedback
// for the other and was thrown away when it was reached, then compiled again.

/** Insertion sort of each run of RUN rows (stable). */
function sortRuns(time: Float64Array, a: Int32Array, n: number): void {
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(n, lo + RUN);
    for (let i = lo + 1; i < hi; i++) {
      const x = a[i];
      const tx = time[x];
      let j = i - 1;
      while (j >= lo && time[a[j]] > tx) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = x;
    }
  }
}

/** Merge sorted runs of `width` rows from `a` into `b` (stable: the left run wins ties). */
function mergePass(time: Float64Array, a: Int32Array, b: Int32Array, n: number, width: number): void {
  for (let lo = 0; lo < n; lo += 2 * width) {
    const mid = Math.min(n, lo + width);
    const hi = Math.min(n, lo + 2 * width);
    if (mid >= hi || time[a[mid - 1]] <= time[a[mid]]) {
      b.set(a.subarray(lo, hi), lo);
      continue;
    }
    let i = lo;
    let j = mid;
    let k = lo;
    while (i < mid && j < hi) b[k++] = time[a[j]] < time[a[i]] ? a[j++] : a[i++];
    while (i < mid) b[k++] = a[i++];
    while (j < hi) b[k++] = a[j++];
  }
}

function firstTime(t: Float64Array): number {
  for (let i = 0; i < t.length; i++) if (!Number.isNaN(t[i])) return t[i];
  return 0;
}
