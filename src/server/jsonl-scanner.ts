/**
 * JSON lines straight from the request's bytes into model rows, for POST /v1/predict: no string
 * per line, no object per record. Each line is scanned once; a key is recognised by hashing its
 * bytes (the record field names the model reads, from the row encoder), a number is read from
 * its digits, a category by hashing its bytes against the values seen in training, and the value
 * goes through the encoder's own steps (row-encoder.ts putValue; on the layout path below, the
 * same steps read from the encoder's FieldSteps arrays and applied in place, without a call per
 * value), so the row is what `encode` would make of JSON.parse's object.
 *
 * Exactness first: the scanner takes only what it can read exactly, and hands any other line to
 * JSON.parse + encode (the same errors, naming line and field). That covers escapes in strings,
 * nested values, numbers with more than 15 digits or an exponent (those go through Number(), which
 * rounds as JSON.parse does), strings where a number is expected, a field given twice, unknown
 * categories when they are refused, and anything malformed. A number of at most 15 digits is
 * digits / 10^fraction digits: both exact doubles, one correctly rounded division, the double
 * JSON.parse gives.
 *
 * Rows are written row-major into one buffer per batch, reused: a batch is valid until the next
 * is asked for (predict.ts scores each batch before reading on).
 */
import type { Readable } from 'node:stream';
import { BatchInputError, batchTooLarge, lineTooLong } from './batch-reader.js';
import { FieldError, STEP_AFFINE, STEP_CLIP, STEP_LOG, STEP_ONEHOT, type RowEncoder } from './row-encoder.js';

export interface EncodedBatch {
  /** rows x encoder.width, row-major */
  readonly data: Float64Array;
  readonly rows: number;
  /** 1-based line number of each row */
  readonly where: Int32Array;
}

const MAX_LINE = 1 << 20;
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Byte strings to small integers: open addressing on an FNV-1a hash, the bytes compared on a hit. */
export class ByteDict {
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly keys: Uint8Array[] = [];
  private readonly ids: number[] = [];

  constructor(entries: readonly (readonly [string, number])[]) {
    let size = 16;
    while (size < entries.length * 4) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (const [text, id] of entries) {
      const k = new Uint8Array(Buffer.from(text, 'utf8'));
      if (this.keys.some((x) => Buffer.from(x).equals(k))) continue; // first wins
      let h = ByteDict.hash(k, 0, k.length) & this.mask;
      while (this.table[h] !== 0) h = (h + 1) & this.mask;
      this.keys.push(k);
      this.ids.push(id);
      this.table[h] = this.keys.length;
    }
  }

  static hash(b: Uint8Array, from: number, to: number): number {
    let h = 0x811c9dc5;
    for (let i = from; i < to; i++) h = Math.imul(h ^ b[i], 16777619);
    return h >>> 0;
  }

