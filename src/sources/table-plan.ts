/**
 * What a reader makes of one file: which CSV field becomes which FlowTable column, parsed how, with
 * which role; plus columns derived from others (attack family from attack name, normal/attack from
 * a label). Formats (NSL-KDD, CICFlowMeter, UNSW-NB15, generic CSV) only write plans; the one
 * assembler (`table-assembler.ts`) executes them, so parsing, error wording and bad-row handling
 * are the same for every format.
 *
 * The user's --drop / --categorical / --label are applied here, once, for every format.
 * This file does no I/O.
 */
import type { Column, ColumnRole } from '../flows/table.js';
import { InputError, UserError, type InputPlace } from '../util/errors.js';
import type { CsvBatch } from './csv-tokenizer.js';
import { quoteField, quoteList } from './input-limits.js';

/** How a cell is read: a decimal number, a port (decimal or 0x hex), a date-time, or text (a category). */
export type CellParse = 'number' | 'port' | 'timestamp' | 'text';

export interface ParsedColumn {
  readonly type: 'parsed';
  readonly name: string;
  readonly role: ColumnRole;
  /** index of the field in each record; -1 when this file lacks the column (every cell missing) */
  readonly field: number;
  readonly parse: CellParse;
  /** the column's name in the file, when it differs from `name` (for messages) */
  readonly sourceName?: string;
  /** text only: maps each distinct raw value to the stored one (null = missing); default: '' is missing */
  readonly normalise?: (raw: string) => string | null;
  /** parsed as a source for derived columns but not output */
  readonly hidden?: boolean;
  /** neither parsed nor output (dropped by the user) */
  readonly skip?: boolean;
  /** added to a "not a number" error, e.g. a suggestion of --categorical */
  readonly hint?: string;
  /**
   * number only: a cell that is no number (`n/a`, `-` among numbers) is missing, counted in the
   * read's tally (read-tally.ts) and said, rather than an error (the generic CSV reader's columns);
   * 'markers': only the usual markers of a missing value are (`-`, `n/a`, `NA`, `null`, `None`,
   * `?`: MISSING_MARKER), other text is still an error (columns a format defines as numbers:
   * CICFlowMeter's, where "fast" in Flow Bytes/s is a broken file, but one `-` was a whole file refused)
   */
  readonly lenient?: boolean | 'markers';
}

export interface DeriveContext {
  readonly rowCount: number;
  /** where row `row` came from, for an InputError */
  place(row: number, column?: string): InputPlace;
}

export interface DerivedColumn {
  readonly type: 'derived';
  readonly name: string;
  readonly role: ColumnRole;
  /** columns this one is computed from (built before it) */
  readonly from: readonly string[];
  readonly hidden?: boolean;
  derive(get: (name: string) => Column, ctx: DeriveContext): Column;
}

export type PlanColumn = ParsedColumn | DerivedColumn;

export interface TablePlan {
  readonly format: string;
  /** fields every record of the file must have */
  readonly fieldCount: number;
  /** the file's header, to recognise it when it is repeated inside the file (concatenated CSVs) */
  readonly header?: readonly string[];
  readonly columns: readonly PlanColumn[];
  readonly defaultTarget?: string;
  /** per label column, the value that means normal traffic */
  readonly normalValues?: Readonly<Record<string, string>>;
}

/** Columns a plan outputs, in order. */
export function outputColumns(plan: TablePlan): PlanColumn[] {
  return plan.columns.filter((c) => !(c.type === 'parsed' && c.skip) && !c.hidden);
}

/** The error for a column named on the command line that the file does not have. */
export function noSuchColumn(file: string, name: string, flag: string, has: readonly string[]): InputError {
  return new InputError({ file }, `no column ${quoteField(name)} (${flag}); its columns are: ${quoteList(has)}`);
}

/** The parts of ReadOptions a plan depends on. */
export interface PlanOptions {
  readonly label?: string;
  /** where a reader says what it assumed (the dataset readers' warnings) */
  readonly warn?: (message: string) => void;
  /**
   * false: no warning about columns named like a label being kept out of the features (predict and
   * evaluate apply a model, which reads its own features and finds its target by name)
   */
  readonly labelLikeWarning?: boolean;
  readonly drop?: readonly string[];
  readonly categorical?: readonly string[];
  /**
   * generic CSV: columns read as numbers whatever a batch's cells look like (text in them missing,
   * counted and said): a stream reading batch after batch keeps the types of its first batch, so a
   * batch of one line with `-` in a number column is not read as categories the model cannot score
   */
  readonly numeric?: readonly string[];
}

/**
 * Apply --drop, --categorical and --label to a plan. Each named column must exist (a typo would
 * otherwise be silently ignored): the error lists the columns the file has.
 */
export function applyPlanOptions(plan: TablePlan, opts: PlanOptions, file: string): TablePlan {
  const names = outputColumns(plan).map((c) => c.name);
  const nameSet = new Set(names);
  const check = (name: string, flag: string): void => {
    if (!nameSet.has(name)) throw noSuchColumn(file, name, flag, names);
  };
  const drop = new Set(opts.drop ?? []);
  const categorical = new Set(opts.categorical ?? []);
  for (const n of drop) check(n, '--drop');
  for (const n of categorical) check(n, '--categorical');
  if (opts.label !== undefined) {
    check(opts.label, '--label');
    if (drop.has(opts.label)) throw new UserError(`column "${opts.label}" is both the label (--label) and dropped (--drop)`);
  }
  if (drop.size === 0 && categorical.size === 0 && opts.label === undefined) return plan;
  // a dropped column that feeds a derived column is still parsed, just not output
  const needed = new Set<string>();
  for (const c of plan.columns) if (c.type === 'derived' && !drop.has(c.name)) for (const f of c.from) needed.add(f);
  const columns = plan.columns.map((c): PlanColumn => {
    if (drop.has(c.name)) {
      if (c.type === 'parsed' && !needed.has(c.name)) return { ...c, skip: true };
      return { ...c, hidden: true };
    }
    if (c.type !== 'parsed') return opts.label === c.name ? { ...c, role: 'label' } : c;
    let out: ParsedColumn = c;
    if ((categorical.has(c.name) || opts.label === c.name) && c.parse !== 'text') out = { ...out, parse: 'text', normalise: undefined };
    if (opts.label === c.name && c.role !== 'label') out = { ...out, role: 'label' };
    return out;
  });
  return { ...plan, columns, defaultTarget: opts.label ?? (plan.defaultTarget !== undefined && drop.has(plan.defaultTarget) ? undefined : plan.defaultTarget) };
}

/** What a format needs to plan one file. */
export interface FileStart {
  /** the file as the user named it */
  readonly file: string;
  /** the header, for formats with one */
  readonly header?: readonly string[];
  /** fields per record (the header's count, or the first record's) */
  readonly fieldCount: number;
  /** first data records of the file, for formats that look at values (type inference) */
  readonly sample: CsvBatch;
  readonly sampleFrom: number;
  readonly sampleTo: number;
}

/** One dataset format. A reader object lives for one read, so it may keep state across files. */
export interface FormatReader {
  readonly format: string;
  /** whether this file's first record names the columns */
  hasHeader(first: readonly string[]): boolean;
  planFile(start: FileStart): TablePlan;
}

/** the usual markers of a missing value in a number column (what lenient 'markers' reads as missing) */
export const MISSING_MARKER = /^(?:-+|n\/?a|null|none|nan|\?)$/i;
