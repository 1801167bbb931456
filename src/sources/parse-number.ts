/**
 * Numbers straight from CSV bytes, without making a string per cell.
 *
 * Why our own: `Number(buf.toString(...))` allocates a string per cell, and on a numeric CSV that is
 * most of the reading time. The result is always the double `Number(text)` gives (correct rounding):
 *  - up to 15 significant digits with a decimal exponent within ±22 (most cells): one exact
 *    integer times or divided by one exact power of ten, which IEEE arithmetic rounds correctly
 *    (Clinger's fast path);
 *  - 16 to 19 digits (CICFlowMeter writes rates and means with 17): the integer is held exactly as
 *    a sum of two doubles, scaled in double-double arithmetic (error below 2^-100 relative), and
 *    rounded once; when that rounding is too close to call (the value within 2^-30 ulp of a
 *    half-way point) we do not guess;
 *  - anything else, and the too-close cases: `Number` on a short latin1 string, after the syntax
 *    has been checked here, so every path accepts the same language.
 *
 * Accepted: optional sign, digits with an optional fraction (`1`, `1.`, `.5`), an optional exponent,
 * blanks around the value; empty or blank cells, `NaN`/`nan`, and `inf`/`Infinity` (any case, with
 * a sign) as NaN / ±Infinity. Not accepted: thousands separators, hex (see `parsePort`), `1e`, `.`.
 */

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

const SPACE = 32;
const TAB = 9;

export function parseNumber(b: Uint8Array, start: number, end: number): number | undefined {
  return parseNumberInto(b, start, end, scratch, 0) ? scratch[0] : undefined;
}

const scratch = new Float64Array(1);

/**
 * The same, writing the value to out[at] and returning false for text that is not a number. Hot
 * loops use this form: a double returned from a call that is not inlined is boxed on the heap,
 * one allocation per cell.
 */
export function parseNumberInto(b: Uint8Array, start: number, end: number, out: Float64Array, at: number): boolean {
  // the lean path, small enough to stay fast: [-]digits[.digits], at most 15 digits, nothing else
  let i = start;
  const neg = i < end && b[i] === 45; /* - */
  if (neg) i++;
  let mant = 0;
  const intStart = i;
  while (i < end) {
    const d = b[i] - 48;
    if (d >>> 0 > 9) break;
    mant = mant * 10 + d;
    i++;
  }
  const intEnd = i;
  let fracStart = i;
  if (i < end && b[i] === 46 /* . */) {
    i++;
    fracStart = i;
    while (i < end) {
      const d = b[i] - 48;
      if (d >>> 0 > 9) break;
      mant = mant * 10 + d;
      i++;
    }
  }
  if (i === end) {
    const frac = i - fracStart;
    const digits = intEnd - intStart + frac;
    if (digits > 0 && digits <= 15) {
      const v = frac === 0 ? mant : mant / POW10[frac];
      out[at] = neg ? -v : v;
      return true;
    }
    // CICFlowMeter's 17-digit rates: straight to the exact long path
    if (digits > 15 && frac <= 22 && longDigits(b, intStart, intEnd, fracStart, i, -frac)) {
      out[at] = neg ? -R[2] : R[2];
      return true;
    }
  }
  return parseGeneral(b, start, end, out, at);
}

/** Every form the header comment lists (blanks, +, exponents, words, long digit strings). */
function parseGeneral(b: Uint8Array, start: number, end: number, out: Float64Array, at: number): boolean {
  let s = start;
  let e = end;
  while (s < e && (b[s] === SPACE || b[s] === TAB)) s++;
  while (e > s && (b[e - 1] === SPACE || b[e - 1] === TAB)) e--;
  if (s === e) {
    out[at] = NaN;
    return true;
  }
  let i = s;
  let neg = false;
  const c = b[i];
  if (c === 45 /* - */) {
    neg = true;
    i++;
  } else if (c === 43 /* + */) i++;
  // hot loop: every digit into one double; exact while there are at most 15 digits in all
  let mant = 0;
  const intStart = i;
  while (i < e) {
    const d = b[i] - 48;
    if (d >>> 0 > 9) break;
    mant = mant * 10 + d;
    i++;
  }
  const intEnd = i;
  let fracStart = i;
  if (i < e && b[i] === 46 /* . */) {
    i++;
    fracStart = i;
    while (i < e) {
      const d = b[i] - 48;
      if (d >>> 0 > 9) break;
      mant = mant * 10 + d;
      i++;
    }
  }
  const fracEnd = i;
  const digits = intEnd - intStart + (fracEnd - fracStart);
  let exp = fracStart - fracEnd;
  if (digits === 0) {
    const w = parseWord(b, i, e, neg);
    if (w === undefined) return false;
    out[at] = w;
    return true;
  }
  if (i < e && (b[i] === 101 || b[i] === 69) /* e E */) {
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      eneg = b[i] === 45;
      i++;
    }
    let x = 0;
    let xd = 0;
    while (i < e) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) break;
      if (x < 1e6) x = x * 10 + d;
      xd++;
      i++;
    }
    if (xd === 0) return false;
    exp += eneg ? -x : x;
  }
  if (i !== e) return false;
  if (exp >= -22 && exp <= 22) {
    if (digits <= 15) {
      const v = exp === 0 ? mant : exp > 0 ? mant * POW10[exp] : mant / POW10[-exp];
      out[at] = neg ? -v : v;
      return true;
    }
    if (longDigits(b, intStart, intEnd, fracStart, fracEnd, exp)) {
      out[at] = neg ? -R[2] : R[2];
      return true;
    }
  }
  // slow path: the text is known to be a valid decimal here, so Number reads it the same way
  out[at] = Number(latin1(b, s, e));
  return true;
}

