/**
 * Flows on the wire as columns of binary numbers: what `publish` sends (the schema header says
 * `layout: "narrow-columns"`, or `"columns"` for messages of earlier publishers, still read).
 * Reading JSON text cost the worker ~10 µs a flow (parsing ~85 numbers a row, and the garbage of a
 * row array each); these columns are copied into the table's typed arrays, so decoding is a memory
 * copy (or a widening loop) and a few strings. JSON lines stay readable (flow-codec.ts) for other
 * programs and older messages.
 *
 * Layout, little-endian, in the header's column order:
 *   u32 rows
 *   origin files: u32 count, then each as u32 byte length + UTF-8; i32 file[rows]; f64 line[rows]
 *   per column: numeric: "narrow-columns": u8 width (0: f64, 1: u8, 2: i16, 3: i32), then
 *                        values[rows] of that type; "columns": f64 values[rows] (no width byte)
 *               categorical: u32 dictionary size, each entry u32 byte length + UTF-8; i32 codes[rows] (-1 missing)
 * A message shorter or longer than that is refused naming the byte offset.
 *
 * Why narrow: most CIC-IDS2017 values are small integers (flags, counts, ports); as f64 a message
 * of ~250 flows was ~190 KiB, which the NATS client reassembles from 64 KiB socket reads into
 * growing buffers (~0.7 MB of allocations a message, the worker's main source of garbage
 * collections) and nats-server and the publisher move byte by byte. A column is written in the
 * narrowest of these types that holds every one of its values in the message exactly (integers;
 * never -0, NaN or ±Infinity, which stay f64), so decoding gives the very same doubles.
 */
import { categoricalColumn, numericColumn, type Column, type FlowTable } from '../flows/table.js';
import { UserError } from '../util/errors.js';
import { timesOf, type WireSchema } from './flow-codec.js';

const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** an i16 or i32 column being written, aligned (reused: one per process, grown to the largest message) */
let gather = new Float64Array(1024);

/** width codes of a numeric column in "narrow-columns" (the byte before its values) */
const F64 = 0;
const U8 = 1;
const I16 = 2;
const I32 = 3;
const WIDTH_BYTES = [8, 1, 2, 4];

/**
 * Rows `rows` of `v` copied to `dst` from `at`, and the narrowest width that holds them and every
 * value before them exactly (`w`, that of those before). One pass over the batch's rows per column;
 * the message is then written from the contiguous copy.
 */
function gatherWidth(dst: Float64Array, at: number, v: Float64Array, rows: ArrayLike<number>, w: number): number {
  for (let i = 0; i < rows.length; i++) {
    const x = v[rows[i]];
    dst[at + i] = x;
    if (w === F64) continue;
    // an int32 (x | 0 is x only for integers in range: not NaN, ±Infinity or a fraction), never -0
    if ((x | 0) !== x || (x === 0 && 1 / x < 0)) w = F64;
    else if (x < 0 || x > 255) w = x < -32768 || x > 32767 ? I32 : w === I32 ? I32 : I16;
  }
  return w;
}

/** the message's numeric columns gathered, one after another (reused: encoding is synchronous) */
let gathered = new Float64Array(0);

/** Rows of one read batch that go into a message (several make one message: publish's held rows). */
export interface Segment {
  readonly table: FlowTable;
  readonly rows: ArrayLike<number>;
}

/**
 * Scratch maps from a table's codes (dictionary or origin file) to the message's: `mapped[k]` is
 * valid when `stamp[k]` is the current epoch, so a map is "cleared" by a new epoch rather than a
 * fill or a Map per column and message (publish's garbage, ~10 columns a message).
 */
let stamp = new Int32Array(1024);
let mapped = new Int32Array(1024);
let epoch = 0;
function freshMap(size: number): void {
  if (stamp.length < size) {
    stamp = new Int32Array(Math.max(size, stamp.length * 2));
    mapped = new Int32Array(stamp.length);
    epoch = 0;
  }
  if (++epoch === 0x7fffffff) {
    stamp.fill(0);
    epoch = 1;
  }
}

/** UTF-8 bytes of `x` (ASCII: its length, counted without a native call) */
function utf8Length(x: string): number {
  for (let i = 0; i < x.length; i++) if (x.charCodeAt(i) > 0x7f) return Buffer.byteLength(x, 'utf8');
  return x.length;
}

/** The message of rows `rows` of `t` (its columns in `schemaOf(t)` order). */
export function encodeColumns(t: FlowTable, rows: ArrayLike<number>): Uint8Array {
  return encodeSegments([{ table: t, rows }]);
}

