/**
 * Rule state keyed by a group of numbers (source id, destination id, port, protocol) without
 * building a string per row. Parts are packed into one integer key while they fit in 53 bits (an
 * address id takes 26, a port 16, a protocol 8); a part that does not fit goes to a second-level
 * map. So (source, destination) and (source, port, protocol) are one Map lookup, and (source,
 * destination, port) is two.
 *
 * Also here: `evictOldest`, the memory bound every rule applies when its groups exceed the limit.
 *
 * Not here: what the state is or when it expires (the rules decide).
 */

export type KeyPartKind = 'ip' | 'port' | 'proto';

const RADIX: Readonly<Record<KeyPartKind, number>> = { ip: 2 ** 26, port: 2 ** 16, proto: 2 ** 8 };

/** How a group's parts split into the first-level key and the optional second-level key. */
export class KeyLayout {
  /** parts [0, split) make the first key, [split, n) the second */
  readonly split: number;
  readonly radix: readonly number[];
  constructor(readonly kinds: readonly KeyPartKind[]) {
    if (kinds.length === 0) throw new Error('KeyLayout: no parts');
    this.radix = kinds.map((k) => RADIX[k]);
    let bits = 0;
    let split = 0;
    while (split < kinds.length && bits + Math.log2(this.radix[split]) <= 53) {
      bits += Math.log2(this.radix[split]);
      split++;
    }
    let rest = 0;
    for (let i = split; i < kinds.length; i++) rest += Math.log2(this.radix[i]);
    if (rest > 53) throw new Error('KeyLayout: too many parts');
    this.split = split;
  }
  /** the first-level key from parts (each already validated to be within its radix) */
  first(p0: number, p1: number, p2: number): number {
    return this.pack(0, this.split, p0, p1, p2);
  }
  /** the second-level key, or -1 when the layout has one level */
  second(p0: number, p1: number, p2: number): number {
    return this.split === this.kinds.length ? -1 : this.pack(this.split, this.kinds.length, p0, p1, p2);
  }
  private pack(from: number, to: number, p0: number, p1: number, p2: number): number {
    let k = 0;
    for (let i = from; i < to; i++) k = k * this.radix[i] + (i === 0 ? p0 : i === 1 ? p1 : p2);
    return k;
  }
}

/** States that know their own keys and when they were last touched. */
export interface Keyed {
  k1: number;
  k2: number;
  lastMs: number;
}

export class GroupIndex<S extends Keyed> {
  private flat = new Map<number, S>();
  private nested = new Map<number, Map<number, S>>();
  private count = 0;
  constructor(readonly layout: KeyLayout) {}

  get size(): number {
    return this.count;
  }

  get(k1: number, k2: number): S | undefined {
    if (k2 < 0) return this.flat.get(k1);
    return this.nested.get(k1)?.get(k2);
  }

  set(s: S): void {
    if (s.k2 < 0) {
      if (!this.flat.has(s.k1)) this.count++;
      this.flat.set(s.k1, s);
      return;
    }
    let inner = this.nested.get(s.k1);
    if (!inner) {
      inner = new Map();
      this.nested.set(s.k1, inner);
    }
    if (!inner.has(s.k2)) this.count++;
    inner.set(s.k2, s);
  }

  delete(s: S): void {
    if (s.k2 < 0) {
      if (this.flat.delete(s.k1)) this.count--;
      return;
    }
    const inner = this.nested.get(s.k1);
    if (inner && inner.delete(s.k2)) {
      this.count--;
      if (inner.size === 0) this.nested.delete(s.k1);
    }
  }

  forEach(f: (s: S) => void): void {
    for (const s of this.flat.values()) f(s);
    for (const inner of this.nested.values()) for (const s of inner.values()) f(s);
  }

  /** Every state, then empty (for re-keying after ids change). */
  takeAll(): S[] {
    const all: S[] = [];
    this.forEach((s) => all.push(s));
    this.flat = new Map();
    this.nested = new Map();
    this.count = 0;
    return all;
  }

  /**
   * Remove the least recently touched states until `target` remain, calling `onEvict` for each
   * (so an open episode can still be reported). Sorting is O(n log n) but runs only when the limit
   * is crossed, and removes a quarter of the states each time.
   */
  evictOldest(target: number, onEvict: (s: S) => void): number {
    if (this.count <= target) return 0;
    const all: S[] = [];
    this.forEach((s) => all.push(s));
    all.sort((a, b) => a.lastMs - b.lastMs);
    const drop = this.count - target;
    for (let i = 0; i < drop; i++) {
      onEvict(all[i]);
      this.delete(all[i]);
    }
    return drop;
  }
}
