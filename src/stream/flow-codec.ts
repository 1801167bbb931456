/**
 * Flows on the wire: a batch of flows as JSON lines, one object per flow keyed by column name, plus
 * its origin ("@file", "@line") so an alert raised by a streaming worker has the same key as the
 * alert `analyze` raises for the same row of the same file. The table's shape (column kinds and
 * roles, format, normal class) travels once per message in a header, so the worker rebuilds the
 * exact FlowTable the readers produced and the baseline sees the same columns. JSON has no NaN or
 * Infinity: a missing number is null, ±Infinity are the strings "Infinity"/"-Infinity".
 *
 * Two row layouts. `publish` writes each flow as a JSON array in the header's column order,
 * [file, line, value, value, …] (`encodeRowCompact`): the column names are in the header once, not
 * on every row (they were ~70% of each message's bytes), and the worker reads cells by position
 * instead of by name. An object per flow keyed by column name (`encodeRow`) is read too, with or
 * without the header: JSON lines written by another program, where a column whose values are
 * numbers (or null) is numeric, anything else categorical. Array rows need the header (it is
 * their column list).
 *
 * Our own because the format is ours: a generic serializer would lose the roles and the origin.
 */
import { CategoricalBuilder, NumericBuilder, categoricalColumn, numericColumn, type Column, type ColumnRole, type FlowTable } from '../flows/table.js';
import { UserError } from '../util/errors.js';
import { parseTimeZone } from '../util/time-zone.js';

export interface WireSchema {
  readonly format: string;
  readonly normalClass?: string;
  readonly defaultTarget?: string;
  /** the body: JSON lines (absent), or binary columns (flow-columns.ts: "narrow-columns" is what publish sends, "columns" its f64-only predecessor) */
  readonly layout?: 'columns' | 'narrow-columns';
  /** [name, 'n' (numeric) | 'c' (categorical), role] */
  readonly columns: readonly (readonly [string, 'n' | 'c', ColumnRole])[];
  /**
   * how the publisher read the times (absent: times without an offset as UTC): a capture's exact
   * packet times, or --timezone's zone; the worker's input notes say what the reader did, and a
   * capture's IPv4-mapped sources stay as they were on the wire (flow-fields.ts)
   */
  readonly exactTimes?: true;
  readonly timeZone?: string;
}

export const SCHEMA_HEADER = 'Netsentinel-Schema';
export const FILE_KEY = '@file';
export const LINE_KEY = '@line';

export function schemaOf(t: FlowTable): WireSchema {
  return {
    format: t.format,
    normalClass: t.normalClass,
    defaultTarget: t.defaultTarget,
    columns: t.columns.map((c) => [c.name, c.kind === 'numeric' ? 'n' : 'c', c.role] as const),
    ...(t.exactTimes ? { exactTimes: true as const } : {}),
    ...(t.timeZone !== undefined ? { timeZone: t.timeZone } : {}),
  };
}

/** The JSON line of row `r`. */
export function encodeRow(t: FlowTable, r: number): string {
  const o: Record<string, unknown> = {};
  if (t.origin) {
    o[FILE_KEY] = t.origin.files[t.origin.file[r]];
    o[LINE_KEY] = t.origin.line[r];
  }
  for (const c of t.columns) {
    if (c.kind === 'numeric') {
      const v = c.values[r];
      o[c.name] = Number.isFinite(v) ? v : Number.isNaN(v) ? null : v > 0 ? 'Infinity' : '-Infinity';
    } else {
      const code = c.codes[r];
      o[c.name] = code < 0 ? null : c.dictionary[code];
    }
  }
  return JSON.stringify(o);
}

/**
 * The JSON line of row `r` as an array in `schemaOf(t)` column order, after its origin file and line
 * (null when the table has no origin): what `publish` sends.
 */
export function encodeRowCompact(t: FlowTable, r: number): string {
  const o: unknown[] = new Array(t.columns.length + 2);
  o[0] = t.origin ? t.origin.files[t.origin.file[r]] : null;
  o[1] = t.origin ? t.origin.line[r] : null;
  for (let i = 0; i < t.columns.length; i++) {
    const c = t.columns[i];
    if (c.kind === 'numeric') {
      const v = c.values[r];
      o[i + 2] = Number.isFinite(v) ? v : Number.isNaN(v) ? null : v > 0 ? 'Infinity' : '-Infinity';
    } else {
      const code = c.codes[r];
      o[i + 2] = code < 0 ? null : c.dictionary[code];
    }
  }
  return JSON.stringify(o);
}