/**
 * The message of the rows of several read batches of one schema (the same columns in the same
 * order), in order, as if they were one table: each text column's dictionary (and the origin's
 * files) the entries these rows use in order of first use, one entry per distinct text when the
 * rows come from several batches (one per code from one batch). Written from the batches directly,
 * not from a joined copy of them. Two passes: the dictionaries this message uses and its size
 * first, then every part written into one buffer (strings written in place, not a small array per
 * string or number and a concatenation: the publisher's garbage).
 */
export function encodeSegments(segments: readonly Segment[]): Uint8Array {
  let n = 0;
  for (const g of segments) n += g.rows.length;
  const t0 = segments[0].table;
  const several = segments.length > 1;
  const withOrigin = segments.every((g) => g.table.origin);
  // origin: the files these rows use, renumbered
  const files: string[] = [];
  const file = new Int32Array(n);
  const line = new Float64Array(n);
  if (!withOrigin) {
    file.fill(-1);
    line.fill(NaN);
  } else {
    const byText = several ? new Map<string, number>() : undefined;
    let at = 0;
    for (const g of segments) {
      const o = g.table.origin!;
      const rows = g.rows;
      freshMap(o.files.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        const f = o.file[r];
        let k: number;
        if (stamp[f] === epoch) k = mapped[f];
        else {
          const text = o.files[f];
          k = byText?.get(text) ?? -1;
          if (k < 0) {
            k = files.push(text) - 1;
            byText?.set(text, k);
          }
          stamp[f] = epoch;
          mapped[f] = k;
        }
        file[at] = k;
        line[at++] = o.line[r];
      }
    }
  }
  const columns = t0.columns;
  // every string's UTF-8 length, in the order they are written (counted once, used twice)
  const lengths: number[] = [];
  const listSize = (list: readonly string[]): number => {
    let b = 4;
    for (let i = 0; i < list.length; i++) {
      const len = utf8Length(list[i]);
      lengths.push(len);
      b += 4 + len;
    }
    return b;
  };
  let size = 4 + listSize(files) + n * 4 + n * 8;
  // per categorical column: the codes renumbered in order of first use, and the entries used
  const cats: ({ codes: Int32Array; dict: string[] } | undefined)[] = new Array(columns.length);
  const widths = new Uint8Array(columns.length);
  // where each numeric column's values start in `gathered`
  const starts = new Int32Array(columns.length);
  let numericSeen = 0;
  for (let ci = 0; ci < columns.length; ci++) {
    const c0 = columns[ci];
    if (c0.kind === 'numeric') {
      const base = numericSeen++ * n;
      if (gathered.length < base + n) {
        const more = new Float64Array(Math.max(base + n, gathered.length * 2, n * columns.length));
        more.set(gathered.subarray(0, base));
        gathered = more;
      }
      starts[ci] = base;
      let w = U8;
      let at = base;
      for (const g of segments) {
        const c = g.table.columns[ci];
        if (c.kind !== 'numeric') throw new Error(`publish: column "${c0.name}" changed kind within one schema`);
        w = gatherWidth(gathered, at, c.values, g.rows, w);
        at += g.rows.length;
      }
      widths[ci] = w;
      size += 1 + n * WIDTH_BYTES[w];
      continue;
    }
    const dict: string[] = [];
    const byText = several ? new Map<string, number>() : undefined;
    const codes = new Int32Array(n);
    let at = 0;
    for (const g of segments) {
      const c = g.table.columns[ci];
      if (c.kind !== 'categorical') throw new Error(`publish: column "${c0.name}" changed kind within one schema`);
      const rows = g.rows;
      freshMap(c.dictionary.length);
      for (let i = 0; i < rows.length; i++) {
        const k = c.codes[rows[i]];
        if (k < 0) {
          codes[at++] = -1;
          continue;
        }
        let m: number;
        if (stamp[k] === epoch) m = mapped[k];
        else {
          const text = c.dictionary[k];
          m = byText?.get(text) ?? -1;
          if (m < 0) {
            m = dict.push(text) - 1;
            byText?.set(text, m);
          }
          stamp[k] = epoch;
          mapped[k] = m;
        }
        codes[at++] = m;
      }
    }
    cats[ci] = { codes, dict };
    size += listSize(dict) + n * 4;
  }
  // not zero-filled (every byte is written below: the check at the end counts them), and never a
  // slice of Node's shared pool (the message's .buffer is its own)
  const buf = Buffer.allocUnsafeSlow(size);
  const out: Uint8Array = buf;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = 0;
  const u32 = (v: number): void => {
    view.setUint32(at, v, true);
    at += 4;
  };
  let nextLength = 0;
  const list = (items: readonly string[]): void => {
    u32(items.length);
    for (const x of items) {
      const len = lengths[nextLength++];
      u32(len);
      // ASCII (length = bytes): latin1 writes the same bytes, without UTF-8 encoding
      buf.write(x, at, len, len === x.length ? 'latin1' : 'utf8');
      at += len;
    }
  };
  const raw = (a: Int32Array | Float64Array): void => {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  };
  u32(n);
  list(files);
  raw(file);
  raw(line);
  for (let ci = 0; ci < columns.length; ci++) {
    const cat = cats[ci];
    if (cat) {
      list(cat.dict);
      raw(cat.codes);
      continue;
    }
    const w = widths[ci];
    out[at++] = w;
    const values = gathered.subarray(starts[ci], starts[ci] + n);
    if (w === F64) out.set(new Uint8Array(values.buffer, values.byteOffset, n * 8), at);
    // converted by the typed arrays' own copy (every value an integer that fits: exact); i16 and
    // i32 through aligned scratch, the message's offsets being unaligned
    else if (w === U8) out.subarray(at, at + n).set(values);
    else {
      if (gather.length < n) gather = new Float64Array(Math.max(n, gather.length * 2));
      const narrowed = w === I16 ? new Int16Array(gather.buffer, 0, n) : new Int32Array(gather.buffer, 0, n);
      narrowed.set(values);
      out.set(new Uint8Array(gather.buffer, 0, narrowed.byteLength), at);
    }
    at += n * WIDTH_BYTES[w];
  }
  if (at !== size) throw new Error(`encodeSegments: wrote ${at} bytes of ${size}`);
  return out;
}

