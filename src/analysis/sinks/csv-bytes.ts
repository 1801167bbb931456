/**
 * CSV rows formatted straight into one Buffer per batch: the cells flows_scored.csv writes for
 * every flow (decimal integers, six significant digits, ISO times, addresses) become bytes without
 * a string per cell, a string per row and a join per batch (the collector's work was most of the
 * writer's time). The text is the same, byte for byte, as the string forms it replaces:
 * `sig6` (numbers.ts), `String(integer)`, `Date#toISOString`.
 */
import { sig6 } from '../numbers.js';

const ZERO = 48;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
const NEEDS_QUOTES = /[",\n\r]/;
const QUOTES = /"/g;
/** above this many characters text() hands the string to Buffer#write */
const LONG_TEXT = 32;
const EMPTY = Buffer.alloc(0);

export class CsvBytes {
  buf: Buffer;
  at = 0;
  private readonly capacity: number;

  constructor(capacity = 1 << 16) {
    this.capacity = capacity;
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** room for `n` more bytes */
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n, this.capacity));
    this.buf.copy(b, 0, 0, this.at);
    this.buf = b;
  }

  /**
   * The bytes so far, handed over. The next row gets a buffer of the first size when it is
   * written, not now: a batch's writer is most often dropped after its one take().
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.at);
    this.buf = EMPTY;
    this.at = 0;
    return out;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.at++] = c;
  }

  /** short text, most often ASCII (addresses, times, words we chose); any other text as UTF-8 */
  text(s: string): void {
    const n = s.length;
    // longer text (reasons) is cheaper through the native encoder: UTF-8 of ASCII is the same bytes
    if (n > LONG_TEXT) {
      this.utf8(s);
      return;
    }
    this.room(n);
    const b = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) {
        this.utf8(s);
        return;
      }
      b[at++] = c;
    }
    this.at = at;
  }

  /** bytes encoded beforehand (a cell repeated row after row) */
  bytes(src: Uint8Array): void {
    const n = src.length;
    this.room(n);
    const b = this.buf;
    const at = this.at;
    // TypedArray#set is a memcpy after a fixed cost: measured faster than a byte loop from ~12 bytes
    // on (4x at the 60 bytes of a typical reason)
    if (n > 12) b.set(src, at);
    else for (let i = 0; i < n; i++) b[at + i] = src[i];
    this.at = at + n;
  }

  /** any text (file names, reasons) */
  utf8(s: string): void {
    this.room(s.length * 3);
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  /**
   * The cell csvCell(parts.join(sep)) would make, without the joined string: quoted (inner quotes
   * doubled) when a part or the separator holds a comma, quote or line break.
   *
   * Reasons repeat: on a million-packet capture 626k parts were 1,025 distinct texts, and on
   * replay.pcap 190k rows' cells were 986 distinct lists. So a whole cell met before is copied
   * from its bytes (see Cell); else a part seen before is copied from its UTF-8 bytes, kept with
   * whether it needs quotes (see Part); a part or separator with a quote in it takes the general
   * path below.
   */
  joinedCell(parts: readonly string[], sep: string): void {
    if (parts.length === 0) return;
    const cell = knownCell(parts, sep);
    if (cell !== null && cell.bytes !== null) {
      this.bytes(cell.bytes);
      return;
    }
    const start = this.at;
    this.joinedParts(parts, sep);
    // from the second time a cell is met: its bytes, copied out (a cell met once is never copied)
    if (cell !== null && cell.seen > 1) cell.bytes = Buffer.from(this.buf.subarray(start, this.at));
  }

  private joinedParts(parts: readonly string[], sep: string): void {
    const count = parts.length;
    if (count === 0) return;
    const sepPart = count > 1 ? part(sep) : null;
    let quote = sepPart !== null && sepPart.needsQuotes;
    if (sepPart !== null && sepPart.hasQuote) {
      this.quotedCell(parts, sep);
      return;
    }
    for (let i = 0; i < count; i++) {
      const p = part(parts[i]);
      if (p.hasQuote) {
        this.quotedCell(parts, sep);
        return;
      }
      if (p.needsQuotes) quote = true;
      cellParts[i] = p;
    }
    if (quote) this.byte(34);
    for (let i = 0; i < count; i++) {
      if (i > 0) this.partBytes(sep, sepPart as Part);
      this.partBytes(parts[i], cellParts[i]);
    }
    if (quote) this.byte(34);
  }

  /** a part's text: its bytes when it has been seen before, else through text() */
  private partBytes(text: string, p: Part): void {
    if (p.bytes !== null) this.bytes(p.bytes);
    else if (p.seen > 1) {
      p.bytes = Buffer.from(text, 'utf8');
      this.bytes(p.bytes);
    } else this.text(text);
  }

  /** joinedCell's general path: any script, inner quotes doubled */
  private quotedCell(parts: readonly string[], sep: string): void {
    let quote = NEEDS_QUOTES.test(sep) && parts.length > 1;
    for (let i = 0; !quote && i < parts.length; i++) quote = NEEDS_QUOTES.test(parts[i]);
    if (quote) this.byte(34);
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) this.text(quote ? sep.replace(QUOTES, '""') : sep);
      const p = parts[i];
      this.text(quote && p.includes('"') ? p.replace(QUOTES, '""') : p);
    }
    if (quote) this.byte(34);
  }

  /** String(v) for a finite v, '' otherwise (ports: integers, whatever the input held) */
  num(v: number | undefined): void {
    if (v === undefined || !Number.isFinite(v)) return;
    if (Number.isInteger(v) && v >= 0 && v < 1e10) this.uint(v);
    else this.text(String(v));
  }

  /** String(v), whatever v is */
  int(v: number): void {
    if (Number.isInteger(v) && v >= 0 && v < 1e10) this.uint(v);
    else this.text(String(v));
  }

  /** a non-negative integer below 1e10, in decimal */
  uint(v: number): void {
    if (v < 2147483648) {
      this.int31(v | 0);
      return;
    }
    this.room(10);
    const b = this.buf;
    let at = this.at;
    let d = 1;
    while (d < 10 && v >= POW10[d]) d++;
    at += d;
    this.at = at;
    for (let i = 0; i < d; i++) {
      const q = Math.floor(v / 10);
      b[--at] = ZERO + (v - q * 10);
      v = q;
    }
  }

  /** a non-negative int32 in decimal: the digits by integer division (a multiply), not a double's */
  private int31(v: number): void {
    this.room(10);
    const b = this.buf;
    let d = 1;
    while (d < 10 && v >= POW10[d]) d++;
    let at = this.at + d;
    this.at = at;
    for (let i = 0; i < d; i++) {
      const q = (v / 10) | 0;
      b[--at] = ZERO + v - q * 10;
      v = q;
    }
  }

  /**
   * Date#toISOString of epoch ms (the fraction of a millisecond dropped, as Date does), nothing
   * when the time is unknown. The date and time of day are worked out from the number (days to a
   * civil date), not through a Date and its string: flows of a capture end out of time order, so
   * a second's text made once was remade for most rows (7 MB of garbage on a million packets).
   */
  isoTime(ms: number): void {
    if (!Number.isFinite(ms)) return;
    // years 0000-9999 only: Date writes others with a sign and six digits
    if (!(ms >= -62167219200000 && ms < 253402300800000)) {
      this.text(new Date(ms).toISOString());
      return;
    }
    // Date keeps the whole milliseconds toward zero
    const whole = Math.trunc(ms);
    const second = Math.floor(whole / 1000);
    if (second !== isoSecond) {
      isoSecond = second;
      isoPrefixInto(isoPrefix, second);
    }
    const milli = whole - second * 1000;
    this.room(24);
    const b = this.buf;
    const at = this.at;
    b.set(isoPrefix, at);
    const h = (milli / 100) | 0;
    const t = ((milli / 10) | 0) - h * 10;
    b[at + 20] = ZERO + h;
    b[at + 21] = ZERO + t;
    b[at + 22] = ZERO + (milli - h * 100 - t * 10);
    b[at + 23] = 90;
    this.at = at + 24;
  }

  /**
   * sig6(x) as bytes. In sig6's fast range (1e-4 ≤ |x| < 1e5) its text is String(m / 10^k) for
   * the integer m = round(x · 10^k), k = 5 − ⌊log10 |x|⌋ in 1..9: m has at most seven digits, so
   * that double's shortest round-trip text is m's digits with the point k places from the right,
   * trailing zeros dropped. The same m and k are computed here, the digits written directly.
   * Outside that range sig6's own text.
   */
  sig6(x: number): void {
    if (!Number.isFinite(x)) return;
    const a = Math.abs(x);
    if (!(a >= 1e-4 && a < 1e5)) {
      this.text(sig6(x));
      return;
    }
    const k = 5 - decade(a);
    // k is 1..9 here, and 10 ** k is exactly POW10[k]
    const scale = POW10[k];
    let m = Math.round(x * scale);
    this.room(24);
    const b = this.buf;
    let at = this.at;
    if (m < 0) {
      b[at++] = 45;
      m = -m;
    }
    // |m| ≤ 10^6 and 10^k ≤ 10^9: every step below is int32 arithmetic
    const mi = m | 0;
    const p = POW10[k];
    const whole = (mi / p) | 0;
    let frac = mi - whole * p;
    this.at = at;
    this.int31(whole);
    if (frac === 0) return;
    at = this.at;
    // drop trailing zeros of the k fraction digits
    let digits = k;
    let q = (frac / 10) | 0;
    while (frac - q * 10 === 0) {
      frac = q;
      q = (frac / 10) | 0;
      digits--;
    }
    b[at++] = 46;
    at += digits;
    this.at = at;
    for (let i = 0; i < digits; i++) {
      q = (frac / 10) | 0;
      b[--at] = ZERO + frac - q * 10;
      frac = q;
    }
  }
}

