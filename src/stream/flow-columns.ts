/**
 * Flows on the wire as columns of binary numbers: what `publish` sends (the schema header says
 * `layout: "columns"`). Reading JSON text cost the worker ~10 µs a flow (parsing ~85 numbers a
 * row, and the garbage of a row array each); these columns are copied into the table's typed
 * arrays as they are, so decoding is a memory copy and a few strings. JSON lines stay readable
 * (flow-codec.ts) for other programs and older messages.
 *
 * Layout, little-endian, in the header's column order:
 *   u32 rows
 *   origin files: u32 count, then each as u32 byte length + UTF-8; i32 file[rows]; f64 line[rows]
 *   per column: numeric: f64 values[rows] (NaN and ±Infinity as they are);
 *               categorical: u32 dictionary size, each entry u32 byte length + UTF-8; i32 codes[rows] (-1 missing)
 * A message shorter or longer than that is refused naming the byte offset.
 */
import { categoricalColumn, numericColumn, type CategoricalColumn, type Column, type FlowTable } from '../flows/table.js';
import { UserError } from '../util/errors.js';
import type { WireSchema } from './flow-codec.js';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** the numeric column being written (reused: one per process, grown to the largest message) */
let gather = new Float64Array(1024);

/**
 * The message of rows `rows` of `t` (its columns in `schemaOf(t)` order). Two passes: the
 * dictionaries this message uses and its size first, then every part written into one buffer
 * (not a small array per number and a concatenation: the publisher's garbage).
 */
export function encodeColumns(t: FlowTable, rows: ArrayLike<number>): Uint8Array {
  const n = rows.length;
  // origin: the files these rows use, renumbered
  const files: string[] = [];
  const fileCode = new Map<number, number>();
  const file = new Int32Array(n);
  const line = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (!t.origin) {
      file[i] = -1;
      line[i] = NaN;
      continue;
    }
    const f = t.origin.file[r];
    let k = fileCode.get(f);
    if (k === undefined) {
      k = files.length;
      files.push(t.origin.files[f]);
      fileCode.set(f, k);
    }
    file[i] = k;
    line[i] = t.origin.line[r];
  }
  // per categorical column: the codes renumbered in order of first use, and the entries used
  const cats: ({ codes: Int32Array; dict: Uint8Array[] } | undefined)[] = [];
  const strings = (list: readonly string[]): Uint8Array[] => list.map((x) => utf8.encode(x));
  const fileBytes = strings(files);
  const listSize = (list: readonly Uint8Array[]): number => list.reduce((sum, b) => sum + 4 + b.length, 4);
  let size = 4 + listSize(fileBytes) + n * 4 + n * 8;
  for (const c of t.columns) {
    if (c.kind === 'numeric') {
      cats.push(undefined);
      size += n * 8;
      continue;
    }
    const dict: string[] = [];
    const code = new Map<number, number>();
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = c.codes[rows[i]];
      if (k < 0) {
        codes[i] = -1;
        continue;
      }
      let m = code.get(k);
      if (m === undefined) {
        m = dict.length;
        dict.push(c.dictionary[k]);
        code.set(k, m);
      }
      codes[i] = m;
    }
    const bytes = strings(dict);
    cats.push({ codes, dict: bytes });
    size += listSize(bytes) + n * 4;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  const u32 = (v: number): void => {
    view.setUint32(at, v, true);
    at += 4;
  };
  const list = (items: readonly Uint8Array[]): void => {
    u32(items.length);
    for (const b of items) {
      u32(b.length);
      out.set(b, at);
      at += b.length;
    }
  };
  const raw = (a: Int32Array | Float64Array): void => {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  };
  u32(n);
  list(fileBytes);
  raw(file);
  raw(line);
  t.columns.forEach((c, ci) => {
    if (c.kind === 'numeric') {
      // gathered into reused scratch (typed stores), then copied: the message's offsets are unaligned
      if (gather.length < n) gather = new Float64Array(Math.max(n, gather.length * 2));
      const g = gather;
      const v = c.values;
      for (let i = 0; i < n; i++) g[i] = v[rows[i]];
      out.set(new Uint8Array(g.buffer, 0, n * 8), at);
      at += n * 8;
    } else {
      list(cats[ci]!.dict);
      raw(cats[ci]!.codes);
    }
  });
  return out;
}

