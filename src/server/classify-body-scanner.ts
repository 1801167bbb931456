/**
 * POST /classify's body read straight from its bytes into the model's row, for the fast path
 * (classify-fast-path.ts): one pass over the ~700 bytes of seed 004's 31 fields, no string for the
 * body, no object, no schema walk, no property reads: ~1.4 µs of CPU for seed 004's curl body,
 * where the text, JSON.parse, the schema check and the row encoder took ~3.6 µs together.
 *
 * Exactness first: the scanner takes only a body it can read exactly and knows to be valid, and
 * says "not mine" about anything else, which then goes the generic way (json-body.ts, the
 * compiled schema check, row-encoder.ts's encode) and gets its answer or its 400 from there, in
 * the same words as before. A body is taken when it is one JSON object (JSON whitespace only)
 * holding each of the 31 fields exactly once and nothing else; each integer field a number
 * (at most 15 digits, no sign, no exponent) that is a whole number, each fraction field a number
 * from 0 to 1, each category a string of 1 to 64 ASCII characters, no escapes, that the model saw
 * in training. Those are the bodies the schema (schemas.ts ClassifyBody) accepts and the encoder
 * encodes without an error, and the row is the encoder's: a number of at most 15 digits is
 * digits / 10^(fraction digits), both exact doubles and one correctly rounded division, the very
 * double JSON.parse makes; each value goes through the encoder's own steps (putValue), and a model
 * input no seed field provides is missing, as encode has it.
 *
 * A model whose inputs take a seed field as another kind than the seed sends it (a number as a
 * category, say) gets no scanner: every body of it goes the generic way.
 */
import type { RowEncoder } from './row-encoder.js';
import { SEED_FIELDS } from './seed-fields.js';

/** Reads a body into `row` (encoder.width values) and returns true, or returns false: not mine. */
export type BodyScanner = (body: Uint8Array, row: Float64Array) => boolean;

const POW10 = Float64Array.from({ length: 16 }, (_, i) => 10 ** i);
/** significant digits read exactly (10^15 < 2^53) */
const MAX_DIGITS = 15;
/** the schema's maxLength of a category */
const MAX_CATEGORY = 64;

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const DOT = 0x2e;
const ZERO = 0x30;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;

function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = FNV_OFFSET;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return h;
}

/**
 * ASCII byte strings to their index (seed names, a field's categories): open addressing on an
 * FNV-1a hash, the bytes compared on a hit. A value listed twice takes its last index, as the
 * encoder's Map does.
 */
class ByteNames {
  private readonly table: Int32Array;
  private readonly mask: number;
  constructor(private readonly names: readonly Uint8Array[]) {
    let size = 16;
    while (size < names.length * 4) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    names.forEach((n, i) => {
      let k = hashBytes(n, 0, n.length) & this.mask;
      while (this.table[k] !== 0 && !this.is(this.table[k] - 1, n, 0, n.length)) k = (k + 1) & this.mask;
      this.table[k] = i + 1;
    });
  }
  /** is b[s, e) name i */
  private is(i: number, b: Uint8Array, s: number, e: number): boolean {
    const n = this.names[i];
    if (n.length !== e - s) return false;
    for (let j = 0; j < n.length; j++) if (n[j] !== b[s + j]) return false;
    return true;
  }
  find(b: Uint8Array, s: number, e: number): number {
    return this.findHashed(hashBytes(b, s, e), b, s, e);
  }
  /** `h` is hashBytes(b, s, e) */
  findHashed(h: number, b: Uint8Array, s: number, e: number): number {
    for (let k = h & this.mask; ; k = (k + 1) & this.mask) {
      const i = this.table[k];
      if (i === 0) return -1;
      if (this.is(i - 1, b, s, e)) return i - 1;
    }
  }
}

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