/**
 * A FlowTable from JSON lines (object rows, or array rows when `schema` is given). `where` names the message (subject and stream sequence, or stdin)
 * in errors, and is the origin file of flows that carry none (their line: `firstLine` + the line
 * within `text`), so their alert keys stay deterministic across redeliveries; `schema` is the
 * header's, when present.
 */
export function decodeFlows(text: string, where: string, schema?: WireSchema, firstLine = 1): FlowTable {
  if (schema) {
    const fast = decodeArrayRows(text, where, schema, firstLine);
    if (fast) return fast;
  }
  const lines = text.split('\n');
  const rows: (Record<string, unknown> | unknown[])[] = [];
  const physical: number[] = [];
  let arrays = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new UserError(`${where} line ${firstLine + i}: not JSON (${(e as Error).message.split('\n')[0]})`);
    }
    if (Array.isArray(v)) {
      if (!schema) throw new UserError(`${where} line ${firstLine + i}: a flow must be a JSON object, got an array (array rows need the ${SCHEMA_HEADER} header, their column list)`);
      if (v.length !== schema.columns.length + 2) throw new UserError(`${where} line ${firstLine + i}: an array row must have ${schema.columns.length + 2} cells (file, line and the header's ${schema.columns.length} columns), got ${v.length}`);
      arrays++;
    } else if (!v || typeof v !== 'object') throw new UserError(`${where} line ${firstLine + i}: a flow must be a JSON object, got ${v === null ? 'null' : typeof v}`);
    rows.push(v as Record<string, unknown> | unknown[]);
    physical.push(firstLine + i);
  }
  const n = rows.length;
  // cells by position (array rows, what publish sends) or by name (object rows)
  const objects = !schema || arrays < n ? (rows.map((x) => (Array.isArray(x) ? rowObject(x, schema!) : x)) as Record<string, unknown>[]) : undefined;
  const arrayRows = objects ? undefined : (rows as unknown[][]);
  const cols = schema ? schema.columns : inferColumns(objects!);
  const columns: Column[] = cols.map(([name, kind, role], ci) => {
    const at = ci + 2;
    if (kind === 'n') {
      const b = new NumericBuilder();
      if (arrayRows) for (let r = 0; r < n; r++) b.push(numberCell(arrayRows[r][at], where, physical[r], name));
      else for (let r = 0; r < n; r++) b.push(numberCell(objects![r][name], where, physical[r], name));
      return numericColumn(name, role, b.finish());
    }
    const b = new CategoricalBuilder();
    for (let r = 0; r < n; r++) {
      const x = arrayRows ? arrayRows[r][at] : objects![r][name];
      b.push(x === null || x === undefined ? null : String(x));
    }
    return categoricalColumn(name, role, b.finish(), b.dictionary);
  });
  const files: string[] = [];
  const fileIndex = new Map<string, number>();
  const file = new Int32Array(n);
  const lineNo = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let f = arrayRows ? arrayRows[r][0] : objects![r][FILE_KEY];
    let l = arrayRows ? arrayRows[r][1] : objects![r][LINE_KEY];
    if (typeof f !== 'string' || typeof l !== 'number') {
      f = where;
      l = physical[r];
    }
    let k = fileIndex.get(f as string);
    if (k === undefined) {
      k = files.length;
      files.push(f as string);
      fileIndex.set(f as string, k);
    }
    file[r] = k;
    lineNo[r] = l as number;
  }
  return {
    rowCount: n,
    columns,
    format: schema?.format ?? 'json',
    normalClass: schema?.normalClass,
    defaultTarget: schema?.defaultTarget,
    origin: { files, file, line: lineNo },
    ...timesOf(schema),
  };
}

/**
 * What `publish` sends (array rows, one per line, no blank line), read with one JSON.parse of the
 * whole message as one array: one parser call instead of one per line, and the numbers go straight
 * into their columns. Undefined when the message is anything else (object rows, blank lines, a row
 * that is not JSON or not of the header's width): the line-by-line reader then reads it or names
 * the line at fault.
 */