/** Bytes a row adds to a message of encodeColumns (its strings counted as if each were new). */
export function columnsRowBytes(t: FlowTable, r: number): number {
  const shape = shapeOf(t.columns);
  let b = 12 + 8 * shape.numeric;
  for (const c of shape.categorical) {
    const k = c.codes[r];
    b += 4 + (k < 0 ? 0 : 4 + c.dictionary[k].length * 3);
  }
  return b;
}

/** per column list: how many are numeric and which are categorical (asked for every row published) */
const shapes = new WeakMap<readonly Column[], { length: number; numeric: number; categorical: CategoricalColumn[] }>();
function shapeOf(columns: readonly Column[]): { numeric: number; categorical: CategoricalColumn[] } {
  let s = shapes.get(columns);
  if (!s || s.length !== columns.length) {
    const categorical = columns.filter((c): c is CategoricalColumn => c.kind !== 'numeric');
    s = { length: columns.length, numeric: columns.length - categorical.length, categorical };
    shapes.set(columns, s);
  }
  return s;
}

/**
 * The FlowTable of a columns message. `where` names the message in errors and is the origin file
 * of rows that carry none (their line: their row number from 1), as for JSON lines.
 */
export function decodeColumns(data: Uint8Array, where: string, schema: WireSchema): FlowTable {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  const need = (bytes: number, what: string): void => {
    if (at + bytes > data.byteLength) throw new UserError(`${where}: byte offset ${at}: the message ends inside ${what} (${data.byteLength} bytes; columns layout)`);
  };
  const u32 = (what: string): number => {
    need(4, what);
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  const strings = (what: string): string[] => {
    const count = u32(`the size of ${what}`);
    const list: string[] = [];
    for (let i = 0; i < count; i++) {
      const len = u32(`${what}`);
      need(len, what);
      try {
        list.push(fromUtf8.decode(data.subarray(at, at + len)));
      } catch {
        throw new UserError(`${where}: byte offset ${at}: ${what} is not UTF-8`);
      }
      at += len;
    }
    return list;
  };
  // typed arrays copied out of the message (its buffer is the connection's, and unaligned) into
  // one memory block per message, 8-byte aligned slices of it: one allocation instead of one per
  // column (~90 off-heap buffers a message were a good part of the worker's garbage collection).
  // The columns' data is at most the message's bytes; each slice is padded to 8 at most.
  const arena = new ArrayBuffer(data.byteLength + 8 * (schema.columns.length + 2));
  const arenaBytes = new Uint8Array(arena);
  let free = 0;
  const slice = (bytes: number): number => {
    const start = free;
    arenaBytes.set(data.subarray(at, at + bytes), start);
    free = start + ((bytes + 7) & ~7);
    at += bytes;
    return start;
  };
  const f64 = (n: number, what: string): Float64Array => {
    need(n * 8, what);
    return new Float64Array(arena, slice(n * 8), n);
  };
  const i32 = (n: number, what: string, below: number): Int32Array => {
    need(n * 4, what);
    const from = at;
    const v = new Int32Array(arena, slice(n * 4), n);
    for (let i = 0; i < n; i++) if (v[i] < -1 || v[i] >= below) throw new UserError(`${where}: byte offset ${from + i * 4}: ${what} of row ${i + 1} is ${v[i]}, not below ${below}`);
    return v;
  };
  const n = u32('the row count');
  const files = strings('the origin files');
  const file = i32(n, 'the origin file', files.length);
  const line = f64(n, 'the origin lines');
  const columns: Column[] = schema.columns.map(([name, kind, role]) => {
    if (kind === 'n') return numericColumn(name, role, f64(n, `column "${name}"`));
    const dict = strings(`the dictionary of column "${name}"`);
    return categoricalColumn(name, role, i32(n, `a code of column "${name}"`, dict.length), dict);
  });
  if (at !== data.byteLength) throw new UserError(`${where}: byte offset ${at}: ${data.byteLength - at} bytes after the last column (columns layout; does the header's column list match?)`);
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
  return { rowCount: n, columns, format: schema.format, normalClass: schema.normalClass, defaultTarget: schema.defaultTarget, origin: { files, file, line } };
}
