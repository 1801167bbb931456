/**
 * An insertion-ordered table of integer keys (the packet detectors' 30-bit tuple hashes) over typed
 * arrays: what a `Map<number, object>` gave them (find, add at the end, delete, the oldest, a walk
 * in order of insertion) without the Map's probe through the heap and an object per entry. The TTL
 * watch looks up the direction of every TCP segment: a Map lookup missed the cache on its hash
 * table and again on the entry's object, and each new connection direction made an object and a
 * Map entry for the collector to trace.
 *
 * Entries are numbered (0 to `capacity` - 1) and keep their number while they live; the caller
 * keeps its own columns indexed by that number and grows them when `capacity` grows (after `add`).
 * The index is open addressing with linear probing, at most half full, each slot the entry and its
 * key side by side (a lookup reads one cache line, not the slot and then the entry's key), with
 * backward-shift deletion rather than tombstones (idle entries are swept out over and over, and tombstones would
 * pile up); the order is a doubly linked list through the entry numbers (`first`, `after`).
 * Bounds are the caller's: the table holds whatever it is given (the callers cap it, as they capped their Maps).
 */

import { widen } from '../util/widen.js';
const EMPTY = -1;

export class KeyTable {
  /** entries the columns must hold (grows by doubling inside `add`) */
  capacity: number;
  size = 0;
  private keys: Int32Array;
  private prev: Int32Array;
  /** the next entry in order; for a free entry, the next free one */
  private next: Int32Array;
  /** slot s: entry at 2s (EMPTY when free), its key at 2s + 1 */
  private index: Int32Array;
  private mask: number;
  /** 32 - log2(slots): a multiplicative hash's best bits are its top ones */
  private shift: number;
  private head = EMPTY;
  private tail = EMPTY;
  private free = EMPTY;
  /** entries ever handed out (those above are unused, below are live or on the free list) */
  private used = 0;

  constructor(capacity = 1024) {
    this.capacity = Math.max(16, capacity);
    this.keys = new Int32Array(this.capacity);
    this.prev = new Int32Array(this.capacity);
    this.next = new Int32Array(this.capacity);
    this.index = new Int32Array(this.capacity * 4).fill(EMPTY);
    this.mask = this.capacity * 2 - 1;
    this.shift = Math.clz32(this.capacity * 2) + 1;
  }

  /** Where a key's probe starts (Fibonacci hashing: keys may be small or patterned integers). */
  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  /** The entry holding `key`, or -1. */
  find(key: number): number {
    const index = this.index;
    const mask = this.mask;
    for (let s = this.home(key); ; s = (s + 1) & mask) {
      const e = index[2 * s];
      if (e === EMPTY || index[2 * s + 1] === key) return e;
    }
  }

  /**
   * The next entry after `e` (live) holding the same key, or -1. A key may be added more than once:
   * a caller keying by a hash of something wider keeps every colliding thing as its own entry and
   * walks them as `find(k)`, `findNext(k, e)`, ... (equal keys lie in one probe run, in no set order).
   */
  findNext(key: number, e: number): number {
    const index = this.index;
    const mask = this.mask;
    let s = this.home(key);
    while (index[2 * s] !== e) s = (s + 1) & mask;
    for (s = (s + 1) & mask; ; s = (s + 1) & mask) {
      const x = index[2 * s];
      if (x === EMPTY || index[2 * s + 1] === key) return x;
    }
  }

  /** A new entry for `key` (not in the table, or kept beside the entries already holding it: see findNext), last in order. Its columns are the caller's to fill. */
  add(key: number): number {
    let e = this.free;
    if (e !== EMPTY) this.free = this.next[e];
    else {
      if (this.used === this.capacity) this.grow();
      e = this.used++;
    }
    this.keys[e] = key;
    this.prev[e] = this.tail;
    this.next[e] = EMPTY;
    if (this.tail === EMPTY) this.head = e;
    else this.next[this.tail] = e;
    this.tail = e;
    const index = this.index;
    let s = this.home(key);
    while (index[2 * s] !== EMPTY) s = (s + 1) & this.mask;
    index[2 * s] = e;
    index[2 * s + 1] = key;
    this.size++;
    return e;
  }

  /** Remove entry `e` (live). */
  delete(e: number): void {
    const index = this.index;
    const mask = this.mask;
    let s = this.home(this.keys[e]);
    while (index[2 * s] !== e) s = (s + 1) & mask;
    // backward shift: pull later entries of the probe run into the hole when their home allows it
    for (let j = (s + 1) & mask; index[2 * j] !== EMPTY; j = (j + 1) & mask) {
      const h = this.home(index[2 * j + 1]);
      // the entry at j may move to s unless its home lies cyclically in (s, j]
      if (s <= j ? s < h && h <= j : s < h || h <= j) continue;
      index[2 * s] = index[2 * j];
      index[2 * s + 1] = index[2 * j + 1];
      s = j;
    }
    index[2 * s] = EMPTY;
    const p = this.prev[e];
    const n = this.next[e];
    if (p === EMPTY) this.head = n;
    else this.next[p] = n;
    if (n === EMPTY) this.tail = p;
    else this.prev[n] = p;
    this.next[e] = this.free;
    this.free = e;
    this.size--;
  }

  /** The key of entry `e` (live, or just deleted: its key stays until the entry is handed out again). */
  key(e: number): number {
    return this.keys[e];
  }

  /** Remove every entry. */
  clear(): void {
    this.index.fill(EMPTY);
    this.head = this.tail = this.free = EMPTY;
    this.used = 0;
    this.size = 0;
  }

  /** The oldest entry (first added of those still here), or -1. */
  first(): number {
    return this.head;
  }

  /** The entry added after `e` (live), or -1. Read it before deleting `e` when walking and deleting. */
  after(e: number): number {
    return this.next[e];
  }

  private grow(): void {
    const cap = this.capacity * 2;
    this.keys = widen(this.keys, new Int32Array(cap));
    this.prev = widen(this.prev, new Int32Array(cap));
    this.next = widen(this.next, new Int32Array(cap));
    this.capacity = cap;
    this.index = new Int32Array(cap * 4).fill(EMPTY);
    this.mask = cap * 2 - 1;
    this.shift = Math.clz32(cap * 2) + 1;
    // every entry is live here (the table grows only when no entry is free)
    for (let e = 0; e < this.used; e++) {
      let s = this.home(this.keys[e]);
      while (this.index[2 * s] !== EMPTY) s = (s + 1) & this.mask;
      this.index[2 * s] = e;
      this.index[2 * s + 1] = this.keys[e];
    }
  }
}
