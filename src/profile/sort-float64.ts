/**
 * Ascending sort of a Float64Array without NaN, by least-significant-digit radix sort on the
 * 64-bit patterns: the Mann-Whitney test sorts every numeric feature, and on a million rows the
 * built-in typed-array sort (a comparison sort) took ~70% of a dataset profile.
 *
 * How: a double's bits become an unsigned key that orders like the number (positive: set the sign
 * bit; negative: flip every bit), sorted as two 32-bit words in four passes of 16 bits each. A
 * pass whose digit is the same for every key is skipped, which is most passes for flow features
 * (small integers have all-zero low words). Then the keys are turned back into doubles.
 * -0 sorts just before +0 (they compare equal, so callers see one run of ties). Uses two scratch
 * buffers of the input's size; small inputs go to the built-in sort, which is faster there.
 *
 * Deliberately not here: NaN handling (callers drop NaN first), sorting with an index.
 */
const RADIX_MIN = 4096;

/** Sort `a` in place, ascending; `a` must not contain NaN. Returns `a`. */
export function sortFloat64(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN) return a.sort();
  // views of the same bytes as 32-bit words: word 2i is the low half on little-endian machines
  if (!LITTLE_ENDIAN) return a.sort();
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1];
    const l = words[2 * i];
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  const count = new Uint32Array(65536);
  // passes: low word low 16 bits, low word high 16, high word low 16, high word high 16
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(src[i] >>> shift) & 0xffff]++;
    // the same digit everywhere: this pass would not move anything
    if (count[(src[0] >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const d = (src[i] >>> shift) & 0xffff;
      const at = count[d]++;
      hi2[at] = hi[i];
      lo2[at] = lo[i];
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  for (let i = 0; i < n; i++) {
    const h = hi[i];
    if (h & 0x80000000) {
      words[2 * i + 1] = (h & 0x7fffffff) >>> 0;
      words[2 * i] = lo[i];
    } else {
      words[2 * i + 1] = ~h >>> 0;
      words[2 * i] = ~lo[i] >>> 0;
    }
  }
  return a;
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
