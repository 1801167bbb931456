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

/** One slot is three numbers side by side (key a, key b, value), so a probe touches one cache line. */
const W = 3;

/**
 * Two ways to find a slot behind one class. Hashed: any key (a, b), open addressing as above.
 * Direct (`SlotTable.direct()`): keys that are small dense integers (an address id alone, `b` -1):
 * the key is the index, so a lookup is one array read with nothing to hash or probe; most rules
 * group by one address (floods, spoofing, TTL), so this is the common case.
 *
 * One class rather than two: the bucket engine's code is shared by every rule, and a rule's table
 * was of either class, so each call on it saw two shapes; TurboFan compiled that code for the
 * shape of the first rules to reach it and threw it away when the other kind came (a capture's
 * `analyze`: the sweep was compiled 8 times, deoptimised 5 of them for 'wrong map' here).
 */
export class SlotTable {
  private t: Float64Array;
  private mask: number;
  private count = 0;
  /** direct mode: slot by key, -1 for none (empty in hashed mode) */
  private slots: Int32Array;
  private readonly isDirect: boolean;

  constructor(initialCapacity = 1024, direct = false) {
    this.isDirect = direct;
    if (direct) {
      this.t = new Float64Array(0);
      this.mask = 0;
      this.slots = new Int32Array(Math.max(16, initialCapacity)).fill(-1);
      return;
    }
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.t = SlotTable.empty(cap);
    this.mask = cap - 1;
    this.slots = new Int32Array(0);
  }

  /** A table whose keys are small dense integers (`b` always -1): the key is the index. */
  static direct(initialCapacity = 1024): SlotTable {
    return new SlotTable(initialCapacity, true);
  }

  private static empty(cap: number): Float64Array {
    // every number -1, keys too: a slot's keys are read only once its value says it is in use, and
    // fill() is native, where a loop setting every third number ran in the interpreter the few times
    // a table is made or cleared (a capture's analyze clears its largest tables once, at the end:
    // ~60 ms of its 2.3 CPU s went to that loop)
    return new Float64Array(cap * W).fill(-1);
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
    if (this.isDirect) return a < this.slots.length ? this.slots[a] : -1;
    const t = this.t;
    const mask = this.mask;
    let i = this.slotOf(a, b);
    for (;;) {
      const o = i * W;
      const v = t[o + 2];
      if (v < 0) return -1;
      if (t[o] === a && t[o + 1] === b) return v;
      i = (i + 1) & mask;
    }
  }

  /** Store `value` (>= 0) for (a, b), replacing any previous value. */
  set(a: number, b: number, value: number): void {
    if (this.isDirect) {
      this.setDirect(a, value);
      return;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const t = this.t;
    const mask = this.mask;
    let i = this.slotOf(a, b);
    for (;;) {
      const o = i * W;
      if (t[o + 2] < 0) {
        t[o] = a;
        t[o + 1] = b;
        t[o + 2] = value;
        this.count++;
        return;
      }
      if (t[o] === a && t[o + 1] === b) {
        t[o + 2] = value;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  private setDirect(a: number, value: number): void {
    if (a >= this.slots.length) {
      const grown = new Int32Array(Math.max(a + 1, this.slots.length * 2)).fill(-1);
      grown.set(this.slots);
      this.slots = grown;
    }
    if (this.slots[a] < 0) this.count++;
    this.slots[a] = value;
  }

  /** Remove (a, b); false when it was not there. */
  delete(a: number, b: number): boolean {
    if (this.isDirect) {
      if (a >= this.slots.length || this.slots[a] < 0) return false;
      this.slots[a] = -1;
      this.count--;
      return true;
    }
    const t = this.t;
    const mask = this.mask;
    let i = this.slotOf(a, b);
    for (;;) {
      const o = i * W;
      if (t[o + 2] < 0) return false;
      if (t[o] === a && t[o + 1] === b) break;
      i = (i + 1) & mask;
    }
    // backward shift: move later members of the probe run into the hole when their home allows
    let hole = i;
    let j = (i + 1) & mask;
    while (t[j * W + 2] >= 0) {
      const oj = j * W;
      const home = this.slotOf(t[oj], t[oj + 1]);
      // j's entry may fill the hole unless its home lies cyclically in (hole, j]
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        const oh = hole * W;
        t[oh] = t[oj];
        t[oh + 1] = t[oj + 1];
        t[oh + 2] = t[oj + 2];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    t[hole * W + 2] = -1;
    this.count--;
    return true;
  }

  clear(): void {
    // both, without a test: the array of the other mode is empty (a branch per mode left the code
    // of the first mode to run without feedback for the other's, and it was compiled again)
    this.slots.fill(-1);
    this.t.fill(-1);
    this.count = 0;
  }

  private grow(): void {
    const old = this.t;
    const cap = (this.mask + 1) * 2;
    const t = SlotTable.empty(cap);
    const mask = cap - 1;
    this.t = t;
    this.mask = mask;
    // keys are distinct: each goes in the first free place of its probe run, with no comparison
    // (a set() here compiled its replace branch without feedback and was thrown away when a rule
    // first replaced a key)
    for (let o = 0; o < old.length; o += W) {
      if (old[o + 2] < 0) continue;
      let i = this.slotOf(old[o], old[o + 1]);
      while (t[i * W + 2] >= 0) i = (i + 1) & mask;
      const q = i * W;
      t[q] = old[o];
      t[q + 1] = old[o + 1];
      t[q + 2] = old[o + 2];
    }
  }
}
