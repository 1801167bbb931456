/**
 * Which listed networks contain an address, for feeds of a million CIDRs and lookups by the
 * hundred thousand: the address space cut into sorted disjoint segments, each pointing at the
 * innermost listed network covering it, found by binary search.
 *
 * CIDR blocks never partly overlap (two prefixes are nested or disjoint), so the blocks covering
 * any point form a chain, and one sweep over the blocks sorted by (start, size) with a stack of
 * open blocks gives both the segments and each block's parent (the next block out). A lookup is
 * one binary search (~21 steps over 2 M segments) and then a walk up the parents for every match
 * (duplicates listed by two feeds become parent and child, so both are found).
 *
 * Flat typed arrays only: IPv4 starts in a Uint32Array, IPv6 starts as four words each; no object
 * per prefix. Sorting IPv4 is an LSD radix sort (prefix, low 16 bits, high 16 bits), ~10× faster
 * than a comparator sort at a million entries. IPv6 lists are small in practice and use a
 * comparator.
 *
 * Why our own: Node's net.BlockList answers yes/no in linear time per rule list and cannot say
 * which entry matched; no maintained npm package does laminar interval indexing on typed arrays.
 *
 * Entry ids are the caller's (the feed loader keeps what each id means); this file knows nothing
 * about feeds.
 */

class GrowU32 {
  a = new Uint32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  view(): Uint32Array {
    return this.a.subarray(0, this.n);
  }
}

const TWO32 = 4294967296;

export class CidrIndexBuilder {
  private readonly v4Start = new GrowU32();
  private readonly v4Prefix = new GrowU32();
  private readonly v4Id = new GrowU32();
  private readonly v6Words = new GrowU32();
  private readonly v6Prefix = new GrowU32();
  private readonly v6Id = new GrowU32();

  get size(): number {
    return this.v4Start.n + this.v6Prefix.n;
  }

  /** An IPv4 block: `start` as an unsigned 32-bit number (host bits are cleared here). */
  add4(start: number, prefix: number, id: number): void {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    this.v4Start.push((start & mask) >>> 0);
    this.v4Prefix.push(prefix);
    this.v4Id.push(id);
  }

  /** An IPv6 block: four big-endian words (host bits are cleared here). */
  add6(words: ArrayLike<number>, prefix: number, id: number): void {
    for (let w = 0; w < 4; w++) {
      const keep = Math.max(0, Math.min(32, prefix - w * 32));
      this.v6Words.push(keep === 0 ? 0 : keep === 32 ? words[w] >>> 0 : (words[w] & (~0 << (32 - keep))) >>> 0);
    }
    this.v6Prefix.push(prefix);
    this.v6Id.push(id);
  }

  build(): CidrIndex {
    return new CidrIndex(buildV4(this.v4Start.view(), this.v4Prefix.view(), this.v4Id.view()), buildV6(this.v6Words.view(), this.v6Prefix.view(), this.v6Id.view()));
  }
}

/** One family's index: segments (start, innermost block) and blocks (caller id, parent block). */
interface Family {
  /** segment starts: 1 word per segment (IPv4) or 4 (IPv6) */
  readonly segStart: Uint32Array;
  /** innermost block covering the segment, or -1 */
  readonly segBlock: Int32Array;
  readonly segments: number;
  /** per block (in sorted order): the caller's id and the enclosing block (or -1) */
  readonly ids: Uint32Array;
  readonly parent: Int32Array;
  /** per block: start word(s) and prefix, to print the network */
  readonly starts: Uint32Array;
  readonly prefixes: Uint8Array;
}

function counting(order: Uint32Array, key: (i: number) => number, buckets: number): Uint32Array {
  const count = new Uint32Array(buckets + 1);
  for (let i = 0; i < order.length; i++) count[key(order[i]) + 1]++;
  for (let b = 0; b < buckets; b++) count[b + 1] += count[b];
  const out = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const o = order[i];
    out[count[key(o)]++] = o;
  }
  return out;
}

/** Append segment (pos → block), merging with the previous one where they agree. */
function emit4(segStart: Uint32Array, segBlock: Int32Array, seg: { n: number }, pos: number, block: number): void {
  if (pos >= TWO32) return;
  const m = seg.n;
  if (m > 0 && segStart[m - 1] === pos) {
    segBlock[m - 1] = block;
    if (m > 1 && segBlock[m - 2] === block) seg.n = m - 1;
    return;
  }
  if (m > 0 && segBlock[m - 1] === block) return;
  segStart[m] = pos;
  segBlock[m] = block;
  seg.n = m + 1;
}

