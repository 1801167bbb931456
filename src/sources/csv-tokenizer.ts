/**
 * Streaming CSV tokenizer working on bytes.
 *
 * Why our own rather than a CSV package: flow datasets are multi-GB files of numbers, and the
 * usual Node CSV parsers build a string (or an object) per cell, which caps them well below disk
 * speed. Here a record is a list of [start, end) byte offsets into a reused buffer: numbers are
 * parsed straight from the bytes (`parse-number.ts`), categories are looked up by their bytes
 * (`categorical-bytes.ts`), and a string is made only when someone asks for one. We also need the
 * exact physical line and byte offset of every record for error messages, which the packages that
 * stream do not expose.
 *
 * The dialect is RFC 4180 with the usual tolerances: a UTF-8 byte-order mark is skipped; LF and
 * CRLF end records; a field that starts with `"` is quoted and may hold commas, newlines and `""`
 * (an escaped quote); a quote inside an unquoted field is an ordinary character; the last record
 * may lack its newline; blank lines are skipped (they carry no record, and pandas skips them too).
 *
 * Deliberately not here: other delimiters, comment lines, character sets other than UTF-8, and
 * anything about what the fields mean (the readers decide). Text after a closing quote (`"ab"c`)
 * is an error with its line and byte offset rather than a guess.
 *
 * A batch holds the complete records of about `chunkBytes` of input. Its arrays and bytes are
 * reused: a batch is valid only until the next one is requested.
 */
import { InputError } from '../util/errors.js';
import { DEFAULT_LIMITS, LIMIT_FLAGS, describeBytes } from './input-limits.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

/** Quote state of a field: plain, quoted, or quoted with `""` escapes still in its bytes. */
export const enum FieldQuote {
  Plain = 0,
  Quoted = 1,
  Escaped = 2,
}

const utf8 = new TextDecoder('utf-8');

/** The complete records of one stretch of input. Valid until the next batch is requested. */
export class CsvBatch {
  /** the bytes the field offsets point into */
  bytes: Buffer = Buffer.alloc(0);
  /** number of records */
  count = 0;
  /** record r's fields are fieldStart/fieldEnd[recordField[r] .. recordField[r + 1]) */
  recordField = new Int32Array(256);
  fieldStart = new Int32Array(1024);
  fieldEnd = new Int32Array(1024);
  /** FieldQuote per field (0 for every field of a record without quotes) */
  fieldQuote = new Uint8Array(1024);
  /** whether any record of this batch had a quote (fieldQuote is all zero otherwise) */
  quoted = false;
  /** 1-based physical line where each record starts */
  line = new Float64Array(256);
  /** byte offset in the (decompressed) input where each record starts */
  offset = new Float64Array(256);

  fieldCount(r: number): number {
    return this.recordField[r + 1] - this.recordField[r];
  }

  /** Field f (a global field index) as a string, quotes and escapes removed. */
  text(f: number): string {
    const s = utf8.decode(this.bytes.subarray(this.fieldStart[f], this.fieldEnd[f]));
    return this.fieldQuote[f] === FieldQuote.Escaped ? s.replace(/""/g, '"') : s;
  }

  /** Record r as strings (for headers, sniffing and tests; not for hot paths). */
  record(r: number): string[] {
    const out: string[] = [];
    for (let f = this.recordField[r]; f < this.recordField[r + 1]; f++) out.push(this.text(f));
    return out;
  }
}

export interface TokenizerOptions {
  /** file name for error messages */
  file?: string;
  /** input bytes per batch (default 1 MiB) */
  chunkBytes?: number;
  /** longest record accepted; a longer one is an error naming --max-line-bytes (default 16 MiB) */
  maxRecordBytes?: number;
  /** most fields in a record; more is an error naming --max-columns (default 10,000) */
  maxFields?: number;
  /** the delimiter byte (default `,`) */
  delimiter?: number;
}

export class CsvTokenizer {
  private buf: Buffer;
  /** bytes of input held in buf */
  private len = 0;
  /** bytes at the front of buf already handed out in the last batch */
  private consumed = 0;
  /** input offset of buf[0] */
  private base = 0;
  /** physical line at buf[consumed] */
  private lineNo = 1;
  private atStart = true;
  /** line and offset of a quote still open at the end of the buffer (for the error) */
  private openQuoteLine = 0;
  private openQuoteOffset = 0;
  private readonly batch = new CsvBatch();
  readonly file: string | undefined;
  private readonly maxRecordBytes: number;
  private readonly maxFields: number;
  private readonly delim: number;