/**
 * Bytes each row of `t` adds to a message of encodeColumns at most (its strings counted as if each
 * were new, its numbers as f64: publish cuts messages by this bound, so narrow widths never change
 * where a message ends). One pass per text column for the whole batch (a dictionary entry's cost
 * counted once), not a walk over the columns per row.
 */
export function columnsRowsBytes(t: FlowTable): Float64Array {
  let fixed = 12;
  for (const c of t.columns) fixed += c.kind === 'numeric' ? 8 : 4;
  const out = new Float64Array(t.rowCount).fill(fixed);
  for (const c of t.columns) {
    if (c.kind === 'numeric') continue;
    const entry = new Float64Array(c.dictionary.length);
    for (let k = 0; k < entry.length; k++) entry[k] = 4 + c.dictionary[k].length * 3;
    const codes = c.codes;
    for (let r = 0; r < out.length; r++) {
      const k = codes[r];
      if (k >= 0) out[r] += entry[k];
    }
  }
  return out;
}

/** aligned copy of a narrow column's bytes before widening (reused: decoding is synchronous) */
let narrow = new ArrayBuffer(4096);

/**
 * One message being read: its bytes, the offset reached, and the memory block its columns are
 * copied into. A class with methods, not closures made per message: a long-running worker
 * otherwise had V8 compile every message's fresh closures again (~5 optimising compilations a
 * message on its compiler threads, as much CPU as the decoding itself).
 */