/**
 * What joinedCell knows about a text it met: whether it needs quotes, holds a quote, and (from
 * the second time it is met) its UTF-8 bytes, so text met once is never encoded twice.
 */
interface Part {
  readonly needsQuotes: boolean;
  readonly hasQuote: boolean;
  seen: number;
  bytes: Buffer | null;
}

/**
 * A reasons cell met before, as a node of a trie over its parts (a cell's text is a function of
 * its parts and separator alone): its separator and, from the second time it is met, its bytes.
 * Cells share their first parts (the detectors' sentence), so a cell is found part by part, each a
 * lookup of a string whose hash it keeps, not by comparing lists.
 */
interface Cell {
  next: Map<string, Cell> | null;
  /** the separator of the cell ending here ('' when none ends here yet) */
  sep: string;
  seen: number;
  bytes: Buffer | null;
}

const newCell = (): Cell => ({ next: null, sep: '', seen: 0, bytes: null });
/** the trie's root, and how many cells it holds (at most CELLS_KEPT: then forgotten all at once) */
let cellRoot = newCell();
let cellsKept = 0;
const CELLS_KEPT = 4096;

/** The cell of these parts, met before or recorded now; null when one with another separator ends there (then it is written part by part). */
function knownCell(parts: readonly string[], sep: string): Cell | null {
  if (cellsKept >= CELLS_KEPT) {
    cellRoot = newCell();
    cellsKept = 0;
  }
  let c = cellRoot;
  for (let i = 0; i < parts.length; i++) {
    let next = c.next;
    if (next === null) next = c.next = new Map();
    let d = next.get(parts[i]);
    if (d === undefined) {
      d = newCell();
      next.set(parts[i], d);
      cellsKept++;
    }
    c = d;
  }
  if (c.seen === 0) c.sep = sep;
  else if (c.sep !== sep) return null;
  c.seen++;
  return c;
}