  constructor(opts: TokenizerOptions = {}) {
    this.file = opts.file;
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_LIMITS.maxLineBytes;
    this.maxFields = opts.maxFields ?? DEFAULT_LIMITS.maxColumns;
    this.delim = opts.delimiter ?? COMMA;
    this.buf = Buffer.allocUnsafe(Math.max(16, opts.chunkBytes ?? 1 << 20));
  }

  /** Room left for input (bytes already handed out count as free). */
  get room(): number {
    return this.buf.length - this.len + this.consumed;
  }

  /** Copy input in; returns how many bytes of `chunk` (from `from`) fitted. */
  write(chunk: Uint8Array, from = 0): number {
    this.compact();
    const k = Math.min(this.buf.length - this.len, chunk.length - from);
    this.buf.set(k === chunk.length && from === 0 ? chunk : chunk.subarray(from, from + k), this.len);
    this.len += k;
    return k;
  }

  /**
   * Tokenise the complete records held so far. With `final`, the input has ended: the last record
   * needs no newline, and a quote still open is an error. When the buffer is full and this finds
   * no complete record, call `grow`.
   */
  scan(final: boolean): CsvBatch {
    this.compact();
    const batch = this.batch;
    if (batch.quoted) {
      // also past the last record: an incomplete quoted record may have set flags there
      batch.fieldQuote.fill(0, 0, Math.max(batch.recordField[batch.count], this.quoteHigh));
      batch.quoted = false;
      this.quoteHigh = 0;
    }
    batch.bytes = this.buf;
    batch.count = 0;
    batch.recordField[0] = 0;
    this.consumed = this.tokenize(final);
    return batch;
  }

  private compact(): void {
    if (this.consumed === 0) return;
    this.buf.copyWithin(0, this.consumed, this.len);
    this.len -= this.consumed;
    this.base += this.consumed;
    this.consumed = 0;
  }