/**
 * More than 15 digits: split the significant ones (leading zeros skipped) into the first 15 and
 * up to 4 more, and scale exactly. False when there are more than 19 significant digits or the
 * scale leaves ±22 (the caller falls back to Number).
 */
function longDigits(b: Uint8Array, intStart: number, intEnd: number, fracStart: number, fracEnd: number, exp0: number): boolean {
  let mant = 0;
  let extra = 0;
  let extraDigits = 0;
  let sig = 0;
  let exp = exp0;
  for (let i = intStart; i < fracEnd; i++) {
    if (i === intEnd) i = fracStart;
    if (i >= fracEnd) break;
    const d = b[i] - 48;
    if (sig === 0 && d === 0) continue;
    if (sig < 15) mant = mant * 10 + d;
    else if (sig < 19) {
      extra = extra * 10 + d;
      extraDigits++;
    } else if (d !== 0) return false;
    sig++;
  }
  // digits after the 19th are zeros (else we gave up): N = N19 * 10^(dropped digits)
  if (sig > 19) exp += sig - 19;
  if (exp < -22 || exp > 22) return false;
  if (sig <= 15) {
    R[2] = exp === 0 ? mant : exp > 0 ? mant * POW10[exp] : mant / POW10[-exp];
    return true;
  }
  return scaleExact(mant, extra, extraDigits, exp);
}

// results of twoProduct / scaleExact: [product high, product low, scaled value] (a typed array
// rather than module variables or a returned object: no allocation, no hole checks)
const R = new Float64Array(3);

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's constant

/** a * b as R[0] + R[1] exactly (Dekker's product; |a|, |b| far below 2^996). */
function twoProduct(a: number, b: number): void {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  R[0] = p;
  R[1] = ah * bh - p + ah * bl + al * bh + al * bl;
}

const bits = new Float64Array(1);
const bitsHi = new Uint32Array(bits.buffer, bits.byteOffset + 4, 1); // little-endian high word (all Node targets)
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * (mant * 10^extraDigits + extra) * 10^exp correctly rounded into R[2]; false when the rounding is
 * too close to a half-way point to decide without more precision.
 */
function scaleExact(mant: number, extra: number, extraDigits: number, exp: number): boolean {
  if (!LITTLE_ENDIAN) return false;
  // the integer, exactly, as xh + xl
  twoProduct(mant, POW10[extraDigits]);
  const ph = R[0];
  let xh = ph + extra;
  const bv = xh - ph;
  let xl = ph - (xh - bv) + (extra - bv) + R[1];
  let t = xh + xl;
  xl = xl - (t - xh);
  xh = t;
  // scale by 10^exp (exact double for |exp| <= 22)
  let qh: number;
  let ql: number;
  if (exp < 0) {
    const D = POW10[-exp];
    qh = xh / D;
    twoProduct(qh, D);
    ql = (xh - R[0] - R[1] + xl) / D;
  } else if (exp > 0) {
    const D = POW10[exp];
    twoProduct(xh, D);
    qh = R[0];
    ql = R[1] + xl * D;
  } else {
    qh = xh;
    ql = xl;
  }
  const v = qh + ql;
  const err = qh - v + ql; // what rounding v dropped
  bits[0] = v;
  const e = (bitsHi[0] >>> 20) & 0x7ff;
  if (e <= 53 || e === 0x7ff) return false;
  const ulp = ULP[e];
  const off = Math.abs(Math.abs(err) - ulp / 2);
  if (off <= ulp * 9.313225746154785e-10 /* 2^-30 */) return false;
  R[2] = v;
  return true;
}

/** ULP[e] = 2^(e - 1075): the spacing of doubles whose biased exponent is e. */
const ULP = new Float64Array(2048).map((_, e) => Math.pow(2, e - 1075));

function latin1(b: Uint8Array, s: number, e: number): string {
  if (b instanceof Buffer) return b.toString('latin1', s, e);
  let t = '';
  for (let k = s; k < e; k++) t += String.fromCharCode(b[k]);
  return t;
}

/** `nan`, `inf`, `infinity` in any case (the sign was already consumed). */
function parseWord(b: Uint8Array, i: number, e: number, neg: boolean): number | undefined {
  const n = e - i;
  if (n !== 3 && n !== 8) return undefined;
  let w = '';
  for (let k = i; k < e; k++) w += String.fromCharCode(b[k] | 0x20);
  if (w === 'nan') return NaN;
  if (w === 'inf' || w === 'infinity') return neg ? -Infinity : Infinity;
  return undefined;
}

/**
 * A port number: decimal, or hexadecimal with 0x (UNSW-NB15 writes some ports as `0x000b`).
 * Empty, blank and `-` (no port for this protocol) are missing (NaN).
 */
export function parsePort(b: Uint8Array, start: number, end: number): number | undefined {
  return parsePortInto(b, start, end, scratch, 0) ? scratch[0] : undefined;
}

export function parsePortInto(b: Uint8Array, start: number, end: number, out: Float64Array, at: number): boolean {
  let s = start;
  let e = end;
  while (s < e && (b[s] === SPACE || b[s] === TAB)) s++;
  while (e > s && (b[e - 1] === SPACE || b[e - 1] === TAB)) e--;
  if (s === e || (e - s === 1 && b[s] === 45)) {
    out[at] = NaN;
    return true;
  }
  if (e - s > 2 && b[s] === 48 && (b[s + 1] === 120 || b[s + 1] === 88) /* 0x */) {
    let v = 0;
    for (let i = s + 2; i < e; i++) {
      const c = b[i] | 0x20;
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    out[at] = v;
    return true;
  }
  return parseNumberInto(b, s, e, out, at);
}