  /** the id of bytes b[from, to), or -1 */
  find(b: Uint8Array, from: number, to: number): number {
    const n = to - from;
    let h = ByteDict.hash(b, from, to) & this.mask;
    for (;;) {
      const slot = this.table[h];
      if (slot === 0) return -1;
      const k = this.keys[slot - 1];
      if (k.length === n) {
        let i = 0;
        while (i < n && k[i] === b[from + i]) i++;
        if (i === n) return this.ids[slot - 1];
      }
      h = (h + 1) & this.mask;
    }
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/** a line scanner: true when the row was written, false when the line needs JSON.parse */
export interface LineScanner {
  /** line [s, e): true when the row was written, false when the line needs JSON.parse */
  line(b: Uint8Array, dv: DataView, s: number, e: number, out: Float64Array, base: number): boolean;
  /**
   * A record starting at s whose end is not known yet (a JSON array's element), read by the
   * layout looking no further than e: where it ends, its row written; or -1 (nothing known).
   */
  layoutRecord(b: Uint8Array, dv: DataView, s: number, e: number, out: Float64Array, base: number): number;
}

/** value kinds of a layout position */
const NUM = 0;
const STR = 1;

/**
 * The fast path for one line: true when the row was written, false when the line needs
 * JSON.parse (the row is then rewritten from the start).
 *
 * Two steps. Records of one batch mostly share one layout: the same keys in the same order with
 * the same spacing, only the values differ. The last line the general scanner read (all values
 * numbers or strings) is kept as a layout: the bytes between values (`,"srcbytes":`), and per
 * value its field and kind. A line is first matched against it: one byte comparison per
 * separator, then the value read in place; the line then has exactly the layout's keys, so no key
 * lookup, no check for a key given twice, and the fields the layout lacks are known up front. At
 * the first byte that differs the line goes to the general scanner from its start, which reads
 * any key order and spacing (and refuses what needs JSON.parse).
 */
function compileLineScanner(enc: RowEncoder): LineScanner {
  const fields = enc.fields;
  const nf = fields.length;
  // every accepted field name has an id; records mostly repeat one key order, so the name seen at
  // each key position of the previous line is tried first (a byte comparison, no hashing)
  const names = fields.flatMap((f, i) => f.names.map((n) => ({ bytes: new Uint8Array(Buffer.from(n, 'utf8')), field: i })));
  const keyDict = new ByteDict(names.map((n, id) => [Buffer.from(n.bytes).toString('utf8'), id] as const));
  const nameField = Int32Array.from(names, (n) => n.field);
  const nameBytes = names.map((n) => n.bytes);
  const expectName = new Int32Array(256).fill(-1);
  const catDict = fields.map((f) => (f.numeric ? undefined : new ByteDict(f.categories.map((c, i) => [c, i] as const))));
  const numeric = Uint8Array.from(fields, (f) => (f.numeric ? 1 : 0));
  const ignoreUnknown = enc.unknownCategory === 'ignore';
  const seen = new Int32Array(nf);
  let generation = 0;

  // the layout (see above): separator p is sepBytes[sepAt[p], sepAt[p + 1]); separator `values` is
  // the closing one (`}`); a value's field is -1 for a key the model does not read
  const MAX_VALUES = 256;
  let values = -1; // -1: no layout yet
  let sepBytes = new Uint8Array(4096);
  const sepAt = new Int32Array(MAX_VALUES + 2);
  // the same bytes eight at a time, as the doubles their bits make (little-endian), compared with
  // the chunk's bytes read through a DataView: a separator of 8 bytes or more is sepWords[wordAt[p]
  // ...] (wordCount[p] words, the last one its last 8 bytes, overlapping the one before), a
  // shorter one is compared byte by byte. Equal doubles have equal bits except 0 and -0 (seven zero bytes: never in
  // a separator, whose bytes are JSON punctuation, spaces and key text without control
  // characters) and NaN (never equal: that line just goes to the general scanner).
  let sepWords = new Float64Array(512);
  const wordAt = new Int32Array(MAX_VALUES + 1);
  const wordCount = new Int32Array(MAX_VALUES + 1);
  // per position, what byLayout reads, side by side: separator start and length, first word, words
  const plan = new Int32Array(4 * (MAX_VALUES + 1));
  const valueField = new Int32Array(MAX_VALUES);
  const valueKind = new Uint8Array(MAX_VALUES);
  // per position, the encoder's steps for its field (row-encoder.ts FieldSteps), applied in place
  // of a putValue call: column, flags, center, scale
  const steps = enc.steps;
  const valueColumn = new Int32Array(MAX_VALUES);
  const valueFlags = new Uint8Array(MAX_VALUES);
  const valueCenter = new Float64Array(MAX_VALUES);
  const valueScale = new Float64Array(MAX_VALUES);
  // the row a line of the layout starts from: zeros, and the fields the layout lacks as missing
  // (what start + putValue(missing) would write; the layout's own fields overwrite their columns
  // or, one-hot, set one in their zeros)
  const startRow = new Float64Array(enc.width);
  // filled by the general scanner as it reads: where each separator and value starts, its kind
  const gSep = new Int32Array(MAX_VALUES + 1);
  const gVal = new Int32Array(MAX_VALUES);
  const gField = new Int32Array(MAX_VALUES);
  const gKind = new Uint8Array(MAX_VALUES);

  /** the general scanner read line [s, e) with `n` values, all numbers or strings: keep its layout */
  const keepLayout = (b: Uint8Array, n: number, e: number): void => {
    let bytes = 0;
    for (let p = 0; p < n; p++) bytes += gVal[p] - gSep[p];
    bytes += e - gSep[n];
    if (bytes > sepBytes.length) sepBytes = new Uint8Array(bytes * 2);
    let o = 0;
    for (let p = 0; p <= n; p++) {
      sepAt[p] = o;
      const to = p < n ? gVal[p] : e;
      for (let i = gSep[p]; i < to; i++) sepBytes[o++] = b[i];
    }
    sepAt[n + 1] = o;
    if (bytes > sepWords.length) sepWords = new Float64Array(bytes);
    const dv = new DataView(sepBytes.buffer, sepBytes.byteOffset, sepBytes.byteLength);
    let w = 0;
    for (let p = 0; p <= n; p++) {
      wordAt[p] = w;
      const len = sepAt[p + 1] - sepAt[p];
      wordCount[p] = (len + 7) >> 3;
      if (len < 8) wordCount[p] = 0;
      for (let q = 0; q < wordCount[p]; q++) sepWords[w++] = dv.getFloat64(sepAt[p] + Math.min(8 * q, len - 8), true);
      plan[4 * p] = sepAt[p];
      plan[4 * p + 1] = len;
      plan[4 * p + 2] = wordAt[p];
      plan[4 * p + 3] = wordCount[p];
    }
    for (let p = 0; p < n; p++) {
      const f = gField[p];
      valueField[p] = f;
      valueKind[p] = gKind[p];
      valueColumn[p] = f >= 0 ? steps.column[f] : -1;
      valueFlags[p] = f >= 0 ? steps.flags[f] : 0;
      valueCenter[p] = f >= 0 ? steps.center[f] : 0;
      valueScale[p] = f >= 0 ? steps.scale[f] : 1;
    }
    enc.start(startRow, 0);
    for (let f = 0; f < nf; f++) if (seen[f] !== generation) enc.putValue(f, numeric[f] === 1 ? NaN : -1, startRow, 0);
    values = n;
  };

  /**
   * The line from s read by the layout, looking no further than e: where the layout's closing
   * separator ends, or -1 at the first difference (the row is then partial).
   */
  const byLayout = (b: Uint8Array, dv: DataView, s: number, e: number, out: Float64Array, base: number): number => {
    const n = values;
    const sep = sepBytes;
    const words = sepWords;
    let i = s;
    out.set(startRow, base);
    for (let p = 0; p <= n; p++) {
      // the separator before value p (or the closing one)
      const q = 4 * p;
      const len = plan[q + 1];
      if (i + len > e) return -1;
      const wn = plan[q + 3];
      if (wn !== 0) {
        const w0 = plan[q + 2];
        const last = i + len - 8;
        if (wn === 2) {
          if (dv.getFloat64(i, true) !== words[w0] || dv.getFloat64(last, true) !== words[w0 + 1]) return -1;
        } else {
          for (let w = w0; w < w0 + wn - 1; w++, i += 8) if (dv.getFloat64(i, true) !== words[w]) return -1;
          if (dv.getFloat64(last, true) !== words[w0 + wn - 1]) return -1;
        }
        i = last + 8;
      } else for (let k = plan[q], z = k + len; k < z; k++, i++) if (b[i] !== sep[k]) return -1;
      if (p === n) break;
      const field = valueField[p];
      let c = b[i];
      if (valueKind[p] === NUM) {
        // -?(0|[1-9][0-9]*)(.[0-9]+)? of at most 15 digits: digits / 10^fraction digits, exact
        let neg = false;
        if (c === 45) {
          neg = true;
          c = b[++i];
        }
        let d = c - 48;
        if (!(d >= 0 && d <= 9)) return -1;
        let mant = d;
        let digits = 1;
        c = b[++i];
        if (d === 0) {
          if (c >= 48 && c <= 57) return -1; // 01: not JSON
        } else {
          while ((d = c - 48) >= 0 && d <= 9) {
            mant = mant * 10 + d;
            digits++;
            c = b[++i];
          }
        }
        let frac = 0;
        if (c === 46) {
          c = b[++i];
          while ((d = c - 48) >= 0 && d <= 9) {
            mant = mant * 10 + d;
            frac++;
            c = b[++i];
          }
          if (frac === 0) return -1;
          digits += frac;
        }
        if (digits > 15 || c === 101 || c === 69 || i > e) return -1; // exponents, long digits: general path
        if (field >= 0) {
          // putValue's steps for a finite number (row-encoder.ts FieldSteps)
          let v = frac === 0 ? mant : mant / POW10[frac];
          if (neg) v = -v;
          const flags = valueFlags[p];
          if ((flags & STEP_LOG) !== 0) v = v < 0 ? -Math.log1p(-v) : Math.log1p(v);
          if ((flags & STEP_AFFINE) !== 0) v = (v - valueCenter[p]) / valueScale[p];
          if ((flags & STEP_CLIP) !== 0) v = v < 0 ? 0 : v > 1 ? 1 : v;
          out[base + valueColumn[p]] = v;
        }
      } else {
        if (c !== 34) return -1;
        const v0 = ++i;
        while (i < e && (c = b[i]) !== 34 && c !== 92 && c >= 32) i++;
        if (i >= e || c !== 34) return -1; // escapes, control characters (not JSON): general path
        if (field >= 0) {
          let code = -1;
          if (i > v0) {
            code = catDict[field]!.find(b, v0, i);
            if (code < 0 && !ignoreUnknown) return -1;
          }
          // putValue's steps for a category code
          if ((valueFlags[p] & STEP_ONEHOT) !== 0) {
            if (code >= 0) out[base + valueColumn[p] + code] = 1;
          } else out[base + valueColumn[p]] = code;
        }
        i++;
      }
    }
    return i;
  };

  const general = (b: Uint8Array, s: number, e: number, out: Float64Array, base: number): boolean => {
    generation = (generation + 1) | 0;
    if (generation === 0) {
      seen.fill(0);
      generation = 1;
    }
    let i = s;
    while (i < e && isSpace(b[i])) i++;
    if (b[i] !== 123) return false; // {
    i++;
    enc.start(out, base);
    let first = true;
    let keyAt = 0;
    // a layout is kept when every value is a number or a string (and there are not too many)
    let layout = true;
    gSep[0] = s;
    for (;;) {
      while (i < e && isSpace(b[i])) i++;
      if (i >= e) return false;
      if (b[i] === 125) {
        if (!first) return false; // "," then "}"
        i++;
        break;
      }
      // key
      if (b[i] !== 34) return false;
      const k0 = ++i;
      let name = keyAt < 256 ? expectName[keyAt] : -1;
      if (name >= 0) {
        const kb = nameBytes[name];
        const n = kb.length;
        let j = 0;
        while (j < n && kb[j] === b[k0 + j]) j++;
        if (j === n && k0 + n < e && b[k0 + n] === 34) i = k0 + n;
        else name = -1;
      }
      if (name < 0) {
        while (i < e && b[i] !== 34 && b[i] !== 92 && b[i] >= 32) i++;
        if (i >= e || b[i] !== 34) return false; // escapes; a raw control character is not JSON
        name = keyDict.find(b, k0, i);
        if (keyAt < 256) expectName[keyAt] = name;
      }
      first = false;
      const field = name >= 0 ? nameField[name] : -1;
      i++;
      while (i < e && isSpace(b[i])) i++;
      if (b[i] !== 58) return false; // :
      i++;
      while (i < e && isSpace(b[i])) i++;
      if (i >= e) return false;
      const c = b[i];
      if (field >= 0) {
        if (seen[field] === generation) return false; // given twice (or by both names)
        seen[field] = generation;
      }
      if (keyAt >= MAX_VALUES) layout = false;
      else {
        gVal[keyAt] = i;
        gField[keyAt] = field;
      }
      keyAt++;
      if (c === 34) {
        // a string
        if (keyAt <= MAX_VALUES) gKind[keyAt - 1] = STR;
        const v0 = ++i;
        while (i < e && b[i] !== 34 && b[i] !== 92 && b[i] >= 32) i++;
        if (i >= e || b[i] !== 34) return false; // escapes; a raw control character is not JSON
        if (field >= 0) {
          if (numeric[field] === 1) return false; // encode reads numeric text, or says what is wrong
          let code = -1;
          if (i > v0) {
            code = catDict[field]!.find(b, v0, i);
            if (code < 0 && !ignoreUnknown) return false; // refused: encode names it
          }
          enc.putValue(field, code, out, base);
        }
        i++;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        // a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        if (keyAt <= MAX_VALUES) gKind[keyAt - 1] = NUM;
        const n0 = i;
        let neg = false;
        if (c === 45) {
          neg = true;
          i++;
        }
        if (i >= e || b[i] < 48 || b[i] > 57) return false;
        if (b[i] === 48 && i + 1 < e && b[i + 1] >= 48 && b[i + 1] <= 57) return false; // 01
        let mant = 0;
        let digits = 0;
        while (i < e && b[i] >= 48 && b[i] <= 57) {
          mant = mant * 10 + (b[i] - 48);
          digits++;
          i++;
        }
        let frac = 0;
        if (i < e && b[i] === 46) {
          i++;
          if (i >= e || b[i] < 48 || b[i] > 57) return false;
          while (i < e && b[i] >= 48 && b[i] <= 57) {
            mant = mant * 10 + (b[i] - 48);
            digits++;
            frac++;
            i++;
          }
        }
        let exact = digits <= 15;
        if (i < e && (b[i] === 101 || b[i] === 69)) {
          i++;
          if (i < e && (b[i] === 43 || b[i] === 45)) i++;
          if (i >= e || b[i] < 48 || b[i] > 57) return false;
          while (i < e && b[i] >= 48 && b[i] <= 57) i++;
          exact = false;
        }
        // the layout reads only numbers of at most 15 digits without an exponent
        if (!exact) layout = false;
        if (field >= 0) {
          if (numeric[field] === 0) return false; // a number for a category: encode says so
          let v: number;
          if (exact) v = frac === 0 ? mant : mant / POW10[frac];
          else v = Number(Buffer.from(b.buffer, b.byteOffset + n0, i - n0).toString('latin1'));
          enc.putValue(field, neg && exact ? -v : v, out, base);
        }
      } else if (c === 110 && b[i + 1] === 117 && b[i + 2] === 108 && b[i + 3] === 108) {
        // null: missing
        i += 4;
        layout = false;
        if (field >= 0) enc.putValue(field, numeric[field] === 1 ? NaN : -1, out, base);
      } else if (field < 0 && c === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) {
        i += 4;
        layout = false;
      } else if (field < 0 && c === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) {
        i += 5;
        layout = false;
      } else return false; // true/false for a model input, nested values, anything else
      if (keyAt <= MAX_VALUES) gSep[keyAt] = i;
      while (i < e && isSpace(b[i])) i++;
      if (i >= e) return false;
      if (b[i] === 44) {
        i++;
        continue;
      }
      if (b[i] === 125) {
        i++;
        break;
      }
      return false;
    }
    while (i < e && isSpace(b[i])) i++;
    if (i !== e) return false;
    for (let f = 0; f < nf; f++) if (seen[f] !== generation) enc.putValue(f, numeric[f] === 1 ? NaN : -1, out, base);
    if (layout) keepLayout(b, keyAt, e);
    return true;
  };

  return {
    line: (b, dv, s, e, out, base) => (values >= 0 && byLayout(b, dv, s, e, out, base) === e) || general(b, s, e, out, base),
    layoutRecord: (b, dv, s, e, out, base) => (values >= 0 ? byLayout(b, dv, s, e, out, base) : -1),
  };
}

/**
 * One scanner per encoder (per loaded model), kept across requests: its optimised code and its
 * layout outlive a request instead of being compiled again for each. Requests may share it: a line
 * is scanned synchronously, start to end, and the layout is only a guess each line is checked
 * against.
 */
const scanners = new WeakMap<RowEncoder, LineScanner>();
export function scannerOf(enc: RowEncoder): LineScanner {
  let s = scanners.get(enc);
  if (!s) scanners.set(enc, (s = compileLineScanner(enc)));
  return s;
}

/** The slow path: JSON.parse and encode, with their errors naming the line (or element). */
export function encodeParsed(enc: RowEncoder, text: string, line: number, out: Float64Array, base: number, unit = 'line'): void {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BatchInputError(400, `body ${unit} ${line}: not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BatchInputError(400, `body ${unit} ${line}: expected a JSON object, got ${Array.isArray(v) ? 'an array' : JSON.stringify(v)?.slice(0, 40)}`);
  try {
    enc.encode(v as Record<string, unknown>, out, base);
  } catch (e) {
    if (e instanceof FieldError) throw new BatchInputError(400, `body ${unit} ${line}: ${e.message}`);
    throw e;
  }
}

export function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export async function* scanJsonLines(body: Readable, enc: RowEncoder, maxBytes: number, batchRows: number): AsyncGenerator<EncodedBatch> {
  const w = enc.width;
  const scan = scannerOf(enc);
  const data = new Float64Array(batchRows * w);
  const where = new Int32Array(batchRows);
  let rows = 0;
  let lineNo = 0;
  let bytes = 0;
  let carry: Buffer | undefined;

  const take = (b: Buffer, dv: DataView, s: number, e: number): void => {
    lineNo++;
    let i = s;
    while (i < e && isSpace(b[i])) i++;
    if (i === e) return; // a blank line
    const base = rows * w;
    if (!scan.line(b, dv, s, e, data, base)) encodeParsed(enc, b.toString('utf8', s, e), lineNo, data, base);
    where[rows++] = lineNo;
  };
  const batch = (): EncodedBatch => {
    const n = rows;
    rows = 0;
    return { data, rows: n, where };
  };

  for await (const chunk of body) {
    const b = chunk as Buffer;
    bytes += b.length;
    if (bytes > maxBytes) {
      body.destroy();
      throw batchTooLarge(maxBytes);
    }
    let pos = 0;
    const dv = viewOf(b);
    if (carry) {
      const nl = b.indexOf(10);
      if (nl < 0) {
        carry = Buffer.concat([carry, b]);
        if (carry.length > MAX_LINE) throw lineTooLong(lineNo + 1);
        continue;
      }
      const line = Buffer.concat([carry, b.subarray(0, nl)]);
      carry = undefined;
      take(line, viewOf(line), 0, line.length);
      if (rows === batchRows) yield batch();
      pos = nl + 1;
    }
    for (;;) {
      const nl = b.indexOf(10, pos);
      if (nl < 0) break;
      take(b, dv, pos, nl);
      pos = nl + 1;
      if (rows === batchRows) yield batch();
    }
    if (pos < b.length) {
      carry = b.subarray(pos);
      if (carry.length > MAX_LINE) throw lineTooLong(lineNo + 1);
    }
  }
  if (carry) take(carry, viewOf(carry), 0, carry.length);
  if (rows > 0) yield batch();
}
