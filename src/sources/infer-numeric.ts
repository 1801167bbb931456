/**
 * Whether a column holds numbers, judged on the first records of a file: numeric when every
 * non-empty value parses as a number (NaN and ±Infinity included), otherwise text (categories).
 *
 * The generic CSV reader types every column this way; the readers of known formats (CICFlowMeter,
 * UNSW-NB15) type the columns they know by name and use this for the ones they do not (a note or
 * an analyst's tag a user added): read as numbers, one text value in such a column made predict
 * and evaluate fail on a column the model never uses.
 */
import type { CsvBatch } from './csv-tokenizer.js';
import { parseNumber } from './parse-number.js';
import type { FileStart } from './table-plan.js';

/**
 * The sampled records to judge types by: those with the file's field count (the assembler reports
 * ragged ones with their line) that are not the header repeated (concatenated CSVs).
 */
export function typingRows(start: FileStart, fieldCount: number): number[] {
  const b: CsvBatch = start.sample;
  const header = start.header ?? [];
  const rows: number[] = [];
  for (let r = start.sampleFrom; r < start.sampleTo; r++) {
    if (b.fieldCount(r) !== fieldCount) continue;
    if (header.length === fieldCount && header.every((h, k) => b.text(b.recordField[r] + k).trim() === h.trim())) continue;
    rows.push(r);
  }
  return rows;
}

/**
 * Whether field `field` holds numbers in `rows` when most of its non-empty cells are numbers: text
 * in a few (`n/a`, `-` among numbers) is read as missing and said (the generic CSV reader's lenient
 * columns), not a reason to make the whole column categories; a column with as much text as numbers
 * or more is text. A quoted field counts as text.
 */
export function mostlyNumbers(start: FileStart, rows: readonly number[], field: number): boolean {
  const b = start.sample;
  let numbers = 0;
  let text = 0;
  for (const r of rows) {
    const f = b.recordField[r] + field;
    const quoted = b.fieldQuote[f] === 2;
    if (!quoted && b.text(f).trim() === '') continue;
    if (quoted || parseNumber(b.bytes, b.fieldStart[f], b.fieldEnd[f]) === undefined) text++;
    else numbers++;
  }
  return text === 0 || numbers > text;
}

/** Whether field `field` of every row in `rows` parses as a number (a quoted field never does). */
export function holdsNumbers(start: FileStart, rows: readonly number[], field: number): boolean {
  const b = start.sample;
  for (const r of rows) {
    const f = b.recordField[r] + field;
    if (b.fieldQuote[f] === 2 || parseNumber(b.bytes, b.fieldStart[f], b.fieldEnd[f]) === undefined) return false;
  }
  return true;
}
