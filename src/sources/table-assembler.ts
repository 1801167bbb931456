/**
 * Executes a TablePlan: turns tokenised CSV records into FlowTable batches. The hot loop is here:
 * one pass over the fields of each record, numbers parsed from bytes into Float64 builders,
 * categories coded from bytes; no object per row.
 *
 * Bad input stops with an InputError naming file, line and column: a record with the wrong number
 * of fields, or a cell that does not parse. Two kinds of line are skipped rather than refused,
 * because well-known datasets contain them and they carry no flow: a record whose every field is
 * empty (the original CIC-IDS2017 CSVs end in thousands of `,,,,`), and a copy of the header in the
 * middle of the file (CSVs concatenated with `cat`). Both are counted and reported by the caller as
 * a warning; nothing else is ever dropped.
 */
import type { TimeZone } from '../util/time-zone.js';
import { categoricalColumn, numericColumn, type CellCounts, type Column, type FlowTable } from '../flows/table.js';
import { InputError } from '../util/errors.js';
import { CategoricalBytesBuilder } from './categorical-bytes.js';
import { FieldQuote, type CsvBatch } from './csv-tokenizer.js';
import { quoteField } from './input-limits.js';
import { parseNumberInto, parsePortInto } from './parse-number.js';
import { parseTimestamp } from './parse-timestamp.js';
import { TwelveHourClock } from './twelve-hour-clock.js';
import { newReadTally, type OddCells, type ReadTally } from './read-tally.js';
import { MISSING_MARKER, type DerivedColumn, type ParsedColumn, type TablePlan } from './table-plan.js';
import { trimmed } from '../util/trimmed.js';
import { plural } from '../util/plural.js';

const NUMBER = 0;
const PORT = 1;
const TIMESTAMP = 2;
const TEXT = 3;

const PARSE_CODE = { number: NUMBER, port: PORT, timestamp: TIMESTAMP, text: TEXT } as const;

/** Bytes of column builders reserved ahead of the rows actually read. */
const BUILDER_BUDGET = 64 * 1024 * 1024;

const WHAT: Record<number, string> = {
  [NUMBER]: 'is not a number',
  [PORT]: 'is not a port number',
  [TIMESTAMP]: 'is not a date and time this reader knows (like 2017-07-07 12:59:21 or 7/7/2017 8:59)',
};

export class TableAssembler {
  /** rows held since the last flush */
  rows = 0;
  /** all-empty records skipped (whole read) */
  skippedEmpty = 0;
  /** repeated header lines skipped (whole read) */
  skippedHeaders = 0;

  private readonly parsed: ParsedColumn[];
  /** parsed columns that read a field: field index, parse code, builder */
  private readonly activeField: Int32Array;
  private readonly activeKind: Uint8Array;
  private readonly activeIndex: number[];
  private readonly activeClock: (TwelveHourClock | undefined)[];
  /** per active column: a lenient numeric column's text cells (read as missing), else undefined */
  private readonly activeOdd: (OddCells | undefined)[];
  /** numeric cells per parsed column (all of length `capacity`), undefined for text columns */
  private numeric: (Float64Array | undefined)[] = [];
  private text: (CategoricalBytesBuilder | undefined)[] = [];
  private lines = new Float64Array(0);
  private capacity = 0;
  /** rows to make room for when the first row of a batch arrives */
  private readonly firstCapacity: number;

  /**
   * `initialCapacity` is how many rows to make room for at first (the expected rows per batch): a
   * batch that fills it exactly is handed over without a copy.
   */
  constructor(
    readonly plan: TablePlan,
    readonly file: string,
    initialCapacity = 1024,
    /** --timezone: timestamps without an offset are in it (absent: UTC) */
    readonly zone?: TimeZone,
    /**
     * what was done to cells (read-tally.ts): per timestamp column the 12-hour clock rule's state,
     * per lenient numeric column its text cells read as missing; the caller's, kept across the
     * assemblers of one file or one stream input
     */
    readonly tally: ReadTally = newReadTally(),
  ) {
    this.parsed = plan.columns.filter((c): c is ParsedColumn => c.type === 'parsed' && !c.skip);
    const active = this.parsed.map((c, i) => ({ c, i })).filter(({ c }) => c.field >= 0);
    this.activeField = Int32Array.from(active.map(({ c }) => c.field));
    this.activeKind = Uint8Array.from(active.map(({ c }) => PARSE_CODE[c.parse]));
    this.activeIndex = active.map(({ i }) => i);
    this.activeClock = active.map(({ c }) => {
      if (c.parse !== 'timestamp') return undefined;
      const name = c.sourceName ?? c.name;
      let clock = tally.clocks.get(name);
      if (!clock) tally.clocks.set(name, (clock = new TwelveHourClock()));
      return clock;
    });
    this.activeOdd = active.map(({ c }) => {
      if (c.parse !== 'number' || !c.lenient) return undefined;
      const name = c.sourceName ?? c.name;
      let odd = tally.odd.get(name);
      if (!odd) tally.odd.set(name, (odd = { cells: 0, markersOnly: c.lenient === 'markers' }));
      return odd;
    });
    // memory linear in the input: never reserve more than BUILDER_BUDGET bytes ahead of the rows
    // that arrive (a wide header-only file used to reserve 65,536 rows × every column)
    const perRow = 8 * (this.parsed.length + 1);
    this.firstCapacity = Math.max(16, Math.min(initialCapacity, Math.floor(BUILDER_BUDGET / perRow)));
    this.resetBuilders();
  }

