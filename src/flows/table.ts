/**
 * The flow table: one columnar shape that every source (NSL-KDD, CICFlowMeter, UNSW-NB15, any CSV,
 * later pcap and live capture) produces and every later stage consumes.
 *
 * Numeric columns are Float64Array (NaN marks a missing cell, ±Infinity is kept as read so the
 * pipeline can decide); categorical columns are Int32Array codes into a dictionary (-1 = missing).
 * Each column has a role: a `feature` goes to the models, a `label` is a possible training target
 * (raw attack name, attack family, normal/attack), `meta` is carried along for reports (IPs, ports,
 * timestamps, difficulty) and never fed to a model unless asked.
 *
 * Readers stream: they yield tables of a bounded number of rows (a batch); `concatTables` joins
 * batches when a command needs the whole dataset in memory (training).
 */
export type ColumnRole = 'feature' | 'label' | 'meta';

export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  readonly role: ColumnRole;
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  readonly role: ColumnRole;
  /** index into dictionary, -1 for a missing cell */
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface FlowTable {
  readonly rowCount: number;
  readonly columns: readonly Column[];
  /** the label column a model trains on when the user names none */
  readonly defaultTarget?: string;
  /** the class value that means "normal traffic" in label columns (e.g. "Normal", "BENIGN") */
  readonly normalClass?: string;
  /** where each row came from: file path and 1-based line, for error messages and reports */
  readonly origin?: RowOrigin;
  /** e.g. "nsl-kdd", "cicflowmeter", "unsw-nb15", "csv" */
  readonly format: string;
  /**
   * Set by the readers: per numeric feature column, how many cells were not ordinary values as
   * read (the feature pipeline imputes missing and infinite ones). Only columns with at least one
   * such cell are listed. Summed by concatTables.
   */
  readonly cellCounts?: readonly CellCounts[];
  /**
   * The time column holds exact instants (a capture's packet times), not text a reader took as UTC
   * for want of an offset: no "read as UTC" note for it.
   */
  readonly exactTimes?: boolean;
  /** --timezone as the reader resolved it: its times without an offset were read in this zone, not as UTC */
  readonly timeZone?: string;
}

/** Cells of one numeric column that the pipeline will impute, or that cannot be what the column says. */
export interface CellCounts {
  readonly column: string;
  /** empty or NaN cells (imputed with the training median) */
  readonly missing: number;
  /** +Infinity or -Infinity cells (imputed with the training maximum / minimum) */
  readonly infinite: number;
  /** negative values in a column whose name says it counts or measures (packets, bytes, duration…) */
  readonly negative: number;
}

/** Per-column counts of several tables (batches of one read) added up, in first-seen order. */
export function sumCellCounts(lists: readonly (readonly CellCounts[] | undefined)[]): CellCounts[] | undefined {
  const by = new Map<string, { column: string; missing: number; infinite: number; negative: number }>();
  let any = false;
  for (const list of lists) {
    if (!list) continue;
    any = true;
    for (const c of list) {
      const s = by.get(c.column);
      if (s) {
        s.missing += c.missing;
        s.infinite += c.infinite;
        s.negative += c.negative;
      } else by.set(c.column, { ...c });
    }
  }
  return any ? [...by.values()] : undefined;
}

export interface RowOrigin {
  readonly files: readonly string[];
  /** index into files, per row */
  readonly file: Int32Array;
  /** 1-based physical line of the row's first character in its file */
  readonly line: Float64Array;
}

export function getColumn(t: FlowTable, name: string): Column | undefined {
  return t.columns.find((c) => c.name === name);
}

export function featureColumns(t: FlowTable): Column[] {
  return t.columns.filter((c) => c.role === 'feature');
}

export function labelColumns(t: FlowTable): Column[] {
  return t.columns.filter((c) => c.role === 'label');
}

/** The string value of a categorical cell, or null when missing. */
export function categoryAt(c: CategoricalColumn, row: number): string | null {
  const code = c.codes[row];
  return code < 0 ? null : c.dictionary[code];
}

/** A column's cell as text, the way a report shows it. */
export function cellText(c: Column, row: number): string {
  if (c.kind === 'categorical') return categoryAt(c, row) ?? '';
  const v = c.values[row];
  return Number.isNaN(v) ? '' : String(v);
}