function decodeArrayRows(text: string, where: string, schema: WireSchema, firstLine: number): FlowTable | undefined {
  if (text.charCodeAt(0) !== 91 /* [ */) return undefined;
  let rows: unknown;
  try {
    rows = JSON.parse(`[${text.replaceAll('\n', ',')}]`);
  } catch {
    return undefined;
  }
  const all = rows as unknown[][];
  const n = all.length;
  const width = schema.columns.length + 2;
  for (let r = 0; r < n; r++) {
    const row = all[r];
    if (!Array.isArray(row) || row.length !== width) return undefined;
  }
  // lines are rows: no blank line got here (it would have made ",," and failed the parse)
  const columns: Column[] = new Array(schema.columns.length);
  for (let ci = 0; ci < schema.columns.length; ci++) {
    const [name, kind, role] = schema.columns[ci];
    const at = ci + 2;
    if (kind === 'n') {
      const values = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        const x = all[r][at];
        values[r] = typeof x === 'number' ? x : numberCell(x, where, firstLine + r, name);
      }
      columns[ci] = numericColumn(name, role, values);
    } else {
      const b = new CategoricalBuilder();
      for (let r = 0; r < n; r++) {
        const x = all[r][at];
        b.push(x === null || x === undefined ? null : typeof x === 'string' ? x : String(x));
      }
      columns[ci] = categoricalColumn(name, role, b.finish(), b.dictionary);
    }
  }
  const files: string[] = [];
  const file = new Int32Array(n);
  const lineNo = new Float64Array(n);
  let lastFile: unknown;
  let lastIndex = -1;
  for (let r = 0; r < n; r++) {
    const row = all[r];
    let f = row[0];
    let l = row[1];
    if (typeof f !== 'string' || typeof l !== 'number') {
      f = where;
      l = firstLine + r;
    }
    // a message's rows come from one file, mostly: compare with the last one before searching
    if (f !== lastFile) {
      lastIndex = files.indexOf(f as string);
      if (lastIndex < 0) {
        lastIndex = files.length;
        files.push(f as string);
      }
      lastFile = f;
    }
    file[r] = lastIndex;
    lineNo[r] = l as number;
  }
  return { rowCount: n, columns, format: schema.format, normalClass: schema.normalClass, defaultTarget: schema.defaultTarget, origin: { files, file, line: lineNo }, ...timesOf(schema) };
}

/** The table's time markers as the publisher's schema carried them (none for an older publisher's). */
export function timesOf(schema: WireSchema | undefined): Pick<FlowTable, 'exactTimes' | 'timeZone'> {
  if (!schema) return {};
  return { ...(schema.exactTimes === true ? { exactTimes: true } : {}), ...(typeof schema.timeZone === 'string' && knownZone(schema.timeZone) ? { timeZone: schema.timeZone } : {}) };
}

/** A zone this process knows (a header naming none is read as without one, not an error per message). */
function knownZone(name: string): boolean {
  try {
    parseTimeZone(name);
    return true;
  } catch {
    return false;
  }
}

/** an array row as the object row it stands for (a message mixing both layouts) */
function rowObject(cells: readonly unknown[], schema: WireSchema): Record<string, unknown> {
  const o: Record<string, unknown> = { [FILE_KEY]: cells[0], [LINE_KEY]: cells[1] };
  schema.columns.forEach(([name], i) => (o[name] = cells[i + 2]));
  return o;
}

function numberCell(x: unknown, where: string, line: number, name: string): number {
  if (x === null || x === undefined) return NaN;
  if (typeof x === 'number') return x;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  if (x === 'NaN' || x === '') return NaN;
  throw new UserError(`${where} line ${line}, field "${name}": expected a number, got ${JSON.stringify(x).slice(0, 40)}`);
}

function inferColumns(rows: readonly Record<string, unknown>[]): [string, 'n' | 'c', ColumnRole][] {
  const names: string[] = [];
  const seen = new Set<string>();
  const numeric = new Map<string, boolean>();
  for (const o of rows) {
    for (const [k, v] of Object.entries(o)) {
      if (k === FILE_KEY || k === LINE_KEY) continue;
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
        numeric.set(k, true);
      }
      if (v !== null && typeof v !== 'number') numeric.set(k, false);
    }
  }
  return names.map((k) => [k, numeric.get(k) ? 'n' : 'c', /label|attack|class/i.test(k) ? 'label' : numeric.get(k) ? 'feature' : 'meta']);
}
