/**
 * A hash table from a two-number key to a small integer (a state's slot), in typed arrays: open
 * addressing with linear probing and backward-shift deletion, load at most one half.
 *
 * Why not a Map: rule state lives for a window (a minute of traffic, hundreds of thousands of
 * groups), so a Map of state objects means long-lived small objects promoted to the old generation
 * and garbage-collected in bulk; on a stream of mostly new (source, destination) pairs that cost
 * more than the rules themselves. Here a lookup is a hash and a few array reads, a group is a slot
 * number, and nothing is allocated per group.
 *
 * Keys: `a` is any integer in [0, 2^53) (packed parts, see KeyLayout), `b` an integer in
 * [-1, 2^53) (-1 when the layout has one level).
 */

export class SlotTable {
  private ka: Float64Array;
  private kb: Float64Array;
  private vals: Int32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.ka = new Float64Array(cap);
    this.kb = new Float64Array(cap);
    this.vals = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private slotOf(a: number, b: number): number {
    const lo = a >>> 0;
    const hi = (a / 4294967296) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= Math.imul((b >>> 0) ^ ((b / 4294967296) >>> 0), 0xc2b2ae35);
    h ^= h >>> 15;
    h = Math.imul(h, 0x27d4eb2f);
    h ^= h >>> 13;
    return h & this.mask;
  }

  /** The value stored for (a, b), or -1. */
  get(a: number, b: number): number {
    const vals = this.vals;
    let i = this.slotOf(a, b);
    for (;;) {
      const v = vals[i];
      if (v < 0) return -1;
      if (this.ka[i] === a && this.kb[i] === b) return v;
      i = (i + 1) & this.mask;
    }
  }

  /** Store `value` (>= 0) for (a, b), replacing any previous value. */
  set(a: number, b: number, value: number): void {
    if ((this.count + 1) * 2 > this.vals.length) this.grow();
    const vals = this.vals;
    let i = this.slotOf(a, b);
    for (;;) {
      if (vals[i] < 0) {
        this.ka[i] = a;
        this.kb[i] = b;
        vals[i] = value;
        this.count++;
        return;
      }
      if (this.ka[i] === a && this.kb[i] === b) {
        vals[i] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Remove (a, b); false when it was not there. */
  delete(a: number, b: number): boolean {
    const vals = this.vals;
    const mask = this.mask;
    let i = this.slotOf(a, b);
    for (;;) {
      if (vals[i] < 0) return false;
      if (this.ka[i] === a && this.kb[i] === b) break;
      i = (i + 1) & mask;
    }
    // backward shift: move later members of the probe run into the hole when their home allows
    let hole = i;
    let j = (i + 1) & mask;
    while (vals[j] >= 0) {
      const home = this.slotOf(this.ka[j], this.kb[j]);
      // j's entry may fill the hole if its home is not in (hole, j] cyclically
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        this.ka[hole] = this.ka[j];
        this.kb[hole] = this.kb[j];
        vals[hole] = vals[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    vals[hole] = -1;
    this.count--;
    return true;
  }

  clear(): void {
    this.vals.fill(-1);
    this.count = 0;
  }

  private grow(): void {
    const oldA = this.ka;
    const oldB = this.kb;
    const oldV = this.vals;
    const cap = oldV.length * 2;
    this.ka = new Float64Array(cap);
    this.kb = new Float64Array(cap);
    this.vals = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldV.length; i++) if (oldV[i] >= 0) this.set(oldA[i], oldB[i], oldV[i]);
  }
}