/** parts met lately, at most PARTS_KEPT (then forgotten all at once: inputs whose reasons never repeat cost a lookup each) */
const parts = new Map<string, Part>();
const PARTS_KEPT = 4096;
/** the parts of the cell being written, as part() found them */
const cellParts: Part[] = [];

function part(text: string): Part {
  let p = parts.get(text);
  if (p === undefined) {
    if (parts.size >= PARTS_KEPT) parts.clear();
    p = { needsQuotes: NEEDS_QUOTES.test(text), hasQuote: text.includes('"'), seen: 0, bytes: null };
    parts.set(text, p);
  }
  p.seen++;
  return p;
}

/** the powers of ten from 1e-4 to 1e5, as decade() compares with them */
const DECADES = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1e3, 1e4, 1e5];

/**
 * Math.floor(Math.log10(a)) for 1e-4 ≤ a < 1e5, without the logarithm: by comparisons, and from
 * Math.log10 itself within a millionth of a millionth of a power of ten, where its rounding (not
 * the comparison) decides what sig6 writes.
 */
function decade(a: number): number {
  const d = a < 1 ? (a < 1e-2 ? (a < 1e-3 ? 0 : 1) : a < 1e-1 ? 2 : 3) : a < 100 ? (a < 10 ? 4 : 5) : a < 1e4 ? (a < 1e3 ? 6 : 7) : 8;
  const low = DECADES[d];
  const high = DECADES[d + 1];
  if (a - low < low * 1e-12 || high - a < high * 1e-12) return Math.floor(Math.log10(a));
  return d - 4;
}

/** the second isoPrefix holds ("2017-07-07T12:59:21."), reused while rows stay in that second */
let isoSecond = NaN;
const isoPrefix = new Uint8Array(20);

/** two decimal digits of 0-99 at `at` */
function two(b: Uint8Array, at: number, v: number): void {
  const t = (v / 10) | 0;
  b[at] = ZERO + t;
  b[at + 1] = ZERO + v - t * 10;
}

/**
 * "YYYY-MM-DDTHH:MM:SS." of a whole second since the epoch (proleptic Gregorian, years 0-9999),
 * as Date#toISOString writes it. Days to year, month and day by the 400-year era count of
 * civil-from-days (eras of 146,097 days, years counted from March so leap days fall last).
 */
export function isoPrefixInto(b: Uint8Array, second: number): void {
  const days = Math.floor(second / 86400);
  let sod = second - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  two(b, 0, (year / 100) | 0);
  two(b, 2, year % 100);
  b[4] = 45;
  two(b, 5, month);
  b[7] = 45;
  two(b, 8, day);
  b[10] = 84;
  const hour = (sod / 3600) | 0;
  sod -= hour * 3600;
  const minute = (sod / 60) | 0;
  two(b, 11, hour);
  b[13] = 58;
  two(b, 14, minute);
  b[16] = 58;
  two(b, 17, sod - minute * 60);
  b[19] = 46;
}