/** Grows a Float64Array as values arrive. */
export class NumericBuilder {
  private buf = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const nb = new Float64Array(this.buf.length * 2);
      nb.set(this.buf);
      this.buf = nb;
    }
    this.buf[this.length++] = v;
  }
  finish(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

/** Assigns dictionary codes as category strings arrive. */
export class CategoricalBuilder {
  private codes = new Int32Array(1024);
  private readonly index = new Map<string, number>();
  readonly dictionary: string[] = [];
  length = 0;
  push(v: string | null): void {
    let code = -1;
    if (v !== null) {
      const known = this.index.get(v);
      if (known === undefined) {
        code = this.dictionary.length;
        this.index.set(v, code);
        this.dictionary.push(v);
      } else code = known;
    }
    if (this.length === this.codes.length) {
      const nb = new Int32Array(this.codes.length * 2);
      nb.set(this.codes);
      this.codes = nb;
    }
    this.codes[this.length++] = code;
  }
  finish(): Int32Array {
    return this.codes.slice(0, this.length);
  }
}

export function numericColumn(name: string, role: ColumnRole, values: Float64Array): NumericColumn {
  return { kind: 'numeric', name, role, values };
}

export function categoricalColumn(name: string, role: ColumnRole, codes: Int32Array, dictionary: readonly string[]): CategoricalColumn {
  return { kind: 'categorical', name, role, codes, dictionary };
}

/** Build a categorical column from strings (null = missing). */
/**
 * Strings numbered in the order first seen: how tables joined together (and the rules' joined
 * address fields, the per-source detector counts) share one dictionary, each part's codes renumbered
 * through `numberOf` of its own dictionary's entries.
 */
export class StringNumbers {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();

  numberOf(s: string): number {
    let k = this.index.get(s);
    if (k === undefined) {
      k = this.list.length;
      this.list.push(s);
      this.index.set(s, k);
    }
    return k;
  }
}

export function categoricalFrom(name: string, role: ColumnRole, values: readonly (string | null)[]): CategoricalColumn {
  const b = new CategoricalBuilder();
  for (const v of values) b.push(v);
  return categoricalColumn(name, role, b.finish(), b.dictionary);
}

/** The rows at `index`, as a new table (origin kept). */
export function takeTableRows(t: FlowTable, index: ArrayLike<number>): FlowTable {
  const n = index.length;
  const columns = t.columns.map((c): Column => {
    if (c.kind === 'numeric') {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = c.values[index[i]];
      return numericColumn(c.name, c.role, v);
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = c.codes[index[i]];
    return categoricalColumn(c.name, c.role, codes, c.dictionary);
  });
  let origin: RowOrigin | undefined;
  if (t.origin) {
    const file = new Int32Array(n);
    const line = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      file[i] = t.origin.file[index[i]];
      line[i] = t.origin.line[index[i]];
    }
    origin = { files: t.origin.files, file, line };
  }
  return { ...t, rowCount: n, columns, origin };
}

/**
 * Join tables with the same column names (batches of one dataset, or files of one folder).
 * Categorical dictionaries are merged; a column kind that differs between tables is an error
 * the caller turns into a message naming the file.
 */
export function concatTables(tables: readonly FlowTable[]): FlowTable {
  if (tables.length === 0) throw new Error('concatTables: no tables');
  if (tables.length === 1) return tables[0];
  const first = tables[0];
  const total = tables.reduce((s, t) => s + t.rowCount, 0);
  const columns: Column[] = first.columns.map((c0) => {
    if (c0.kind === 'numeric') {
      const v = new Float64Array(total);
      let off = 0;
      for (const t of tables) {
        const c = mustColumn(t, c0.name);
        if (c.kind !== 'numeric') throw new Error(`column "${c0.name}" is numeric in one file and text in another`);
        v.set(c.values, off);
        off += t.rowCount;
      }
      return numericColumn(c0.name, c0.role, v);
    }
    const dict = new StringNumbers();
    const codes = new Int32Array(total);
    let off = 0;
    for (const t of tables) {
      const c = mustColumn(t, c0.name);
      if (c.kind !== 'categorical') throw new Error(`column "${c0.name}" is text in one file and numeric in another`);
      const remap = c.dictionary.map((s) => dict.numberOf(s));
      for (let i = 0; i < t.rowCount; i++) codes[off + i] = c.codes[i] < 0 ? -1 : remap[c.codes[i]];
      off += t.rowCount;
    }
    return categoricalColumn(c0.name, c0.role, codes, dict.list);
  });
  let origin: RowOrigin | undefined;
  if (tables.every((t) => t.origin)) {
    const files = new StringNumbers();
    const file = new Int32Array(total);
    const line = new Float64Array(total);
    let off = 0;
    for (const t of tables) {
      const o = t.origin as RowOrigin;
      const remap = o.files.map((f) => files.numberOf(f));
      for (let i = 0; i < t.rowCount; i++) file[off + i] = remap[o.file[i]];
      line.set(o.line, off);
      off += t.rowCount;
    }
    origin = { files: files.list, file, line };
  }
  const cellCounts = sumCellCounts(tables.map((t) => t.cellCounts));
  const exactTimes = tables.every((t) => t.exactTimes);
  return { ...first, rowCount: total, columns, origin, ...(cellCounts ? { cellCounts } : {}), exactTimes: exactTimes || undefined };
}

function mustColumn(t: FlowTable, name: string): Column {
  const c = getColumn(t, name);
  if (!c) throw new Error(`column "${name}" is missing from one of the files`);
  return c;
}