export function compileBodyScanner(enc: RowEncoder): BodyScanner | undefined {
  const nSeed = SEED_FIELDS.length;
  if (nSeed > 31) return undefined; // one bit per field in a 32-bit mask
  const seedIndex = new Map(SEED_FIELDS.map(([n], i) => [n, i]));
  const nameBytes = SEED_FIELDS.map(([n]) => ascii(n));
  const seedNames = new ByteNames(nameBytes);
  /** per seed field: 0 integer, 1 fraction, 2 category */
  const kind = Int8Array.from(SEED_FIELDS, ([, t]) => (t === 'integer' ? 0 : t === 'number' ? 1 : 2));
  /** per seed field: the encoder field it feeds, -1 none (a field the model does not read) */
  const target = new Int32Array(nSeed).fill(-1);
  /** per seed category field: its known values (code = index) */
  const categories: (ByteNames | undefined)[] = new Array(nSeed).fill(undefined);
  /** encoder fields no seed field provides, and whether each is numeric */
  const missing: number[] = [];
  const missingNumeric: boolean[] = [];
  const fields = enc.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    // encode reads rec[names[0]], then rec[names[1]] when that is undefined; every seed field is in
    // a body the scanner takes and nothing else is, so the source is the first seed name
    const name = f.names.find((n) => seedIndex.has(n));
    // a name that is no seed field reads undefined from a parsed body, unless Object.prototype has it
    for (const n of f.names.slice(0, name === undefined ? f.names.length : f.names.indexOf(name))) if (n in Object.prototype) return undefined;
    if (name === undefined) {
      missing.push(i);
      missingNumeric.push(f.numeric);
      continue;
    }
    const s = seedIndex.get(name)!;
    if (f.numeric !== (kind[s] !== 2)) return undefined;
    if (target[s] !== -1) return undefined; // two model inputs from one field: leave it to encode
    target[s] = i;
    if (!f.numeric) {
      if (f.categories.some((c) => !/^[\x20-\x7e]*$/.test(c) || c.includes('"') || c.includes('\\'))) return undefined;
      categories[s] = new ByteNames(f.categories.map(ascii));
    }
  }
  const all = 2 ** nSeed - 1;

  return (b, row) => {
    const n = b.length;
    let p = 0;
    while (p < n && isSpace(b[p])) p++;
    if (p >= n || b[p] !== OPEN) return false;
    p++;
    enc.start(row, 0);
    let seen = 0;
    let guess = 0;
    for (;;) {
      while (p < n && isSpace(b[p])) p++;
      if (p >= n || b[p] !== QUOTE) return false;
      // the key: mostly the field after the last one (clients send seed 004's order), else any seed name
      const ks = ++p;
      let s = -1;
      if (guess < nSeed) {
        const name = nameBytes[guess];
        const ke = ks + name.length;
        if (ke < n && b[ke] === QUOTE) {
          let j = 0;
          while (j < name.length && name[j] === b[ks + j]) j++;
          if (j === name.length) {
            s = guess;
            p = ke + 1;
          }
        }
      }
      if (s < 0) {
        while (p < n && b[p] !== QUOTE) {
          if (b[p] === BACKSLASH) return false;
          p++;
        }
        if (p >= n) return false;
        s = seedNames.find(b, ks, p++);
      }
      if (s < 0 || (seen & (1 << s)) !== 0) return false;
      seen |= 1 << s;
      guess = s + 1;
      while (p < n && isSpace(b[p])) p++;
      if (p >= n || b[p] !== COLON) return false;
      p++;
      while (p < n && isSpace(b[p])) p++;
      if (p >= n) return false;
      const t = target[s];
      if (kind[s] === 2) {
        if (b[p] !== QUOTE) return false;
        const vs = ++p;
        let h = FNV_OFFSET;
        while (p < n && b[p] !== QUOTE) {
          const c = b[p];
          if (c < 0x20 || c > 0x7e || c === BACKSLASH) return false;
          h = Math.imul(h ^ c, FNV_PRIME);
          p++;
        }
        if (p >= n) return false;
        const ve = p++;
        if (ve === vs || ve - vs > MAX_CATEGORY) return false;
        if (t >= 0) {
          const code = categories[s]!.findHashed(h, b, vs, ve);
          if (code < 0) return false;
          enc.putValue(t, code, row, 0);
        }
      } else {
        // a number: 0 or [1-9][0-9]*, then maybe . [0-9]+ ; no sign, no exponent
        let c = b[p];
        if (c < ZERO || c > ZERO + 9) return false;
        let m = 0;
        let digits = 0;
        if (c === ZERO) {
          p++;
          digits = 1;
        } else {
          while (p < n && (c = b[p]) >= ZERO && c <= ZERO + 9) {
            m = m * 10 + (c - ZERO);
            digits++;
            p++;
          }
        }
        let frac = 0;
        if (p < n && b[p] === DOT) {
          p++;
          while (p < n && (c = b[p]) >= ZERO && c <= ZERO + 9) {
            m = m * 10 + (c - ZERO);
            frac++;
            p++;
          }
          if (frac === 0) return false;
        }
        if (digits + frac > MAX_DIGITS) return false;
        if (p < n && ((c = b[p]) === 0x65 || c === 0x45)) return false; // exponent
        const v = frac === 0 ? m : m / POW10[frac];
        // the schema: integers whole (at most 15 digits are below MAX_SAFE_INTEGER), fractions at most 1
        if (kind[s] === 0 ? frac !== 0 && Math.floor(v) !== v : v > 1) return false;
        if (t >= 0) enc.putValue(t, v, row, 0);
      }
      while (p < n && isSpace(b[p])) p++;
      if (p >= n) return false;
      if (b[p] === COMMA) {
        p++;
        continue;
      }
      if (b[p] !== CLOSE) return false;
      p++;
      break;
    }
    while (p < n && isSpace(b[p])) p++;
    if (p !== n || seen !== all) return false;
    for (let k = 0; k < missing.length; k++) enc.putValue(missing[k], missingNumeric[k] ? NaN : -1, row, 0);
    return true;
  };
}