  /** Make room when the buffer is full of one incomplete record. */
  grow(): void {
    if (this.buf.length > this.maxRecordBytes) this.tooLong(this.lineNo, this.base);
    const nb = Buffer.allocUnsafe(Math.min(this.maxRecordBytes + 2, this.buf.length * 2));
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  /** The error for a record longer than the limit (or a quote left open that long). */
  private tooLong(line: number, byteOffset: number): never {
    const limit = describeBytes(this.maxRecordBytes);
    if (this.openQuoteLine > 0) {
      throw new InputError(
        { file: this.file, line: this.openQuoteLine, byteOffset: this.openQuoteOffset },
        `a quoted field opened here is still open after ${limit} (the line limit); a closing quote (") is probably missing, or raise the limit with ${LIMIT_FLAGS.maxLineBytes}`,
      );
    }
    throw new InputError(
      { file: this.file, line, byteOffset },
      `a line longer than ${limit}, the limit; is this a CSV file? (raise the limit with ${LIMIT_FLAGS.maxLineBytes} BYTES)`,
    );
  }

  /** The error for a record with more fields than the limit. */
  private tooManyFields(line: number, byteOffset: number): never {
    throw new InputError(
      { file: this.file, line, byteOffset },
      `more than ${this.maxFields.toLocaleString('en-US')} fields in one line, the column limit (raise it with ${LIMIT_FLAGS.maxColumns} N; is the delimiter right?)`,
    );
  }

  private ensureFields(n: number): void {
    const bt = this.batch;
    if (n <= bt.fieldStart.length) return;
    // at least doubled (amortised), at most what was asked for beyond that
    const cap = Math.max(bt.fieldStart.length * 2, n);
    const fs = new Int32Array(cap);
    fs.set(bt.fieldStart);
    const fe = new Int32Array(cap);
    fe.set(bt.fieldEnd);
    const fq = new Uint8Array(cap);
    fq.set(bt.fieldQuote);
    bt.fieldStart = fs;
    bt.fieldEnd = fe;
    bt.fieldQuote = fq;
  }

  private ensureRecords(n: number): void {
    const bt = this.batch;
    if (n + 1 < bt.recordField.length) return;
    let cap = bt.recordField.length;
    while (cap <= n + 1) cap *= 2;
    const rf = new Int32Array(cap);
    rf.set(bt.recordField);
    const ln = new Float64Array(cap);
    ln.set(bt.line);
    const of = new Float64Array(cap);
    of.set(bt.offset);
    bt.recordField = rf;
    bt.line = ln;
    bt.offset = of;
  }

  /** Returns the offset after the last complete record. */
  private tokenize(final: boolean): number {
    const b = this.buf;
    const n = this.len;
    const view = b.subarray(0, n);
    const bt = this.batch;
    let p = 0;
    if (this.atStart && (n >= 3 || final)) {
      this.atStart = false;
      if (n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) p = 3;
    }
    const p0 = p;
    let line = this.lineNo;
    let rec = 0;
    let nf = 0;
    let nextQuote = -1;
    let fs = bt.fieldStart;
    let fe = bt.fieldEnd;
    this.openQuoteLine = 0;
    while (p < n) {
      let eol = view.indexOf(LF, p);
      if (eol < 0) {
        if (!final) break;
        eol = n;
      }
      if (nextQuote < p) {
        nextQuote = view.indexOf(QUOTE, p);
        if (nextQuote < 0) nextQuote = n;
      }
      if (nextQuote >= eol) {
        // fast path: no quote before the end of this line
        let end = eol;
        if (end > p && b[end - 1] === CR) end--;
        if (end === p) {
          p = eol + 1;
          line++;
          continue;
        }
        if (end - p > this.maxRecordBytes) this.tooLong(line, this.base + p);
        const room = Math.min(end - p, this.maxFields) + 1;
        if (nf + room > fs.length) {
          // room for the rest of the buffer at the density so far (its fields per byte): one growth
          // per buffer rather than doubling from 1,024 some nine times per file (each zero-fills and
          // copies 9 bytes a field: ~5 MB per 1 MB CSV buffer, and external memory that made V8 run
          // a full collection every few batches)
          this.ensureFields(nf + room + (nf > 0 ? Math.ceil(((n - p) * nf * 1.0625) / (p - p0)) : 0));
          fs = bt.fieldStart;
          fe = bt.fieldEnd;
        }
        if (rec + 2 >= bt.recordField.length) this.ensureRecords(rec + 2);
        bt.recordField[rec] = nf;
        bt.line[rec] = line;
        bt.offset[rec] = this.base + p;
        const stop = nf + this.maxFields - 1;
        const delim = this.delim;
        let s = p;
        for (let i = p; i < end; i++) {
          if (b[i] === delim) {
            if (nf >= stop) this.tooManyFields(line, this.base + p);
            fs[nf] = s;
            fe[nf] = i;
            nf++;
            s = i + 1;
          }
        }
        fs[nf] = s;
        fe[nf] = end;
        nf++;
        rec++;
        p = eol + 1;
        line++;
      } else {
        // slow path: a record with quotes, possibly spanning lines
        if (rec + 2 >= bt.recordField.length) this.ensureRecords(rec + 2);
        bt.quoted = true;
        const r = this.quotedRecord(p, n, final, nf, line);
        if (r < 0) {
          if (n - p > this.maxRecordBytes) this.tooLong(line, this.base + p);
          break;
        }
        if (r - p > this.maxRecordBytes + 2) this.tooLong(line, this.base + p);
        bt.recordField[rec] = nf;
        bt.line[rec] = line;
        bt.offset[rec] = this.base + p;
        nf = this.qNf;
        line = this.qLine;
        fs = bt.fieldStart;
        fe = bt.fieldEnd;
        rec++;
        p = r;
        nextQuote = -1;
      }
    }
    bt.recordField[rec] = nf;
    bt.count = rec;
    this.lineNo = line;
    return Math.min(p, n);
  }

  // results of quotedRecord besides its return value
  private qNf = 0;
  private qLine = 0;
  /** highest field index + 1 whose quote flag quotedRecord set in this batch */
  private quoteHigh = 0;

  /**
   * Tokenise one record that contains a quote, starting at p. Returns the offset after it, or -1
   * when the record is not complete yet (more input needed).
   */
  private quotedRecord(p: number, n: number, final: boolean, nf0: number, line0: number): number {
    const b = this.buf;
    const bt = this.batch;
    let nf = nf0;
    let line = line0;
    let i = p;
    const delim = this.delim;
    for (;;) {
      if (nf - nf0 >= this.maxFields) this.tooManyFields(line0, this.base + p);
      this.ensureFields(nf + 1);
      if (i < n && b[i] === QUOTE) {
        const open = i;
        const openLine = line;
        i++;
        const s = i;
        let escaped = false;
        let closed = -1;
        while (i < n) {
          const c = b[i];
          if (c === QUOTE) {
            if (i + 1 < n) {
              if (b[i + 1] === QUOTE) {
                escaped = true;
                i += 2;
                continue;
              }
              closed = i;
              break;
            }
            if (final) closed = i;
            break; // need the next byte to know whether this quote is escaped
          }
          if (c === LF) line++;
          i++;
        }
        if (closed < 0) {
          if (!final) {
            this.openQuoteLine = openLine;
            this.openQuoteOffset = this.base + open;
            return -1;
          }
          throw new InputError({ file: this.file, line: openLine, byteOffset: this.base + open }, 'a quoted field is never closed (a closing quote " is missing)');
        }
        bt.fieldStart[nf] = s;
        bt.fieldEnd[nf] = closed;
        bt.fieldQuote[nf] = escaped ? FieldQuote.Escaped : FieldQuote.Quoted;
        nf++;
        if (nf > this.quoteHigh) this.quoteHigh = nf;
        i = closed + 1;
        if (i >= n) {
          if (!final) return -1;
          break;
        }
        const c = b[i];
        if (c === delim) {
          i++;
          continue;
        }
        if (c === LF) {
          i++;
          line++;
          break;
        }
        if (c === CR) {
          if (i + 1 < n && b[i + 1] === LF) {
            i += 2;
            line++;
            break;
          }
          if (i + 1 >= n) {
            if (!final) return -1;
            i++;
            break;
          }
        }
        throw new InputError(
          { file: this.file, line, byteOffset: this.base + i },
          `unexpected ${describeByte(c)} after a closing quote; quote the whole field and write a quote inside it as ""`,
        );
      }
      // unquoted field
      const s = i;
      while (i < n && b[i] !== delim && b[i] !== LF) i++;
      if (i >= n && !final) return -1;
      if (i < n && b[i] === delim) {
        bt.fieldStart[nf] = s;
        bt.fieldEnd[nf] = i;
        bt.fieldQuote[nf] = 0;
        nf++;
        i++;
        continue;
      }
      let e = i;
      if (e > s && b[e - 1] === CR) e--;
      bt.fieldStart[nf] = s;
      bt.fieldEnd[nf] = e;
      bt.fieldQuote[nf] = 0;
      nf++;
      if (i < n) {
        i++;
        line++;
      }
      break;
    }
    this.qNf = nf;
    this.qLine = line;
    return i;
  }
}

function describeByte(c: number): string {
  if (c >= 33 && c < 127) return `character '${String.fromCharCode(c)}'`;
  if (c === 32) return 'space';
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/**
 * Tokenise a stream of byte chunks (a file, stdin, gunzip output) into batches. The chunks may
 * split records anywhere.
 */
export async function* tokenizeCsv(chunks: AsyncIterable<Uint8Array>, opts: TokenizerOptions = {}): AsyncGenerator<CsvBatch> {
  const t = new CsvTokenizer(opts);
  for await (const chunk of chunks) {
    let off = 0;
    while (off < chunk.length) {
      if (t.room === 0) {
        const batch = t.scan(false);
        if (batch.count > 0) yield batch;
        else if (t.room === 0) t.grow();
        continue;
      }
      off += t.write(chunk, off);
    }
  }
  const batch = t.scan(true);
  if (batch.count > 0) yield batch;
}

/** Tokenise a whole in-memory text at once (small inputs, sniffing, tests). */
export function tokenizeText(text: string | Uint8Array, opts: TokenizerOptions = {}): string[][] {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const t = new CsvTokenizer({ ...opts, chunkBytes: Math.max(16, bytes.length) });
  t.write(bytes);
  const batch = t.scan(true);
  const out: string[][] = [];
  for (let r = 0; r < batch.count; r++) out.push(batch.record(r));
  return out;
}

/**
 * The complete records at the start of an input of which only a prefix is known (format sniffing).
 * With `final` the prefix is the whole input. Every record of the prefix is checked (a bad one
 * fails here, naming its line), but only the first `limit` are decoded to strings: format
 * detection looks at one or two, and decoding the ~100 records of 85 fields in a 64 KiB prefix
 * of each of many small files was a visible part of analyze's read time (issue 8 #2).
 */
export function leadingRecords(prefix: Uint8Array, final: boolean, file?: string, opts: TokenizerOptions = {}, limit = Infinity): string[][] {
  const t = new CsvTokenizer({ maxRecordBytes: Math.max(16, prefix.length), ...opts, file, chunkBytes: Math.max(16, prefix.length) });
  t.write(prefix);
  const batch = t.scan(final);
  const out: string[][] = [];
  const n = Math.min(batch.count, limit);
  for (let r = 0; r < n; r++) out.push(batch.record(r));
  return out;
}
