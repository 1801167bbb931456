/**
 * The folds of a cross-validation over a FlowTable, one way for every verb that has one (`train
 * --cv`, `compare --cv`, `search`): rows without a label are left out (they can be neither trained
 * on nor scored), then stratified folds, or grouped ones when a column is named (`--cv-group`:
 * each value in one fold, see groupedStratifiedFoldOf), and each fold's train and test tables.
 */
import { getColumn, takeTableRows, type FlowTable } from '../flows/table.js';
import { foldsFrom, groupedStratifiedFoldOf, stratifiedKFold, type Fold } from './cross-validation.js';
import { UserError } from '../util/errors.js';

export interface FoldPlan {
  /** the labelled rows the folds index */
  readonly table: FlowTable;
  /** stratification label of each of those rows */
  readonly y: Int32Array;
  readonly folds: readonly Fold[];
  readonly parts: readonly { readonly train: FlowTable; readonly test: FlowTable }[];
  /** the grouping column, when grouped */
  readonly group?: string;
}

/**
 * `y` labels `table`'s rows (-1: no label); `who` names the verb in errors and in the warning that
 * counts the rows left out (default: a `netsentinel: warning:` line on stderr): `compare --cv` and
 * `search` left them out without a word.
 */
export function planFolds(
  table: FlowTable,
  y: Int32Array,
  k: number,
  seed: number,
  group: string | undefined,
  who: string,
  warn: (message: string) => void = (m) => process.stderr.write(`netsentinel: warning: ${m}\n`),
): FoldPlan {
  let rows = table;
  let labels = y;
  const labelled: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] >= 0) labelled.push(i);
  if (labelled.length < y.length) {
    const n = y.length - labelled.length;
    warn(`${who}: ${n.toLocaleString('en-US')} of ${y.length.toLocaleString('en-US')} rows have no label and were left out of the cross-validation`);
    rows = takeTableRows(table, labelled);
    labels = Int32Array.from(labelled, (i) => y[i]);
  }
  const folds = group ? foldsFrom(groupedStratifiedFoldOf(labels, groupCodes(rows, group, who), k, seed), k) : stratifiedKFold(labels, k, seed);
  if (group && folds.some((f) => f.test.length === 0 || f.train.length === 0)) {
    throw new UserError(`${who}: --cv-group ${group}: too few groups for ${k} folds (a fold would be empty); use fewer folds`);
  }
  const parts = folds.map((f) => ({ train: takeTableRows(rows, f.train), test: takeTableRows(rows, f.test) }));
  return { table: rows, y: labels, folds, parts, ...(group ? { group } : {}) };
}

/** Group codes of a column, any kind: equal values, equal codes. A row without a value is its own group. */
export function groupCodes(table: FlowTable, name: string, who: string): Int32Array {
  const col = getColumn(table, name);
  if (!col) {
    const names = table.columns.map((c) => c.name);
    throw new UserError(`${who}: --cv-group: no column "${name}" (columns: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''})`);
  }
  const out = new Int32Array(table.rowCount);
  if (col.kind === 'categorical') {
    let next = col.dictionary.length;
    for (let i = 0; i < out.length; i++) out[i] = col.codes[i] >= 0 ? col.codes[i] : next++;
    return out;
  }
  const seen = new Map<number, number>();
  for (let i = 0; i < out.length; i++) {
    const v = col.values[i];
    if (v !== v) out[i] = -1 - i;
    else {
      let c = seen.get(v);
      if (c === undefined) seen.set(v, (c = seen.size));
      out[i] = c;
    }
  }
  return out;
}
