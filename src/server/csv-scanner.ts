/**
 * CSV with a header line (POST /v1/predict with text/csv) straight from the request's bytes into
 * model rows, as JSON lines are (jsonl-scanner.ts): a row of plain cells (printable ASCII, no
 * quotes) is cut at its commas and each cell the model reads is taken from its bytes: a number of the form
 * -?digits(.digits)? with at most 15 digits is digits / 10^fraction digits (exact: the double
 * Number() gives), an empty cell is missing, a category is looked up by its bytes. Any other row
 * (quotes, other number forms, spaces, a refused category, the wrong number of cells) goes the way
 * it went before: batch-reader.ts's splitCsvLine and the encoder's encodeCells, with the same
 * errors naming the line. The header is read as before.
 *
 * As with JSON arrays, the first bad line is named in line order (batch-reader.ts cut a batch of
 * lines before encoding any, so a wrong cell count after a refused value was named first).
 */
import type { Readable } from 'node:stream';
import { BatchInputError, batchTooLarge, lineTooLong, splitCsvLine } from './batch-reader.js';
import { FieldError, type RowEncoder } from './row-encoder.js';
import { ByteDict, type EncodedBatch } from './jsonl-scanner.js';

const MAX_LINE = 1 << 20;
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);

/** The row of plain line [s, e) (no quote in it), or false when the line needs the string path. */
type RowScanner = (b: Buffer, s: number, e: number, out: Float64Array, base: number) => boolean;

function compileRowScanner(enc: RowEncoder, header: readonly string[], columnOf: Int32Array): RowScanner {
  const nf = enc.fields.length;
  const cells = header.length;
  // per cell, the field it feeds (-1: none); a cell feeding two fields leaves the fast path off
  const cellField = new Int32Array(cells).fill(-1);
  let shared = false;
  for (let f = 0; f < nf; f++) {
    const c = columnOf[f];
    if (c < 0) continue;
    if (cellField[c] >= 0) shared = true;
    cellField[c] = f;
  }
  const numeric = Uint8Array.from(enc.fields, (f) => (f.numeric ? 1 : 0));
  const catDict = enc.fields.map((f) => (f.numeric ? undefined : new ByteDict(f.categories.map((c, i) => [c, i] as const))));
  const ignoreUnknown = enc.unknownCategory === 'ignore';
  const absent = Array.from({ length: nf }, (_, f) => f).filter((f) => columnOf[f] < 0);
  if (shared) return () => false;

  return (b, s, e, out, base) => {
    enc.start(out, base);
    let i = s;
    for (let cell = 0; cell < cells; cell++) {
      if (cell > 0) {
        if (i >= e || b[i] !== 44) return false; // too few cells
        i++;
      }
      const c0 = i;
      const field = cellField[cell];
      if (field < 0 || numeric[field] === 0) {
        // a cell the model does not read, or a category: up to the next comma
        while (i < e && b[i] !== 44) i++;
        if (field >= 0) {
          let code = -1;
          if (i > c0) {
            code = catDict[field]!.find(b, c0, i);
            if (code < 0 && !ignoreUnknown) return false; // refused: encodeCells names it
          }
          enc.putValue(field, code, out, base);
        }
        continue;
      }
      // a number: -?digits(.digits)?, or empty (missing)
      if (i >= e || b[i] === 44) {
        enc.putValue(field, NaN, out, base);
        continue;
      }
      let neg = false;
      if (b[i] === 45) {
        neg = true;
        i++;
      }
      let mant = 0;
      let digits = 0;
      let d: number;
      while (i < e && (d = b[i] - 48) >= 0 && d <= 9) {
        mant = mant * 10 + d;
        digits++;
        i++;
      }
      if (digits === 0) return false;
      let frac = 0;
      if (i < e && b[i] === 46) {
        i++;
        while (i < e && (d = b[i] - 48) >= 0 && d <= 9) {
          mant = mant * 10 + d;
          frac++;
          i++;
        }
        if (frac === 0) return false;
        digits += frac;
      }
      if (digits > 15 || (i < e && b[i] !== 44)) return false; // more digits, exponents, spaces, text: Number() decides
      const v = frac === 0 ? mant : mant / POW10[frac];
      enc.putValue(field, neg ? -v : v, out, base);
    }
    if (i !== e) return false; // too many cells
    for (const f of absent) enc.putValue(f, numeric[f] === 1 ? NaN : -1, out, base);
    return true;
  };
}

export async function* scanCsv(body: Readable, enc: RowEncoder, maxBytes: number, batchRows: number): AsyncGenerator<EncodedBatch> {
  const w = enc.width;
  const data = new Float64Array(batchRows * w);
  const where = new Int32Array(batchRows);
  let rows = 0;
  let lineNo = 0;
  let bytes = 0;
  let carry: Buffer | undefined;
  let header: string[] | undefined;
  let columnOf: Int32Array = new Int32Array(0);
  let scanRow: RowScanner = () => false;

  /** a line the fast path does not take: as batch-reader.ts + encodeCells read it */
  const slow = (text: string, base: number): boolean => {
    if (text.trim() === '') return false;
    const cells = splitCsvLine(text, lineNo);
    if (cells.length !== header!.length) throw new BatchInputError(400, `body line ${lineNo}: ${cells.length} fields, the header has ${header!.length}`);
    try {
      enc.encodeCells(cells, columnOf, data, base);
    } catch (e) {
      if (e instanceof FieldError) throw new BatchInputError(400, `body line ${lineNo}: ${e.message}`);
      throw e;
    }
    return true;
  };
  const take = (b: Buffer, s: number, e: number): void => {
    lineNo++;
    if (e > s && b[e - 1] === 13) e--;
    if (!header) {
      const text = b.toString('utf8', s, e);
      if (text.trim() === '') return;
      header = splitCsvLine(text, lineNo).map((h) => h.trim());
      columnOf = enc.columnsFor(header);
      scanRow = compileRowScanner(enc, header, columnOf);
      return;
    }
    const base = rows * w;
    // plain: printable ASCII and tabs, no quote (anything else, such as a space JavaScript's
    // trim() knows beyond ASCII, goes the string way)
    let plain = true;
    let blank = true;
    for (let i = s; i < e; i++) {
      const c = b[i];
      if (c === 34 || c > 126 || (c < 32 && c !== 9)) plain = false;
      if (c !== 32 && c !== 9) blank = false;
    }
    if (blank) return;
    if (!(plain && scanRow(b, s, e, data, base)) && !slow(b.toString('utf8', s, e), base)) return;
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
    if (carry) {
      const nl = b.indexOf(10);
      if (nl < 0) {
        carry = Buffer.concat([carry, b]);
        if (carry.length > MAX_LINE) throw lineTooLong(lineNo + 1);
        continue;
      }
      const line = Buffer.concat([carry, b.subarray(0, nl)]);
      carry = undefined;
      take(line, 0, line.length);
      if (rows === batchRows) yield batch();
      pos = nl + 1;
    }
    for (;;) {
      const nl = b.indexOf(10, pos);
      if (nl < 0) break;
      take(b, pos, nl);
      pos = nl + 1;
      if (rows === batchRows) yield batch();
    }
    if (pos < b.length) {
      carry = b.subarray(pos);
      if (carry.length > MAX_LINE) throw lineTooLong(lineNo + 1);
    }
  }
  if (carry) take(carry, 0, carry.length);
  if (!header) throw new BatchInputError(400, 'body: empty, expected a CSV header line');
  if (rows > 0) yield batch();
}
