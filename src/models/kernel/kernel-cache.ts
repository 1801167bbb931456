/**
 * A least-recently-used cache of kernel rows, as LIBSVM keeps one: an SMO solver asks for the same
 * few hundred rows (the support vectors and the points near the margin) again and again, and a row
 * costs a pass over the whole training set. Rows are stored as float32, like LIBSVM's Qfloat, so a
 * budget holds twice as many; the solver's gradients stay float64.
 *
 * It deliberately has no shrinking-aware partial rows: rows are always full length.
 */
export class KernelCache {
  private readonly rows = new Map<number, Float32Array>();
  private readonly capacity: number;
  private readonly n: number;
  private readonly compute: (i: number, out: Float32Array) => void;
  /** rows computed (misses), for benchmarks */
  computed = 0;

  private slab = new Float32Array(0);
  private slabUsed = 0;

  constructor(n: number, budgetBytes: number, compute: (i: number, out: Float32Array) => void) {
    this.n = n;
    this.compute = compute;
    // at least the two rows of a working pair must fit at once
    this.capacity = Math.max(2, Math.floor(budgetBytes / (4 * Math.max(1, n))));
  }

  get(i: number): Float32Array {
    const hit = this.rows.get(i);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the row most recently used
      this.rows.delete(i);
      this.rows.set(i, hit);
      return hit;
    }
    let buf: Float32Array;
    if (this.rows.size >= this.capacity) {
      const oldest = this.rows.keys().next().value as number;
      buf = this.rows.get(oldest) as Float32Array;
      this.rows.delete(oldest);
    } else buf = this.fresh();
    this.compute(i, buf);
    this.computed++;
    this.rows.set(i, buf);
    return buf;
  }

  /** Store a row computed elsewhere (worker threads); it is used as is, not copied. */
  put(i: number, row: Float32Array): void {
    if (this.rows.has(i)) this.rows.delete(i);
    else if (this.rows.size >= this.capacity) this.rows.delete(this.rows.keys().next().value as number);
    this.rows.set(i, row);
  }

  /** A new row carved out of a slab of about 4 MB: one allocation per many rows, less GC work. */
  private fresh(): Float32Array {
    const n = this.n;
    if (this.slabUsed + n > this.slab.length) {
      const rowsPerSlab = Math.max(1, Math.min(this.capacity - this.rows.size, Math.floor((4 << 20) / (4 * n))));
      this.slab = new Float32Array(rowsPerSlab * n);
      this.slabUsed = 0;
    }
    const row = this.slab.subarray(this.slabUsed, this.slabUsed + n);
    this.slabUsed += n;
    return row;
  }
}