class ColumnsReader {
  readonly view: DataView;
  /** the same bytes as a Buffer (no copy): ASCII strings are read as latin1 (identical for bytes < 0x80, and faster than TextDecoder) */
  readonly bytes: Buffer;
  at = 0;
  /**
   * typed arrays copied out of the message (its buffer is the connection's, and unaligned) into
   * one memory block per message, 8-byte aligned slices of it: one allocation instead of one per
   * column (~90 off-heap buffers a message were a good part of the worker's garbage collection).
   */
  arena = new ArrayBuffer(0);
  arenaBytes = new Uint8Array(0);
  free = 0;
  constructor(
    readonly data: Uint8Array,
    readonly where: string,
    readonly layout: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  need(bytes: number, what: string): void {
    if (this.at + bytes > this.data.byteLength) throw new UserError(`${this.where}: byte offset ${this.at}: the message ends inside ${what} (${this.data.byteLength} bytes; ${this.layout} layout)`);
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  strings(what: string): string[] {
    const count = this.u32(`the size of ${what}`);
    const list: string[] = [];
    const data = this.data;
    for (let i = 0; i < count; i++) {
      const len = this.u32(what);
      this.need(len, what);
      const at = this.at;
      const end = at + len;
      let ascii = true;
      for (let k = at; k < end; k++)
        if (data[k] > 0x7f) {
          ascii = false;
          break;
        }
      if (ascii) list.push(this.bytes.toString('latin1', at, end));
      else
        try {
          list.push(fromUtf8.decode(data.subarray(at, end)));
        } catch {
          throw new UserError(`${this.where}: byte offset ${at}: ${what} is not UTF-8`);
        }
      this.at = end;
    }
    return list;
  }

  take(bytes: number): number {
    const start = this.free;
    this.free = start + ((bytes + 7) & ~7);
    return start;
  }

  slice(bytes: number): number {
    const start = this.take(bytes);
    this.arenaBytes.set(this.data.subarray(this.at, this.at + bytes), start);
    this.at += bytes;
    return start;
  }

  f64(n: number, what: string): Float64Array {
    this.need(n * 8, what);
    return new Float64Array(this.arena, this.slice(n * 8), n);
  }

  i32(n: number, what: string, below: number): Int32Array {
    this.need(n * 4, what);
    const from = this.at;
    const v = new Int32Array(this.arena, this.slice(n * 4), n);
    for (let i = 0; i < n; i++) if (v[i] < -1 || v[i] >= below) throw new UserError(`${this.where}: byte offset ${from + i * 4}: ${what} of row ${i + 1} is ${v[i]}, not below ${below}`);
    return v;
  }

  /** a "narrow-columns" numeric column: its width byte, then its values widened to f64 */
  numbers(n: number, what: string): Float64Array {
    this.need(1, `the width of ${what}`);
    const data = this.data;
    const w = data[this.at];
    if (w > I32) throw new UserError(`${this.where}: byte offset ${this.at}: the width of ${what} is ${w}, not 0 to 3 (narrow-columns layout)`);
    this.at++;
    if (w === F64) return this.f64(n, what);
    const bytes = n * WIDTH_BYTES[w];
    this.need(bytes, what);
    const out = new Float64Array(this.arena, this.take(n * 8), n);
    const at = this.at;
    // widened by the typed array's own set (a native loop converting each element exactly, as
    // `out[i] = src[i]` did): the JavaScript loop, one site seeing Int16 and Int32 sources, was most
    // of a worker's decoding; decode CPU per flow 0.73 → 0.48 µs (the CIC sample re-addressed,
    // 1,000-flow messages, medians of 8 rounds alternated in one process: bench/stream-scoring.ts)
    if (w === U8) out.set(data.subarray(at, at + n));
    else {
      if (narrow.byteLength < bytes) narrow = new ArrayBuffer(Math.max(bytes, narrow.byteLength * 2));
      new Uint8Array(narrow, 0, bytes).set(data.subarray(at, at + bytes));
      out.set(w === I16 ? new Int16Array(narrow, 0, n) : new Int32Array(narrow, 0, n));
    }
    this.at = at + bytes;
    return out;
  }
}

/**
 * The FlowTable of a columns message ("narrow-columns" when the schema says so, else f64
 * "columns"). `where` names the message in errors and is the origin file of rows that carry none
 * (their line: their row number from 1), as for JSON lines.
 */
export function decodeColumns(data: Uint8Array, where: string, schema: WireSchema): FlowTable {
  const widths = schema.layout === 'narrow-columns';
  const rd = new ColumnsReader(data, where, widths ? 'narrow-columns' : 'columns');
  const n = rd.u32('the row count');
  const specs = schema.columns;
  let numeric = 0;
  for (let c = 0; c < specs.length; c++) if (specs[c][1] === 'n') numeric++;
  // the row count is the message's word until checked against its length: no block larger than
  // the message's rows could fill (each row takes at least these bytes: origin, a byte or 8 per
  // number, a code per category). The block's size from the row count and the schema: i32 files,
  // f64 lines, f64 per numeric column and i32 per categorical one, each slice padded to 8 at most.
  rd.need(n * (12 + numeric * (widths ? 1 : 8) + (specs.length - numeric) * 4), 'its rows');
  rd.arena = new ArrayBuffer(n * 12 + numeric * n * 8 + (specs.length - numeric) * n * 4 + 8 * (specs.length + 2));
  rd.arenaBytes = new Uint8Array(rd.arena);
  const files = rd.strings('the origin files');
  const file = rd.i32(n, 'the origin file', files.length);
  const line = rd.f64(n, 'the origin lines');
  const columns: Column[] = new Array(specs.length);
  for (let c = 0; c < specs.length; c++) {
    const [name, kind, role] = specs[c];
    if (kind === 'n') columns[c] = numericColumn(name, role, widths ? rd.numbers(n, `column "${name}"`) : rd.f64(n, `column "${name}"`));
    else {
      const dict = rd.strings(`the dictionary of column "${name}"`);
      columns[c] = categoricalColumn(name, role, rd.i32(n, `a code of column "${name}"`, dict.length), dict);
    }
  }
  if (rd.at !== data.byteLength) throw new UserError(`${where}: byte offset ${rd.at}: ${data.byteLength - rd.at} bytes after the last column (${rd.layout} layout; does the header's column list match?)`);
  // rows without an origin: the message and the row's number, so alert keys stay deterministic
  let own = -1;
  for (let r = 0; r < n; r++) {
    if (file[r] >= 0) continue;
    if (own < 0) {
      own = files.length;
      files.push(where);
    }
    file[r] = own;
    line[r] = r + 1;
  }
  return { rowCount: n, columns, format: schema.format, normalClass: schema.normalClass, defaultTarget: schema.defaultTarget, origin: { files, file, line }, ...timesOf(schema) };
}