  /** Builders are made when the first row arrives, so a flush that ends the input reserves nothing. */
  private resetBuilders(): void {
    this.capacity = 0;
    this.numeric = [];
    this.text = [];
    this.lines = new Float64Array(0);
    this.rows = 0;
  }

  private grow(): void {
    if (this.capacity === 0) {
      const cap = this.firstCapacity;
      this.numeric = this.parsed.map((c) => (c.parse === 'text' || c.field < 0 ? undefined : new Float64Array(cap)));
      this.text = this.parsed.map((c) => (c.parse === 'text' ? new CategoricalBytesBuilder(cap) : undefined));
      this.lines = new Float64Array(cap);
      this.capacity = cap;
      return;
    }
    const cap = this.capacity * 2;
    this.numeric = this.numeric.map((a) => {
      if (!a) return a;
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    });
    const l = new Float64Array(cap);
    l.set(this.lines);
    this.lines = l;
    this.capacity = cap;
  }

  /** Add records [from, to) of a batch. */
  append(batch: CsvBatch, from: number, to: number): void {
    const bytes = batch.bytes;
    const rf = batch.recordField;
    const fs = batch.fieldStart;
    const fe = batch.fieldEnd;
    const fq = batch.fieldQuote;
    const expected = this.plan.fieldCount;
    const nActive = this.activeField.length;
    const kinds = this.activeKind;
    const fields = this.activeField;
    const idx = this.activeIndex;
    let numeric = this.numeric;
    let text = this.text;
    records: for (let r = from; r < to; r++) {
      if (this.rows === this.capacity) {
        this.grow();
        numeric = this.numeric;
        text = this.text;
      }
      const row = this.rows;
      const f0 = rf[r];
      const nf = rf[r + 1] - f0;
      // every field empty: only commas between the first field's start and the last one's end
      if (fe[f0 + nf - 1] - fs[f0] === nf - 1 && fq[f0] === 0 && fq[f0 + nf - 1] === 0) {
        this.skippedEmpty++;
        continue;
      }
      if (nf !== expected) {
        throw new InputError(
          { file: this.file, line: batch.line[r] },
          `expected ${expected} ${plural(expected, 'field')}, found ${nf}; every line must have as many fields as the ${this.plan.header ? 'header' : 'first line'}`,
        );
      }
      for (let k = 0; k < nActive; k++) {
        const f = f0 + fields[k];
        const kind = kinds[k];
        if (kind === TEXT) {
          const b = text[idx[k]] as CategoricalBytesBuilder;
          if (fq[f] === FieldQuote.Escaped) b.pushText(batch.text(f));
          else b.push(bytes, fs[f], fe[f]);
          continue;
        }
        const out = numeric[idx[k]] as Float64Array;
        let ok: boolean;
        if (kind === NUMBER) ok = parseNumberInto(bytes, fs[f], fe[f], out, row);
        else if (kind === PORT) ok = parsePortInto(bytes, fs[f], fe[f], out, row);
        else {
          const clock = this.activeClock[k] as TwelveHourClock;
          clock.line = batch.line[r];
          const v = parseTimestamp(bytes, fs[f], fe[f], this.zone, clock);
          ok = v !== undefined;
          if (ok) out[row] = v as number;
        }
        if (!ok) {
          if (this.isHeader(batch, r)) {
            this.rollback();
            this.skippedHeaders++;
            continue records;
          }
          const odd = this.activeOdd[k];
          const col = this.parsed[idx[k]];
          if (odd && (col.lenient === true || MISSING_MARKER.test(batch.text(f).trim()))) {
            // text among numbers (n/a, -): missing, counted, said at the end of the file
            out[row] = NaN;
            odd.cells++;
            odd.first ??= { line: batch.line[r], text: batch.text(f) };
            continue;
          }
          throw new InputError(
            { file: this.file, line: batch.line[r], column: col.sourceName ?? col.name },
            `${quoteField(batch.text(f))} ${WHAT[kind]}${col.hint ? `; ${col.hint}` : ''}`,
          );
        }
      }
      this.lines[row] = batch.line[r];
      this.rows++;
    }
  }

  /** Undo the partial row being appended (numeric cells are simply overwritten by the next row). */
  private rollback(): void {
    for (const b of this.text) if (b) b.length = this.rows;
  }

  private isHeader(batch: CsvBatch, r: number): boolean {
    const h = this.plan.header;
    if (!h || batch.fieldCount(r) !== h.length) return false;
    const f0 = batch.recordField[r];
    for (let k = 0; k < h.length; k++) if (batch.text(f0 + k).trim() !== h[k].trim()) return false;
    return true;
  }

