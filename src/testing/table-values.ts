/** A FlowTable column's values as plain arrays, for tests to compare with deepEqual. */
import { getColumn, type CategoricalColumn, type FlowTable, type NumericColumn } from '../flows/table.js';

/** A categorical column as its texts (null where the cell had no value). */
export function texts(t: FlowTable, name: string): (string | null)[] {
  const c = getColumn(t, name) as CategoricalColumn;
  return Array.from(c.codes, (k) => (k < 0 ? null : c.dictionary[k]));
}

/** A numeric column as numbers. */
export function numbers(t: FlowTable, name: string): number[] {
  return Array.from((getColumn(t, name) as NumericColumn).values);
}