function buildV4(start: Uint32Array, prefix: Uint32Array, id: Uint32Array): Family {
  const n = start.length;
  let order: Uint32Array = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // stable LSD radix: the last pass is the most significant key
  order = counting(order, (i) => prefix[i], 33);
  order = counting(order, (i) => start[i] & 0xffff, 65536);
  order = counting(order, (i) => start[i] >>> 16, 65536);
  const starts = new Uint32Array(n);
  const prefixes = new Uint8Array(n);
  const ids = new Uint32Array(n);
  const ends = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const o = order[k];
    starts[k] = start[o];
    prefixes[k] = prefix[o];
    ids[k] = id[o];
    ends[k] = start[o] + 2 ** (32 - prefix[o]) - 1;
  }
  const parent = new Int32Array(n);
  // every block adds at most two boundaries: no growth, and no closure over reassigned arrays (hot loop)
  const segStart = new Uint32Array(2 * n + 1);
  const segBlock = new Int32Array(2 * n + 1);
  const seg = { n: 0 };
  // duplicates (one network in several feeds) nest, so the depth is not bounded by 33
  const stack: number[] = [];
  let top = 0;
  for (let k = 0; k < n; k++) {
    const s = starts[k];
    while (top > 0 && ends[stack[top - 1]] < s) {
      const t = stack[--top];
      emit4(segStart, segBlock, seg, ends[t] + 1, top > 0 ? stack[top - 1] : -1);
    }
    parent[k] = top > 0 ? stack[top - 1] : -1;
    emit4(segStart, segBlock, seg, s, k);
    stack[top++] = k;
  }
  while (top > 0) {
    const t = stack[--top];
    emit4(segStart, segBlock, seg, ends[t] + 1, top > 0 ? stack[top - 1] : -1);
  }
  const segs = seg.n;
  return { segStart: segStart.slice(0, segs), segBlock: segBlock.slice(0, segs), segments: segs, ids, parent, starts, prefixes };
}

function cmp6(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  for (let w = 0; w < 4; w++) {
    const x = a[4 * i + w];
    const y = b[4 * j + w];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function buildV6(words: Uint32Array, prefix: Uint32Array, id: Uint32Array): Family {
  const n = prefix.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => cmp6(words, i, words, j) || prefix[i] - prefix[j] || i - j);
  const starts = new Uint32Array(4 * n);
  const endW = new Uint32Array(4 * n);
  const prefixes = new Uint8Array(n);
  const ids = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const o = order[k];
    prefixes[k] = prefix[o];
    ids[k] = id[o];
    for (let w = 0; w < 4; w++) {
      const v = words[4 * o + w];
      starts[4 * k + w] = v;
      const keep = Math.max(0, Math.min(32, prefix[o] - w * 32));
      endW[4 * k + w] = keep === 32 ? v : (v | (keep === 0 ? 0xffffffff : ~(~0 << (32 - keep)))) >>> 0;
    }
  }
  const parent = new Int32Array(n);
  const segStart = new GrowU32();
  const segBlock: number[] = [];
  const pos = new Uint32Array(4);
  const emit = (p: Uint32Array, block: number): void => {
    const m = segBlock.length;
    if (m > 0 && cmp6(segStart.a, m - 1, p, 0) === 0) {
      segBlock[m - 1] = block;
      if (m > 1 && segBlock[m - 2] === block) {
        segBlock.pop();
        segStart.n -= 4;
      }
      return;
    }
    if (m > 0 && segBlock[m - 1] === block) return;
    for (let w = 0; w < 4; w++) segStart.push(p[w]);
    segBlock.push(block);
  };
  // end + 1 into pos; false when the end is the last address
  const afterEnd = (t: number): boolean => {
    let carry = 1;
    for (let w = 3; w >= 0; w--) {
      const v = endW[4 * t + w] + carry;
      pos[w] = v >>> 0;
      carry = v >= TWO32 ? 1 : 0;
    }
    return carry === 0;
  };
  const stack: number[] = [];
  for (let k = 0; k < n; k++) {
    while (stack.length && cmp6(endW, stack[stack.length - 1], starts, k) < 0) {
      const t = stack.pop()!;
      if (afterEnd(t)) emit(pos, stack.length ? stack[stack.length - 1] : -1);
    }
    parent[k] = stack.length ? stack[stack.length - 1] : -1;
    emit(starts.subarray(4 * k, 4 * k + 4), k);
    stack.push(k);
  }
  while (stack.length) {
    const t = stack.pop()!;
    if (afterEnd(t)) emit(pos, stack.length ? stack[stack.length - 1] : -1);
  }
  return { segStart: segStart.view().slice(), segBlock: Int32Array.from(segBlock), segments: segBlock.length, ids, parent, starts, prefixes };
}