  /** The rows appended since the last flush, as a table (possibly of 0 rows). */
  flush(): FlowTable {
    const n = this.rows;
    const lines = trimmed(this.lines, n);
    const built = new Map<string, Column>();
    this.parsed.forEach((c, i) => {
      if (c.parse !== 'text') {
        const nb = this.numeric[i];
        built.set(c.name, numericColumn(c.name, c.role, nb ? trimmed(nb, n) : new Float64Array(n).fill(NaN)));
        return;
      }
      const tb = this.text[i] ?? new CategoricalBytesBuilder(16);
      if (c.field < 0) {
        built.set(c.name, categoricalColumn(c.name, c.role, new Int32Array(n).fill(-1), []));
        return;
      }
      const { codes, dictionary } = normaliseCategories(tb.finish(), tb.dictionary, c.normalise ?? emptyIsMissing);
      built.set(c.name, categoricalColumn(c.name, c.role, codes, dictionary));
    });
    const ctx = {
      rowCount: n,
      place: (row: number, column?: string) => ({ file: this.file, line: lines[row], column }),
    };
    const get = (name: string): Column => {
      const c = built.get(name);
      if (!c) throw new Error(`plan error: column "${name}" is used before it is built`);
      return c;
    };
    for (const c of this.plan.columns) {
      if (c.type !== 'derived') continue;
      const col = (c as DerivedColumn).derive(get, ctx);
      built.set(c.name, col.role === c.role && col.name === c.name ? col : { ...col, name: c.name, role: c.role });
    }
    const columns: Column[] = [];
    for (const c of this.plan.columns) {
      if (c.hidden || (c.type === 'parsed' && c.skip)) continue;
      columns.push(built.get(c.name) as Column);
    }
    this.resetBuilders();
    const target = this.plan.defaultTarget;
    return {
      rowCount: n,
      columns,
      cellCounts: countCells(columns),
      ...(this.zone ? { timeZone: this.zone.name } : {}),
      format: this.plan.format,
      defaultTarget: target,
      normalClass: target !== undefined ? this.plan.normalValues?.[target] : undefined,
      origin: { files: [this.file], file: new Int32Array(n), line: lines },
    };
  }
}

/** Names of columns that count or measure something, so a negative value cannot be right. */
const COUNT_NAME = /count|cnt|pkts?|packets?|bytes?|byts|octets|dur(ation)?|num|len|size|total|tot|load|flows?|segs?/i;

/** Per numeric feature column, its missing, infinite and (count columns) negative cells. */
export function countCells(columns: readonly Column[]): CellCounts[] {
  const out: CellCounts[] = [];
  for (const c of columns) {
    if (c.kind !== 'numeric' || c.role !== 'feature') continue;
    const v = c.values;
    let missing = 0;
    let infinite = 0;
    let negative = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x < 0) {
        if (x === -Infinity) infinite++;
        else negative++;
      } else if (x !== x) missing++;
      else if (x === Infinity) infinite++;
    }
    if (!COUNT_NAME.test(c.name)) negative = 0;
    if (missing + infinite + negative > 0) out.push({ column: c.name, missing, infinite, negative });
  }
  return out;
}

function emptyIsMissing(s: string): string | null {
  return s === '' ? null : s;
}

/**
 * Apply a value mapping to a dictionary (merging values that map to the same one) and drop
 * entries no row uses (left by a skipped header line).
 */
export function normaliseCategories(
  codes: Int32Array,
  dictionary: readonly string[],
  fn: (raw: string) => string | null,
): { codes: Int32Array; dictionary: string[] } {
  const used = new Uint8Array(dictionary.length);
  let usedCount = 0;
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i];
    if (k >= 0 && used[k] === 0) {
      used[k] = 1;
      usedCount++;
    }
  }
  // the readers' default (only '' is missing) on a dictionary whose entries are all used, none
  // empty: the mapping is the identity, the entries being distinct texts (the builder's are distinct
  // byte strings; only invalid UTF-8, decoded to U+FFFD, could make two the same text). No map of
  // every text then: a flow id or address column has about one entry a row.
  if (fn === emptyIsMissing && usedCount === dictionary.length && dictionary.every((d) => d.length > 0 && !d.includes('\uFFFD'))) {
    return { codes, dictionary: dictionary.slice() };
  }
  const map = new Int32Array(dictionary.length).fill(-1);
  const out: string[] = [];
  const index = new Map<string, number>();
  let identity = true;
  for (let k = 0; k < dictionary.length; k++) {
    if (!used[k]) {
      identity = false;
      continue;
    }
    const v = fn(dictionary[k]);
    if (v === null) {
      identity = false;
      continue;
    }
    let m = index.get(v);
    if (m === undefined) {
      m = out.length;
      out.push(v);
      index.set(v, m);
    }
    map[k] = m;
    if (m !== k || v !== dictionary[k]) identity = false;
  }
  if (identity) return { codes, dictionary: out };
  for (let i = 0; i < codes.length; i++) codes[i] = codes[i] < 0 ? -1 : map[codes[i]];
  return { codes, dictionary: out };
}
