/**
 * Flows on the wire: a batch of flows as JSON lines, one object per flow keyed by column name, plus
 * its origin ("@file", "@line") so an alert raised by a streaming worker has the same key as the
 * alert `analyze` raises for the same row of the same file. The table's shape (column kinds and
 * roles, format, normal class) travels once per message in a header, so the worker rebuilds the
 * exact FlowTable the readers produced and the baseline sees the same columns. JSON has no NaN or
 * Infinity: a missing number is null, ±Infinity are the strings "Infinity"/"-Infinity".
 *
 * Messages without the schema header (JSON lines written by another program) are read too: a
 * column whose values are numbers (or null) is numeric, anything else categorical.
 *
 * Our own because the format is ours: a generic serializer would lose the roles and the origin.
 */
import { CategoricalBuilder, NumericBuilder, categoricalColumn, numericColumn, type Column, type ColumnRole, type FlowTable } from '../flows/table.js';
import { UserError } from '../util/errors.js';

export interface WireSchema {
  readonly format: string;
  readonly normalClass?: string;
  readonly defaultTarget?: string;
  /** [name, 'n' (numeric) | 'c' (categorical), role] */
  readonly columns: readonly (readonly [string, 'n' | 'c', ColumnRole])[];
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
 * A FlowTable from JSON lines. `where` names the message (subject and stream sequence, or stdin)
 * in errors, and is the origin file of flows that carry none (their line: `firstLine` + the line
 * within `text`), so their alert keys stay deterministic across redeliveries; `schema` is the
 * header's, when present.
 */
export function decodeFlows(text: string, where: string, schema?: WireSchema, firstLine = 1): FlowTable {
  const lines = text.split('\n');
  const rows: Record<string, unknown>[] = [];
  const physical: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new UserError(`${where} line ${firstLine + i}: not JSON (${(e as Error).message.split('\n')[0]})`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${where} line ${firstLine + i}: a flow must be a JSON object, got ${Array.isArray(v) ? 'an array' : typeof v}`);
    rows.push(v as Record<string, unknown>);
    physical.push(firstLine + i);
  }
  const cols = schema ? schema.columns : inferColumns(rows);
  const n = rows.length;
  const columns: Column[] = cols.map(([name, kind, role]) => {
    if (kind === 'n') {
      const b = new NumericBuilder();
      for (let r = 0; r < n; r++) b.push(numberCell(rows[r][name], where, physical[r], name));
      return numericColumn(name, role, b.finish());
    }
    const b = new CategoricalBuilder();
    for (let r = 0; r < n; r++) {
      const x = rows[r][name];
      b.push(x === null || x === undefined ? null : String(x));
    }
    return categoricalColumn(name, role, b.finish(), b.dictionary);
  });
  const files: string[] = [];
  const fileIndex = new Map<string, number>();
  const file = new Int32Array(n);
  const lineNo = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let f = rows[r][FILE_KEY];
    let l = rows[r][LINE_KEY];
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
  };
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