/** A matched block: which family, and its position there (use `idOf`, `networkOf`, `parentOf`). */
export type BlockRef = number;

export class CidrIndex {
  constructor(
    private readonly v4: Family,
    private readonly v6: Family,
  ) {}

  get blocks(): number {
    return this.v4.ids.length + this.v6.ids.length;
  }

  get segments(): number {
    return this.v4.segments + this.v6.segments;
  }

  /** Innermost IPv4 block containing `addr` (unsigned 32-bit), as a BlockRef ≥ 0, or -1. */
  lookup4(addr: number): BlockRef {
    const s = this.v4.segStart;
    let lo = 0;
    let hi = this.v4.segments - 1;
    if (hi < 0 || addr < s[0]) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid] <= addr) lo = mid;
      else hi = mid - 1;
    }
    return this.v4.segBlock[lo];
  }

  /** Innermost IPv6 block containing the address (four big-endian words), or -1. IPv6 refs are offset by the IPv4 count. */
  lookup6(w: ArrayLike<number>): BlockRef {
    // IPv4-mapped (::ffff:a.b.c.d) means the IPv4 address
    if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return this.lookup4(w[3] >>> 0);
    const s = this.v6.segStart;
    const m = this.v6.segments;
    const less = (i: number): boolean => {
      for (let k = 0; k < 4; k++) {
        const a = s[4 * i + k];
        const b = w[k] >>> 0;
        if (a !== b) return a < b;
      }
      return false;
    };
    const leq = (i: number): boolean => less(i) || cmpEq(s, i, w);
    if (m === 0 || !leq(0)) return -1;
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (leq(mid)) lo = mid;
      else hi = mid - 1;
    }
    const b = this.v6.segBlock[lo];
    return b < 0 ? -1 : b + this.v4.ids.length;
  }

  private fam(ref: BlockRef): [Family, number, 4 | 6] {
    return ref < this.v4.ids.length ? [this.v4, ref, 4] : [this.v6, ref - this.v4.ids.length, 6];
  }

  /** The caller's id of a block. */
  idOf(ref: BlockRef): number {
    const [f, k] = this.fam(ref);
    return f.ids[k];
  }

  /** The next block out (also matching), or -1. */
  parentOf(ref: BlockRef): BlockRef {
    const [f, k, v] = this.fam(ref);
    const p = f.parent[k];
    return p < 0 ? -1 : v === 4 ? p : p + this.v4.ids.length;
  }

  /** Every block containing the address, innermost first, as caller ids. */
  allIds(first: BlockRef): number[] {
    const out: number[] = [];
    for (let r = first; r >= 0; r = this.parentOf(r)) out.push(this.idOf(r));
    return out;
  }

  /** "10.0.0.0/8" or "2001:db8::/32" for a block. */
  networkOf(ref: BlockRef): string {
    const [f, k, v] = this.fam(ref);
    if (v === 4) {
      const a = f.starts[k];
      return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${f.prefixes[k]}`;
    }
    const groups: string[] = [];
    for (let w = 0; w < 4; w++) {
      const x = f.starts[4 * k + w];
      groups.push((x >>> 16).toString(16), (x & 0xffff).toString(16));
    }
    return `${compressV6(groups)}/${f.prefixes[k]}`;
  }
}

function cmpEq(s: Uint32Array, i: number, w: ArrayLike<number>): boolean {
  for (let k = 0; k < 4; k++) if (s[4 * i + k] !== w[k] >>> 0) return false;
  return true;
}

/** RFC 5952 text: the longest run of two or more zero groups becomes "::". */
function compressV6(groups: string[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
