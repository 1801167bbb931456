/**
 * A column that a known format's reader (CICFlowMeter, UNSW-NB15) does not know by name: one a
 * user or an exporter added beside the published ones (a note, a tag, a sensor id). It is read as
 * a feature like the generic CSV reader reads any column: numbers when the file's first records
 * hold numbers there, categories otherwise.
 *
 * Read as numbers unconditionally, a text value in such a column stopped predict, evaluate,
 * analyze and drift at its first row ("x,y" is not a number), though a model trained without the
 * column never uses it and a user only wanted to score the flows beside it.
 */
import { quoteArg } from './input-limits.js';
import { holdsNumbers } from './infer-numeric.js';
import type { FileStart, ParsedColumn } from './table-plan.js';

/**
 * The plan of extra column `name` at field `field`. `types` holds the decision per name for the
 * whole read: made on the first file with the column, so every file of a dataset gives it the same
 * type (a later text value in a numeric column is then an error at its cell, suggesting --categorical).
 */
export function extraColumn(start: FileStart, rows: readonly number[], types: Map<string, boolean>, name: string, field: number, sourceName: string): ParsedColumn {
  let numeric = types.get(name);
  if (numeric === undefined) {
    numeric = holdsNumbers(start, rows, field);
    types.set(name, numeric);
  }
  return numeric
    ? { type: 'parsed', name, role: 'feature', field, parse: 'number', sourceName, hint: `if this column holds text, read it as categories with --categorical ${quoteArg(name)}` }
    : { type: 'parsed', name, role: 'feature', field, parse: 'text', sourceName };
}
